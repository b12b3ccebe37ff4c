//! The global descriptor table and the task-state segments.
//!
//! Flat 4 GiB segments for ring 0 and ring 3, the main TSS (its `esp0` is the kernel stack the
//! CPU switches to on an interrupt from ring 3) and a second TSS for the double-fault task, which
//! runs on its own stack so that a kernel stack overflow is reported instead of triple-faulting.
//! Entries 6..=8 are the running task's three TLS slots (Linux's `GDT_ENTRY_TLS_MIN` = 6, so
//! glibc's `%gs = 0x33` means the same on both kernels), rewritten on every switch.

use core::cell::UnsafeCell;
use core::mem::size_of;
use spin::Once;
use x86::bits32::task::TaskStateSegment;
use x86::dtables::DescriptorTablePointer;
use x86::segmentation::{
    BuildDescriptor, CodeSegmentType, DataSegmentType, Descriptor, DescriptorBuilder,
    GateDescriptorBuilder, SegmentDescriptorBuilder, SegmentSelector,
};
use x86::Ring;

/// Kernel code segment selector.
pub const KERNEL_CS: u16 = 0x08;
/// Kernel data segment selector.
pub const KERNEL_DS: u16 = 0x10;
/// User code segment selector (RPL 3).
pub const USER_CS: u16 = 0x1B;
/// User data segment selector (RPL 3).
pub const USER_DS: u16 = 0x23;
/// Main TSS selector.
pub const TSS_SEL: u16 = 0x28;
/// Double-fault TSS selector (target of the IDT task gate for vector 8): index 9, after the
/// TLS slots 6..=8.
pub const DF_TSS_SEL: u16 = 0x48;
/// GDT index of the first TLS slot.
pub const TLS_MIN: usize = 6;
/// Number of TLS slots.
pub const TLS_ENTRIES: usize = 3;

const GDT_ENTRIES: usize = 10;

/// A task-state segment the CPU reads and writes behind our back.
#[repr(C, align(128))]
pub struct TssCell(UnsafeCell<TaskStateSegment>);

// SAFETY: we run on one CPU; the TSS is written only with interrupts off (boot, context switch)
// and read by the CPU itself.
unsafe impl Sync for TssCell {}

impl TssCell {
    const fn new() -> Self {
        Self(UnsafeCell::new(TaskStateSegment::new()))
    }

    /// Raw pointer to the TSS.
    pub fn as_ptr(&self) -> *mut TaskStateSegment {
        self.0.get()
    }
}

/// The main TSS (TR points here).
pub static TSS: TssCell = TssCell::new();
/// The double-fault task's TSS.
pub static DF_TSS: TssCell = TssCell::new();

/// The GDT: built once at boot; afterwards only the TLS slots change ([`load_tls`]).
#[repr(C, align(8))]
struct GdtCell(UnsafeCell<[Descriptor; GDT_ENTRIES]>);

// SAFETY: one CPU; the table is written at boot and, for the TLS slots, with interrupts off.
unsafe impl Sync for GdtCell {}

static GDT: GdtCell = GdtCell(UnsafeCell::new([Descriptor::NULL; GDT_ENTRIES]));
static GDT_BUILT: Once<()> = Once::new();

fn flat_code(ring: Ring) -> Descriptor {
    DescriptorBuilder::code_descriptor(0, 0xFFFFF, CodeSegmentType::ExecuteRead)
        .present()
        .dpl(ring)
        .db()
        .limit_granularity_4kb()
        .finish()
}

fn flat_data(ring: Ring) -> Descriptor {
    DescriptorBuilder::data_descriptor(0, 0xFFFFF, DataSegmentType::ReadWrite)
        .present()
        .dpl(ring)
        .db()
        .limit_granularity_4kb()
        .finish()
}

fn tss_descriptor(tss: &TssCell) -> Descriptor {
    let base = tss.as_ptr() as u64;
    let limit = (size_of::<TaskStateSegment>() - 1) as u64;
    <DescriptorBuilder as GateDescriptorBuilder<u32>>::tss_descriptor(base, limit, true)
        .present()
        .dpl(Ring::Ring0)
        .finish()
}

/// Loads the GDT, reloads every segment register and loads the task register.
pub fn init() {
    // SAFETY: boot is single-threaded with interrupts off; nobody else touches the TSS yet.
    unsafe {
        let tss = &mut *TSS.as_ptr();
        tss.ss0 = KERNEL_DS;
        // No I/O permission bitmap: the offset points past the end of the segment, so ring 3
        // with IOPL 0 can use no port at all.
        tss.iobp_offset = size_of::<TaskStateSegment>() as u16;
    }
    GDT_BUILT.call_once(|| {
        let table = [
            Descriptor::default(),
            flat_code(Ring::Ring0),
            flat_data(Ring::Ring0),
            flat_code(Ring::Ring3),
            flat_data(Ring::Ring3),
            tss_descriptor(&TSS),
            Descriptor::NULL,
            Descriptor::NULL,
            Descriptor::NULL,
            tss_descriptor(&DF_TSS),
        ];
        // SAFETY: boot, one CPU, interrupts off: nothing reads the GDT while it is filled.
        unsafe { GDT.0.get().write(table) };
    });
    // SAFETY: the table is initialised above and lives forever.
    let ptr = DescriptorTablePointer::new_from_slice(unsafe { &*GDT.0.get() });
    // SAFETY: the GDT is a static that lives forever; the selectors below index valid flat
    // segments, so reloading them keeps every address meaning the same thing; the null LDT
    // selector makes every TI = 1 selector invalid.
    unsafe {
        x86::dtables::lgdt(&ptr);
        x86::bits32::segmentation::load_cs(SegmentSelector::from_raw(KERNEL_CS));
        let ds = SegmentSelector::from_raw(KERNEL_DS);
        x86::segmentation::load_ds(ds);
        x86::segmentation::load_es(ds);
        x86::segmentation::load_fs(ds);
        x86::segmentation::load_gs(ds);
        x86::segmentation::load_ss(ds);
        x86::task::load_tr(SegmentSelector::from_raw(TSS_SEL));
        // No LDT: the null selector. Left as the CPU's reset value (base 0, limit 0xffff), a
        // selector with TI = 1 (`verr`, a ring-3 segment load) would read its descriptor from
        // linear address 8 * index: a kernel page fault (a forged sigreturn frame did that).
        x86::dtables::load_ldtr(SegmentSelector::from_raw(0));
    }
}

/// Sets the stack the CPU switches to when an interrupt arrives in ring 3.
pub fn set_kernel_stack(esp0: u32) {
    // SAFETY: a single aligned 32-bit store into the TSS; the CPU reads it only on a ring
    // transition, which cannot happen in the middle of this store.
    unsafe { core::ptr::addr_of_mut!((*TSS.as_ptr()).esp0).write_volatile(esp0) };
}

/// Loads a task's three TLS descriptors (raw 8-byte GDT descriptors, 0 for a free slot) into
/// slots 6..=8 (Linux's `load_TLS`). A segment register that selects one is refreshed when it
/// is next loaded — on the way back to ring 3, `trap_return` pops the user's selectors.
pub fn load_tls(tls: &[u64; TLS_ENTRIES]) {
    let _irq = super::cpu::IrqGuard::new();
    let base = GDT.0.get() as *mut u64;
    for (i, d) in tls.iter().enumerate() {
        // SAFETY: TLS_MIN + i < GDT_ENTRIES; one aligned 64-bit store per slot, with interrupts
        // off on our one CPU. Kernel code never uses these selectors.
        unsafe { base.add(TLS_MIN + i).write_volatile(*d) };
    }
}
