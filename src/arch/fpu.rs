//! The x87 FPU and SSE registers of user tasks. The kernel is soft-float: it never computes
//! with these registers, it only saves, loads and resets them, so while the kernel runs on
//! behalf of a task the CPU's registers *are* that task's state.
//!
//! **Boot** ([`init`]): CR0.MP and CR0.NE set (x87 errors are #MF, `fwait` honours TS),
//! CR0.EM and CR0.TS clear (no emulation, no lazy #NM traps); with FXSR (CPUID.1:EDX.24)
//! CR4.OSFXSR, with SSE (EDX.25) CR4.OSXMMEXCPT (unmasked SSE exceptions are #XM, not #UD).
//! XSAVE stays off (no CR4.OSXSAVE), so user space sees no AVX and Linux's FXSR signal-frame
//! format is the one that applies.
//!
//! **Per task** an [`FpuArea`]: 512 bytes, 16-byte aligned, holding the FXSAVE image (FSAVE's
//! 108 bytes on a CPU without FXSR), valid while the task is switched out. **Eager
//! switching** ([`switch`]): the context switch saves the outgoing task's registers into its
//! area and loads the incoming task's; no CR0.TS, no #NM (docs/process-model.md says why).
//! A new task's area starts as a copy of its creator's registers ([`save_new`], fork's
//! rule); the first process starts from [`FpuArea::initial`] (Linux's `fpstate_init`: FCW
//! 0x037F, MXCSR 0x1F80, all else zero); exec resets the live registers with [`load_initial`].
//!
//! **Exceptions**: [`sigfpe_code`] tells the `si_code` Linux gives an arithmetic exception
//! (#DE: `FPE_INTDIV`; #MF/#XM: decoded from FSW and FCW or MXCSR, as Linux's `math_error`),
//! or that the exception is spurious (Linux then returns to the program without a signal).
//!
//! **Signal frames** — for the code that builds and unwinds Linux's i386 `sigframe` and
//! `rt_sigframe`, always on the running task (whose state is in the registers):
//!
//! - [`save_fpstate`]`(&mut SigFpState)` writes Linux's `struct _fpstate_32`: with FXSR the
//!   112-byte FSAVE-format header (converted from the FXSAVE image; `status` at 0x6c = FSW,
//!   `magic` at 0x6e = 0x0000) followed by the 512-byte FXSAVE image, [`fpstate_size`] = 624
//!   bytes; without FXSR the FSAVE image and `status`, 112 bytes. The registers are unchanged.
//!   Copy the first [`fpstate_size`] bytes to the user stack and point `sigcontext.fpstate`
//!   at it. Linux 6.1-686 puts the FXSAVE part on a 64-byte boundary, so `fpstate` ≡ 16
//!   (mod 64), and the software bytes at 0x70 + 464 read magic1 0x46505853, extended_size
//!   628, xfeatures 0, xstate_size 512 (checked against a dump from that kernel: vmcore's
//!   `signal_frame_matches_linux`). The handler then sees FCW 0x037F and MXCSR 0x1F80.
//! - Then [`load_initial`] before entering the handler (Linux's `fpu__clear_user_states`).
//! - [`restore_fpstate`]`(&SigFpState)` on `sigreturn` (`sigcontext.fpstate` not NULL): loads
//!   what the frame holds the way Linux i386's `__fpu_restore_sig` does — the FXSAVE image
//!   with MXCSR's reserved bits masked off (else FXRSTOR would #GP), with the legacy header's
//!   control, status and tag words, pointers and registers folded in. A NULL `fpstate` means
//!   [`load_initial`].

use super::cpu;
use core::arch::asm;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use vmcore::fpu::{self as img, FpException, FpeCode, FPSTATE_FX_SIZE, FSAVE_SIZE, FXSAVE_SIZE, LEGACY_SIZE};
use x86::controlregs::{cr0, cr0_write, cr4, cr4_write, Cr0, Cr4};

