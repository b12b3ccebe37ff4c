//! Signal frames on the user stack in Linux's exact i386 layout
//! (arch/x86/include/asm/sigframe.h, arch/x86/kernel/signal.c), so glibc's restorer and
//! debuggers read them, and `sigreturn`/`rt_sigreturn`, which restore the interrupted
//! registers sanitised like Linux's `restore_sigcontext`.
//!
//! ```text
//! sigframe (no SA_SIGINFO), 732 bytes      rt_sigframe (SA_SIGINFO), 268 bytes
//!   0 pretcode                               0 pretcode
//!   4 sig                                    4 sig
//!   8 sigcontext (88)                        8 pinfo  -> +16
//!  96 _fpstate_32, unused (624)             12 puc    -> +144
//! 720 extramask[1] (mask bits 32..63)       16 siginfo (128)
//! 724 retcode[8]                           144 ucontext: flags, link, stack_t (12),
//!                                              sigcontext (88) at 164, sigmask (8) at 252
//!                                          260 retcode[8]
//! ```
//!
//! Above the frame (64-byte aligned) is room for the FPU state, `_fpstate_32`: see
//! [`save_fpstate`]. The frame's address follows Linux's rule `((sp + 4) & -16) - 4`, so a
//! handler starts with the stack aligned as the i386 ABI wants after a call.

use super::sigstate::*;
use crate::arch::gdt::{USER_CS, USER_DS};
use crate::arch::trap::TrapFrame;
use crate::arch::fpu;
use crate::syscall::uptr::UserBuf;
use vmcore::errno::Errno;
use vmcore::syscall_abi::{SYS_RT_SIGRETURN, SYS_SIGRETURN};

/// Size of `struct sigframe`.
pub const FRAME_SIZE: u32 = 732;
/// Size of `struct rt_sigframe`.
pub const RT_FRAME_SIZE: u32 = 268;
/// Room for the FPU state above the frame: `_fpstate_32` (112 bytes of FSAVE format, the
/// 512-byte FXSAVE image) — Linux's i386 `math_size` without XSAVE.
pub const FPSTATE_SIZE: u32 = 624;
/// Offset of the sigcontext in each frame.
const SC_OFF: usize = 8;
const RT_SC_OFF: usize = 164;

/// EFLAGS bits `sigreturn` takes from the user (Linux's `FIX_EFLAGS`): AC OF DF TF SF ZF AF
/// PF CF RF — never IOPL, NT, VM, IF.
const FIX_EFLAGS: u32 = 0x0004_0000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x1_0000;
/// Cleared in EFLAGS when a handler starts: DF, RF, TF.
const HANDLER_CLEARS: u32 = 0x400 | 0x1_0000 | 0x100;

/// Saves the task's FPU/SSE state as `_fpstate_32` at user address `buf` (64-byte aligned,
/// [`FPSTATE_SIZE`] bytes of room) and returns the pointer for `sigcontext.fpstate`; then the
/// handler starts from Linux's initial FPU state (FCW 0x037F, MXCSR 0x1F80: Linux's
/// `fpu__clear_user_states`), so the interrupted code's rounding modes and masks do not leak
/// into it.
fn save_fpstate(buf: u32) -> Result<u32, Errno> {
    let mut state = fpu::SigFpState::zeroed();
    fpu::save_fpstate(&mut state);
    let size = fpu::fpstate_size();
    let room = UserBuf::new(buf, size as u32);
    room.check(true)?;
    room.write_at(0, &state.0[..size])?;
    fpu::load_initial();
    Ok(buf)
}

/// Restores the FPU/SSE state from `sigcontext.fpstate` (`ptr`) on sigreturn, sanitised
/// (MXCSR's reserved bits masked, as Linux i386 does); NULL means "no state": the registers
/// start over from the initial state, as Linux's `fpu__restore_sig` with no buffer.
fn restore_fpstate(ptr: u32) -> Result<(), Errno> {
    if ptr == 0 {
        fpu::load_initial();
        return Ok(());
    }
    let mut state = fpu::SigFpState::zeroed();
    let size = fpu::fpstate_size();
    let src = UserBuf::new(ptr, size as u32);
    src.check(false)?;
    src.read_at(0, &mut state.0[..size])?;
    fpu::restore_fpstate(&state);
    Ok(())
}

