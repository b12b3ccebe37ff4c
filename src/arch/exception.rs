//! CPU exceptions: names, decoded error codes, what an exception means in the kernel's
//! vocabulary ([`ExceptionKind`], [`PageFaultErrorCode`] → [`Fault`]) and the oops report.
//! Nothing here decides a signal: that is the process layer's business.

use super::trap::TrapFrame;
use super::{backtrace, cpu};
use super::serial;
use core::fmt::{self, Write};
use vmcore::addr::VirtAddr;
use vmcore::fault::{Access, Fault, Mode};

/// Vector of the breakpoint exception (int3).
pub const BREAKPOINT: usize = 3;
/// Vector of the page fault.
pub const PAGE_FAULT: usize = 14;

/// Mnemonic and name of each exception vector.
const NAMES: [(&str, &str); 32] = [
    ("#DE", "Divide Error"),
    ("#DB", "Debug"),
    ("NMI", "Non-Maskable Interrupt"),
    ("#BP", "Breakpoint"),
    ("#OF", "Overflow"),
    ("#BR", "Bound Range Exceeded"),
    ("#UD", "Invalid Opcode"),
    ("#NM", "Device Not Available"),
    ("#DF", "Double Fault"),
    ("---", "Coprocessor Segment Overrun"),
    ("#TS", "Invalid TSS"),
    ("#NP", "Segment Not Present"),
    ("#SS", "Stack-Segment Fault"),
    ("#GP", "General Protection"),
    ("#PF", "Page Fault"),
    ("---", "Reserved 15"),
    ("#MF", "x87 Floating-Point Error"),
    ("#AC", "Alignment Check"),
    ("#MC", "Machine Check"),
    ("#XM", "SIMD Floating-Point"),
    ("#VE", "Virtualization"),
    ("#CP", "Control Protection"),
    ("---", "Reserved 22"),
    ("---", "Reserved 23"),
    ("---", "Reserved 24"),
    ("---", "Reserved 25"),
    ("---", "Reserved 26"),
    ("---", "Reserved 27"),
    ("#HV", "Hypervisor Injection"),
    ("#VC", "VMM Communication"),
    ("#SX", "Security"),
    ("---", "Reserved 31"),
];

/// Whether the CPU pushes an error code for this vector.
pub fn has_error_code(vector: usize) -> bool {
    matches!(vector, 8 | 10..=14 | 17 | 21 | 29 | 30)
}

/// Mnemonic and name of an exception vector.
pub fn name(vector: usize) -> (&'static str, &'static str) {
    NAMES.get(vector).copied().unwrap_or(("---", "Unknown"))
}

/// An exception taken in user mode, classified: what the process layer chooses a signal by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptionKind {
    /// #DE, #MF, #XM: integer divide error, x87 or SIMD floating-point error.
    Arithmetic,
    /// #DB, #BP: debug trap, breakpoint.
    Trap,
    /// #UD: invalid opcode.
    InvalidOpcode,
    /// #AC: alignment check.
    Alignment,
    /// #NP, #SS: a segment (or the stack segment) not present or over its limit.
    SegmentNotPresent,
    /// #OF, #BR, #TS, #GP and anything else: an `into` overflow, a `bound` range, a
    /// protection violation (privileged instructions, bad segment loads).
    Protection,
}

impl ExceptionKind {
    /// The kind of exception `vector` (a page fault is not classified here: see
    /// [`PageFaultErrorCode`]).
    pub const fn of(vector: usize) -> Self {
        match vector {
            0 | 16 | 19 => ExceptionKind::Arithmetic,
            1 | 3 => ExceptionKind::Trap,
            6 => ExceptionKind::InvalidOpcode,
            11 | 12 => ExceptionKind::SegmentNotPresent,
            17 => ExceptionKind::Alignment,
            _ => ExceptionKind::Protection,
        }
    }
}

bitflags::bitflags! {
    /// The page-fault error code the CPU pushes (Intel SDM vol. 3, 4.7).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct PageFaultErrorCode: u32 {
        /// A protection violation on a present page (clear: the page was not present).
        const PROTECTION = 1 << 0;
        /// The access was a write.
        const WRITE = 1 << 1;
        /// The access came from ring 3.
        const USER = 1 << 2;
        /// A reserved bit was set in a paging entry.
        const RESERVED = 1 << 3;
        /// The access was an instruction fetch.
        const FETCH = 1 << 4;
    }
}

impl PageFaultErrorCode {
    /// The error code of a trap frame (bits the CPU may add later are kept out).
    pub const fn of(frame: &TrapFrame) -> Self {
        Self::from_bits_truncate(frame.error_code)
    }

    /// The fault at `cr2` in the kernel's vocabulary.
    pub fn fault(self, cr2: u32) -> Fault {
        let access = if self.contains(Self::FETCH) {
            Access::Exec
        } else if self.contains(Self::WRITE) {
            Access::Write
        } else {
            Access::Read
        };
        Fault {
            addr: VirtAddr::new(cr2),
            access,
            mode: if self.contains(Self::USER) { Mode::User } else { Mode::Kernel },
            present: self.contains(Self::PROTECTION),
        }
    }
}