/// The CPU has FXSAVE/FXRSTOR (and CR4.OSFXSR is on).
static FXSR: AtomicBool = AtomicBool::new(false);
/// MXCSR bits the CPU accepts (FXSAVE's MXCSR_MASK, or the default).
static MXCSR_MASK: AtomicU32 = AtomicU32::new(img::MXCSR_MASK_DEFAULT);

/// Vector of #DE.
const DIVIDE_ERROR: usize = 0;
/// Vector of #MF.
const X87_ERROR: usize = 16;
/// Vector of #XM.
const SIMD_ERROR: usize = 19;

/// One task's saved x87/SSE registers: an FXSAVE image, or an FSAVE image in its first 108
/// bytes on a CPU without FXSR.
#[repr(C, align(16))]
pub struct FpuArea([u8; FXSAVE_SIZE]);

impl FpuArea {
    /// The state a new process starts with (Linux's `fpstate_init`): FCW 0x037F, MXCSR
    /// 0x1F80, every register empty and zero.
    pub fn initial() -> Self {
        let mut a = FpuArea([0; FXSAVE_SIZE]);
        if fxsr() {
            img::init_fxsave(&mut a.0);
        } else {
            img::init_fsave(a.fsave_mut());
        }
        a
    }

    fn fsave_mut(&mut self) -> &mut [u8; FSAVE_SIZE] {
        (&mut self.0[..FSAVE_SIZE]).try_into().expect("invariant: 108 bytes")
    }

    fn fsave(&self) -> &[u8; FSAVE_SIZE] {
        (&self.0[..FSAVE_SIZE]).try_into().expect("invariant: 108 bytes")
    }

    /// The saved x87 control word.
    #[cfg(feature = "ktest")]
    pub fn fcw(&self) -> u16 {
        if fxsr() { img::fx_cwd(&self.0) } else { img::fsave_cwd(self.fsave()) }
    }

    /// The saved MXCSR (the default without FXSR).
    pub fn mxcsr(&self) -> u32 {
        if fxsr() { img::fx_mxcsr(&self.0) } else { img::MXCSR_DEFAULT }
    }
}

/// Linux's i386 `struct _fpstate_32` as a signal frame carries it; only the first
/// [`fpstate_size`] bytes are meaningful.
#[repr(C, align(16))]
pub struct SigFpState(pub [u8; FPSTATE_FX_SIZE]);

impl SigFpState {
    /// All zero.
    pub const fn zeroed() -> Self {
        SigFpState([0; FPSTATE_FX_SIZE])
    }
}

/// Whether the CPU saves with FXSAVE.
pub fn fxsr() -> bool {
    FXSR.load(Ordering::Relaxed)
}

/// Bytes of `_fpstate_32` in a signal frame: 624 with FXSR, 112 without.
pub fn fpstate_size() -> usize {
    if fxsr() { FPSTATE_FX_SIZE } else { LEGACY_SIZE }
}