fn put(buf: &mut [u8], off: usize, v: u32) {
    buf[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn get(buf: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([buf[off], buf[off + 1], buf[off + 2], buf[off + 3]])
}

/// Linux's `sigcontext_32` for `frame`, in its register order.
fn sigcontext(frame: &TrapFrame, fault: &FaultRegs, fpstate: u32, oldmask: u32) -> [u32; 22] {
    let f = frame;
    [
        f.gs, f.fs, f.es, f.ds, f.edi, f.esi, f.ebp, f.user_esp, f.ebx, f.edx, f.ecx, f.eax, fault.trapno, fault.err,
        f.eip, f.cs, f.eflags, f.user_esp, f.user_ss, fpstate, oldmask, fault.cr2,
    ]
}

/// Builds the frame for `info` with handler `act` below the interrupted stack (or on the
/// alternate stack with `SA_ONSTACK`), and points `frame` at the handler. `oldmask` is the
/// mask `sigreturn` restores. Fails if the frame cannot be written (the caller kills with
/// SIGSEGV).
pub fn setup(
    frame: &mut TrapFrame,
    info: &SigInfo,
    act: &SigAction,
    oldmask: SigSet,
    alt: &AltStack,
    fault: &FaultRegs,
) -> Result<(), Errno> {
    let rt = act.flags & SA_SIGINFO != 0;
    let orig_sp = frame.user_esp;
    let mut sp = orig_sp;
    let nested = alt.contains(sp);
    let entering = act.flags & SA_ONSTACK != 0 && alt.flags_at(sp) == 0;
    if entering {
        sp = alt.sp.wrapping_add(alt.size);
    }
    sp = sp.wrapping_sub(FPSTATE_SIZE) & !63;
    let fp_buf = sp;
    let size = if rt { RT_FRAME_SIZE } else { FRAME_SIZE };
    sp = (sp.wrapping_sub(size).wrapping_add(4) & !15).wrapping_sub(4);
    if (nested || entering) && !alt.contains(sp) {
        // Would overflow the alternate stack: Linux gives up (SIGSEGV).
        return Err(Errno::EFAULT);
    }
    let out = UserBuf::new(sp, size);
    out.check(true)?;
    let fpstate = save_fpstate(fp_buf)?;
    let mut buf = [0u8; FRAME_SIZE as usize];
    put(&mut buf, 4, info.signo);
    let retcode_off;
    if rt {
        put(&mut buf, 8, sp + 16);
        put(&mut buf, 12, sp + 144);
        buf[16..144].copy_from_slice(&info.to_linux());
        // ucontext: uc_flags 0, uc_link NULL, uc_stack, uc_mcontext, uc_sigmask.
        put(&mut buf, 152, alt.sp);
        put(&mut buf, 156, if alt.size == 0 { SS_DISABLE } else { alt.flags });
        put(&mut buf, 160, alt.size);
        for (i, w) in sigcontext(frame, fault, fpstate, oldmask as u32).iter().enumerate() {
            put(&mut buf, RT_SC_OFF + 4 * i, *w);
        }
        put(&mut buf, 252, oldmask as u32);
        put(&mut buf, 256, (oldmask >> 32) as u32);
        // movl $__NR_rt_sigreturn, %eax; int $0x80; (pad)
        retcode_off = 260;
        buf[260] = 0xb8;
        put(&mut buf, 261, SYS_RT_SIGRETURN);
        buf[265..268].copy_from_slice(&[0xcd, 0x80, 0]);
    } else {
        for (i, w) in sigcontext(frame, fault, fpstate, oldmask as u32).iter().enumerate() {
            put(&mut buf, SC_OFF + 4 * i, *w);
        }
        put(&mut buf, 720, (oldmask >> 32) as u32);
        // popl %eax; movl $__NR_sigreturn, %eax; int $0x80
        retcode_off = 724;
        buf[724..726].copy_from_slice(&[0x58, 0xb8]);
        put(&mut buf, 726, SYS_SIGRETURN);
        buf[730..732].copy_from_slice(&[0xcd, 0x80]);
    }
    let pretcode = if act.flags & SA_RESTORER != 0 { act.restorer } else { sp + retcode_off };
    put(&mut buf, 0, pretcode);
    out.write_at(0, &buf[..size as usize])?;

    frame.user_esp = sp;
    frame.eip = act.handler;
    frame.eax = info.signo;
    frame.edx = if rt { sp + 16 } else { 0 };
    frame.ecx = if rt { sp + 144 } else { 0 };
    frame.ds = USER_DS as u32;
    frame.es = USER_DS as u32;
    frame.user_ss = USER_DS as u32;
    frame.cs = USER_CS as u32;
    frame.eflags &= !HANDLER_CLEARS;
    Ok(())
}

/// What `sigreturn` found wrong.
#[derive(Debug)]
pub enum BadFrame {
    /// The frame is not readable.
    Fault,
    /// CS or SS is not a user selector: Linux's `iret` to it faults (SIGILL, ILL_BADSTK).
    Segments,
}

/// A data segment register from a sigcontext: the selector as given (its RPL too, as a ring-3
/// `mov` keeps it) when a ring-3 load of it succeeds, else null — Linux's segment-load fixup
/// on the return path loads 0 for a selector that faults. There is no LDT, so a selector with
/// TI = 1 is never loadable.
fn data_selector(sel: u32) -> u32 {
    let sel = (sel & 0xffff) as u16;
    if sel & !3 == 0 || sel & 4 != 0 {
        return 0;
    }
    if crate::arch::segment::user_readable(sel | 3) { u32::from(sel) } else { 0 }
}

/// `sigreturn` (`rt`: `rt_sigreturn`): restores the registers, the mask and (rt) the
/// alternate stack saved by [`setup`]; returns the restored EAX.
pub fn sigreturn(frame: &mut TrapFrame, rt: bool) -> Result<u32, BadFrame> {
    let (base, size, sc_off) = if rt {
        (frame.user_esp.wrapping_sub(4), RT_FRAME_SIZE, RT_SC_OFF)
    } else {
        (frame.user_esp.wrapping_sub(8), FRAME_SIZE, SC_OFF)
    };
    let src = UserBuf::new(base, size);
    src.check(false).map_err(|_| BadFrame::Fault)?;
    let mut buf = [0u8; FRAME_SIZE as usize];
    src.read_at(0, &mut buf[..size as usize]).map_err(|_| BadFrame::Fault)?;
    let sc = |i: usize| get(&buf, sc_off + 4 * i);
    let mask = if rt {
        get(&buf, 252) as u64 | (get(&buf, 256) as u64) << 32
    } else {
        sc(20) as u64 | (get(&buf, 720) as u64) << 32
    };
    let cs = sc(15) | 3;
    let ss = sc(18) | 3;
    if cs & 0xffff != USER_CS as u32 || ss & 0xffff != USER_DS as u32 {
        return Err(BadFrame::Segments);
    }
    super::signals::set_blocked(mask);
    frame.gs = data_selector(sc(0));
    frame.fs = data_selector(sc(1));
    frame.es = data_selector(sc(2));
    frame.ds = data_selector(sc(3));
    frame.edi = sc(4);
    frame.esi = sc(5);
    frame.ebp = sc(6);
    frame.user_esp = sc(7);
    frame.ebx = sc(8);
    frame.edx = sc(9);
    frame.ecx = sc(10);
    frame.eax = sc(11);
    frame.eip = sc(14);
    frame.cs = USER_CS as u32;
    frame.eflags = (frame.eflags & !FIX_EFLAGS) | (sc(16) & FIX_EFLAGS);
    frame.user_ss = USER_DS as u32;
    // No restart decision for what sigreturn restored (Linux: orig_ax = -1).
    frame.error_code = super::signals::NO_SYSCALL;
    if rt {
        let stack = AltStack { sp: get(&buf, 152), flags: get(&buf, 156), size: get(&buf, 160) };
        // Errors other than a fault are squashed, as Linux's restore_altstack.
        let _ = set_altstack(&stack, frame.user_esp);
    }
    restore_fpstate(sc(19)).map_err(|_| BadFrame::Fault)?;
    Ok(frame.eax)
}

/// Linux's `do_sigaltstack` for a new stack `new` (`sigaltstack`, `rt_sigreturn`), the
/// caller's stack pointer being `sp`.
pub fn set_altstack(new: &AltStack, sp: u32) -> Result<(), Errno> {
    let task = super::current();
    let mut inner = task.inner.lock();
    if inner.sig.altstack.contains(sp) {
        return Err(Errno::EPERM);
    }
    let mode = new.flags & !SS_AUTODISARM;
    if mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0 {
        return Err(Errno::EINVAL);
    }
    inner.sig.altstack = if mode == SS_DISABLE {
        AltStack { sp: 0, size: 0, flags: new.flags }
    } else {
        if new.size < MINSIGSTKSZ {
            return Err(Errno::ENOMEM);
        }
        *new
    };
    Ok(())
}