impl fmt::Display for PageFaultErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let has = |bit| self.contains(bit);
        f.write_str(if has(Self::PROTECTION) { "protection violation" } else { "page not present" })?;
        f.write_str(if has(Self::WRITE) { ", write" } else { ", read" })?;
        f.write_str(if has(Self::USER) { ", user mode" } else { ", kernel mode" })?;
        if has(Self::RESERVED) {
            f.write_str(", reserved bit set")?;
        }
        if has(Self::FETCH) {
            f.write_str(", instruction fetch")?;
        }
        Ok(())
    }
}

/// A selector error code (#TS, #NP, #SS, #GP) in words.
pub struct SelectorCode(pub u32);

impl fmt::Display for SelectorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        if c == 0 {
            return f.write_str("no selector");
        }
        let table = match (c >> 1) & 3 {
            0 => "GDT",
            2 => "LDT",
            _ => "IDT",
        };
        write!(f, "{} index {}{}", table, c >> 3, if c & 1 != 0 { ", external event" } else { "" })
    }
}

/// EFLAGS with the set flags named.
pub struct Eflags(pub u32);

impl fmt::Display for Eflags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const BITS: [(u32, &str); 10] = [
            (0, "CF"), (2, "PF"), (6, "ZF"), (7, "SF"), (8, "TF"),
            (9, "IF"), (10, "DF"), (11, "OF"), (16, "RF"), (17, "VM"),
        ];
        write!(f, "{:#010x} [", self.0)?;
        let mut first = true;
        for (bit, name) in BITS {
            if self.0 & (1 << bit) != 0 {
                if !first {
                    f.write_str(" ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        write!(f, "] IOPL {}", (self.0 >> 12) & 3)
    }
}

/// Writes the full report of an exception: vector, decoded error code, CR2 for a page fault,
/// registers and a backtrace from the faulting instruction.
pub fn write_report(w: &mut dyn Write, frame: &TrapFrame, cr2: u32) -> fmt::Result {
    let vector = frame.vector as usize;
    let (mnemonic, name) = name(vector);
    let mode = if frame.from_user() { "user" } else { "kernel" };
    writeln!(w, "!!! {mnemonic} {name} (vector {vector}) in {mode} mode")?;
    if vector == PAGE_FAULT {
        writeln!(w, "    error code {:#06x}: {}", frame.error_code, PageFaultErrorCode::of(frame))?;
        writeln!(w, "    CR2 {:#010x}{}", cr2, describe_address(cr2))?;
    } else if matches!(vector, 10..=13) {
        writeln!(w, "    error code {:#06x}: {}", frame.error_code, SelectorCode(frame.error_code))?;
    } else if has_error_code(vector) {
        writeln!(w, "    error code {:#010x}", frame.error_code)?;
    }
    writeln!(w, "    EIP {:#010x} {}", frame.eip, crate::symbols::Symbol(frame.eip))?;
    writeln!(w, "    CS  {:#06x}  EFLAGS {}", frame.cs, Eflags(frame.eflags))?;
    writeln!(
        w,
        "    EAX {:#010x} EBX {:#010x} ECX {:#010x} EDX {:#010x}",
        frame.eax, frame.ebx, frame.ecx, frame.edx
    )?;
    writeln!(
        w,
        "    ESI {:#010x} EDI {:#010x} EBP {:#010x} ESP {:#010x}",
        frame.esi, frame.edi, frame.ebp, frame.interrupted_esp()
    )?;
    writeln!(w, "    DS {:#06x} ES {:#06x} FS {:#06x} GS {:#06x} CR3 {:#010x}", frame.ds, frame.es, frame.fs, frame.gs, cpu::cr3())?;
    if !frame.from_user() {
        backtrace::write(w, frame.eip, frame.ebp)?;
    }
    Ok(())
}

/// A short note on what kind of address a faulting address is.
fn describe_address(addr: u32) -> &'static str {
    if addr < vmcore::layout::USER_START {
        " (null pointer dereference)"
    } else if addr < vmcore::layout::USER_END {
        " (user space)"
    } else {
        " (kernel space)"
    }
}

/// A breakpoint (int3) in kernel code: counted and logged; execution goes on.
pub fn kernel_breakpoint(frame: &TrapFrame) {
    super::trap::BREAKPOINTS.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    log::debug!("breakpoint at {:#010x}", frame.eip.wrapping_sub(1));
}

/// An exception in kernel mode other than a page fault: a bug, reported as an oops.
pub fn kernel_exception(frame: &TrapFrame) -> ! {
    let cr2 = if frame.vector as usize == PAGE_FAULT { cpu::cr2() } else { 0 };
    oops(frame, cr2, None)
}

/// Prints the report of an unresolvable kernel exception and stops the kernel.
pub fn oops(frame: &TrapFrame, cr2: u32, reason: Option<&str>) -> ! {
    {
        let mut out = serial::panic_writer();
        let _ = write_report(&mut out, frame, cr2);
        if let Some(reason) = reason {
            let _ = writeln!(out, "    reason: {reason}");
        }
    }
    let (mnemonic, name) = name(frame.vector as usize);
    crate::panic::die(format_args!("unhandled {mnemonic} {name} at {:#010x}", frame.eip), false)
}