/// Sets up the FPU as the module doc says and leaves the registers in their initial state.
pub fn init() {
    let (_, _, _, edx) = cpu::cpuid(1, 0);
    let (has_fpu, has_fxsr, has_sse) = (edx & 1 != 0, edx & (1 << 24) != 0, edx & (1 << 25) != 0);
    assert!(has_fpu, "this kernel needs an x87 FPU (CPUID.1:EDX.FPU is clear)");
    // SAFETY: MP/NE/EM/TS only change how FPU instructions trap, and no FPU instruction has
    // run yet; OSFXSR/OSXMMEXCPT are set only when CPUID reports FXSR/SSE.
    unsafe {
        let mut c0 = cr0();
        c0 |= Cr0::CR0_MONITOR_COPROCESSOR | Cr0::CR0_NUMERIC_ERROR;
        c0 &= !(Cr0::CR0_EMULATE_COPROCESSOR | Cr0::CR0_TASK_SWITCHED);
        cr0_write(c0);
        let mut c4 = cr4();
        if has_fxsr {
            c4 |= Cr4::CR4_ENABLE_SSE;
        }
        if has_sse {
            c4 |= Cr4::CR4_UNMASKED_SSE;
        }
        cr4_write(c4);
        asm!("fninit", options(nomem, nostack));
    }
    FXSR.store(has_fxsr, Ordering::Relaxed);
    if has_fxsr {
        let mut probe = FpuArea([0; FXSAVE_SIZE]);
        save(&mut probe);
        MXCSR_MASK.store(img::fx_mxcsr_mask(&probe.0), Ordering::Relaxed);
    }
    load_initial();
    if has_fxsr {
        log::info!(
            "fpu: FXSAVE, SSE {}, MXCSR mask {:#x}, eager switching",
            if has_sse { "on" } else { "not available" },
            MXCSR_MASK.load(Ordering::Relaxed)
        );
    } else {
        log::info!("fpu: FSAVE (no FXSR), eager switching");
    }
}

/// Saves the registers into `area`; they keep their values.
pub fn save(area: &mut FpuArea) {
    if fxsr() {
        // SAFETY: FXSAVE writes 512 bytes at a 16-byte-aligned address: `area` is both.
        unsafe { asm!("fxsave [{}]", in(reg) area.0.as_mut_ptr(), options(nostack, preserves_flags)) };
    } else {
        // SAFETY: FNSAVE writes 108 bytes into `area` and reinitialises the FPU; FRSTOR
        // reads the same bytes back, so the registers end as they were.
        unsafe {
            asm!("fnsave [{0}]", "frstor [{0}]", in(reg) area.0.as_mut_ptr(), options(nostack, preserves_flags))
        };
    }
}

/// Fills a new task's uninitialised area with the registers (they keep their values): the
/// cheap way to create a task, whose state starts as a copy of its creator's (fork's rule).
/// No zeroing pass first: FXSAVE writes bytes 0..288 in 32-bit mode, and only the rest
/// (XMM8-15's slots, reserved and software bytes, which FXRSTOR ignores) is zeroed.
pub fn save_new(area: &mut MaybeUninit<FpuArea>) -> &mut FpuArea {
    const WORDS: usize = FXSAVE_SIZE / 4;
    let first_unsaved = if fxsr() { 288 / 4 } else { FSAVE_SIZE / 4 };
    let words = area.as_mut_ptr() as *mut u32;
    for i in first_unsaved..WORDS {
        // SAFETY: `i` < 128, inside the 512-byte area.
        unsafe { words.add(i).write(0) };
    }
    if fxsr() {
        // SAFETY: as in `save` (FXSAVE writes bytes 0..288 at least).
        unsafe { asm!("fxsave [{}]", in(reg) words, options(nostack, preserves_flags)) };
    } else {
        // SAFETY: as in `save` (FNSAVE writes bytes 0..108).
        unsafe { asm!("fnsave [{0}]", "frstor [{0}]", in(reg) words, options(nostack, preserves_flags)) };
    }
    // SAFETY: every byte was written above, by the zeroing loop or by the save.
    unsafe { area.assume_init_mut() }
}

/// Loads the registers from `area`.
pub fn load(area: &FpuArea) {
    if fxsr() {
        // SAFETY: `area` is 16-byte aligned and holds an image whose MXCSR has only
        // supported bits (written by FXSAVE, by `initial`, or sanitised by `restore_fpstate`),
        // so FXRSTOR cannot fault.
        unsafe { asm!("fxrstor [{}]", in(reg) area.0.as_ptr(), options(nostack, preserves_flags, readonly)) };
    } else {
        // SAFETY: FRSTOR reads 108 bytes of `area`; FNINIT first clears an error the registers
        // held pending (FRSTOR waits: it would be #MF in the kernel); one pending in `area` is
        // raised at the task's next FPU instruction, as with FXRSTOR.
        unsafe { asm!("fninit", "frstor [{}]", in(reg) area.0.as_ptr(), options(nostack, preserves_flags, readonly)) };
    }
}

/// Resets the registers to a new process's state (exec, signal-handler entry).
pub fn load_initial() {
    load(&FpuArea::initial());
}

/// The context switch's part: saves the registers into `prev`, loads them from `next`.
/// Null stands for a task without an area (the idle task), whose registers are nobody's.
///
/// # Safety
/// Each non-null pointer must point to a live [`FpuArea`] that nothing else accesses during
/// the call (the switch runs with interrupts off, and a task's area is touched only by the
/// switch, and before the task is first queued).
pub unsafe fn switch(prev: *mut FpuArea, next: *const FpuArea) {
    // SAFETY: guaranteed by the caller.
    if let Some(prev) = unsafe { prev.as_mut() } {
        if fxsr() {
            // FXSAVE leaves the registers as they are; FNSAVE reinitialises them, which does
            // not matter since `next` (or the next user task) loads its own.
            // SAFETY: as in `save`.
            unsafe { asm!("fxsave [{}]", in(reg) prev.0.as_mut_ptr(), options(nostack, preserves_flags)) };
        } else {
            // SAFETY: FNSAVE writes 108 bytes into the area.
            unsafe { asm!("fnsave [{}]", in(reg) prev.0.as_mut_ptr(), options(nostack, preserves_flags)) };
        }
    }
    // SAFETY: guaranteed by the caller.
    if let Some(next) = unsafe { next.as_ref() } {
        load(next);
    }
}

/// The `si_code` of the SIGFPE that arithmetic exception `vector` (#DE, #MF or #XM) raised in
/// the running task, as Linux decides it; `None` for a spurious #MF/#XM (no unmasked flag is
/// raised), after which Linux resumes the program without a signal.
pub fn sigfpe_code(vector: usize) -> Option<FpeCode> {
    let e = match vector {
        DIVIDE_ERROR => return Some(FpeCode::IntDiv),
        X87_ERROR | SIMD_ERROR => {
            let mut a = FpuArea([0; FXSAVE_SIZE]);
            save(&mut a);
            match (vector, fxsr()) {
                (X87_ERROR, true) => FpException::X87 { cwd: img::fx_cwd(&a.0), swd: img::fx_swd(&a.0) },
                (X87_ERROR, false) => FpException::X87 { cwd: img::fsave_cwd(a.fsave()), swd: img::fsave_swd(a.fsave()) },
                _ => FpException::Simd { mxcsr: a.mxcsr() },
            }
        }
        _ => return None,
    };
    img::exception_code(e)
}

/// Writes the running task's registers into `out` as Linux's `_fpstate_32` (module doc).
pub fn save_fpstate(out: &mut SigFpState) {
    let mut a = FpuArea([0; FXSAVE_SIZE]);
    save(&mut a);
    if fxsr() {
        img::fxsave_to_fpstate(&a.0, &mut out.0);
    } else {
        let head: &mut [u8; LEGACY_SIZE] = (&mut out.0[..LEGACY_SIZE]).try_into().expect("invariant: 112 bytes");
        img::fsave_to_fpstate(a.fsave(), head);
    }
}

/// Loads the running task's registers from a signal frame's `_fpstate_32` (module doc).
pub fn restore_fpstate(frame: &SigFpState) {
    let mut a = FpuArea([0; FXSAVE_SIZE]);
    if fxsr() {
        img::fpstate_to_fxsave(&frame.0, MXCSR_MASK.load(Ordering::Relaxed), &mut a.0);
    } else {
        let head: &[u8; LEGACY_SIZE] = (&frame.0[..LEGACY_SIZE]).try_into().expect("invariant: 112 bytes");
        img::fpstate_to_fsave(head, a.fsave_mut());
    }
    load(&a);
}
