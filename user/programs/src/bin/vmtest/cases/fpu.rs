//! The x87 and SSE registers belong to each process: kept across switches, copied by fork,
//! reset by execve, and unmasked floating-point exceptions kill with SIGFPE.
//!
//! Our target is soft-float: the compiler never uses the x87 or XMM registers, so the
//! inline asm below owns them and state left in them between asm blocks stays put (only the
//! kernel could change it). That is also why the asm does not list them as clobbers (the
//! `xmm_reg` class needs the `sse` target feature, which a soft-float target lacks).

use super::*;
use core::arch::asm;

const FPE: Expect = Expect::Signal(sys::SIGFPE);

pub(super) static CASES: &[Case] = &[
    case!(fpu_isolation, OK, ALL, "x87 and SSE registers, FCW and MXCSR of a parent and its child stay their own across 300 sched_yield switches (x87 only on a CPU without SSE)"),
    case!(fpu_fork_inherits, OK, ALL, "fork copies FCW, MXCSR, an x87 register and an XMM register set before it"),
    case!(fpu_exec_resets, OK, ALL, "execve starts the new image with FCW 0x037F, MXCSR 0x1F80, empty x87 stack, zero XMM registers"),
    case!(fpu_masked_quiet, OK, ALL, "masked divide by zero (x87 and SSE, the defaults) gives infinity and a flag, no signal"),
    case!(fpu_sse_div_zero, OK, ALL, "divss by zero with MXCSR.ZM clear: #XM kills a child with SIGFPE (QEMU's TCG raises no #XM: there it sets MXCSR.ZE)"),
    case!(fpu_x87_div_zero, FPE, ALL, "fdiv by zero with FCW.ZM clear: #MF at the next fwait kills with SIGFPE"),
    case!(int_div_zero, FPE, ALL, "integer division by zero (#DE) kills with SIGFPE"),
];

/// What [`across_syscall`] loads.
#[repr(C, align(16))]
struct Load {
    xmm: [[f32; 4]; 8],
    a: f64,
    b: f64,
    fcw: u16,
    _pad: u16,
    mxcsr: u32,
}

/// What it reads back after the system call.
#[repr(C, align(16))]
#[derive(Default)]
struct Back {
    xmm: [[f32; 4]; 8],
    /// XMM6 + XMM7 (addps).
    sum67: [f32; 4],
    /// ST0 * ST1 (fmul), then ST1.
    prod: f64,
    a: f64,
    fcw: u16,
    _pad: u16,
    mxcsr: u32,
    /// movmskps XMM7: the lanes' sign bits.
    signs: u32,
}

/// Loads FCW, MXCSR, ST0 = b, ST1 = a and XMM0-7 from `l`, makes system call `nr` without
/// arguments, then computes with and stores what the registers hold into `o`. Leaves the
/// x87 stack empty.
fn across_syscall(nr: u32, l: &Load, o: &mut Back) -> u32 {
    let ret: u32;
    let signs: u32;
    // SAFETY: reads `l` and writes `o` (both 16-byte aligned, offsets within them); the x87
    // stack ends as it began (two loads, two pops); int 0x80 preserves every register but EAX.
    unsafe {
        asm!(
            "fldcw word ptr [{l} + 144]",
            "ldmxcsr dword ptr [{l} + 148]",
            "fld qword ptr [{l} + 128]",
            "fld qword ptr [{l} + 136]",
            "movups xmm0, [{l}]",
            "movups xmm1, [{l} + 16]",
            "movups xmm2, [{l} + 32]",
            "movups xmm3, [{l} + 48]",
            "movups xmm4, [{l} + 64]",
            "movups xmm5, [{l} + 80]",
            "movups xmm6, [{l} + 96]",
            "movups xmm7, [{l} + 112]",
            "int 0x80",
            "movups [{o}], xmm0",
            "movups [{o} + 16], xmm1",
            "movups [{o} + 32], xmm2",
            "movups [{o} + 48], xmm3",
            "movups [{o} + 64], xmm4",
            "movups [{o} + 80], xmm5",
            "movups [{o} + 96], xmm6",
            "movups [{o} + 112], xmm7",
            "movmskps {s}, xmm7",
            "addps xmm6, xmm7",
            "movups [{o} + 128], xmm6",
            "fmul st, st(1)",
            "fstp qword ptr [{o} + 144]",
            "fstp qword ptr [{o} + 152]",
            "fnstcw word ptr [{o} + 160]",
            "stmxcsr dword ptr [{o} + 164]",
            l = in(reg) l as *const Load,
            o = in(reg) o as *mut Back,
            s = out(reg) signs,
            inlateout("eax") nr => ret,
        );
    }
    o.signs = signs;
    ret
}

const _: () = {
    assert!(core::mem::offset_of!(Load, a) == 128 && core::mem::offset_of!(Load, fcw) == 144);
    assert!(core::mem::offset_of!(Load, mxcsr) == 148);
    assert!(core::mem::offset_of!(Back, sum67) == 128 && core::mem::offset_of!(Back, prod) == 144);
    assert!(core::mem::offset_of!(Back, fcw) == 160 && core::mem::offset_of!(Back, mxcsr) == 164);
};

/// Process `who`'s values for iteration `i` (small integers: every result is exact).
fn load_for(who: u32, i: u32) -> Load {
    let base = (who * 1000 + i) as f32;
    let mut xmm = [[0f32; 4]; 8];
    for (r, reg) in xmm.iter_mut().enumerate() {
        for (lane, x) in reg.iter_mut().enumerate() {
            *x = base * 8.0 + (r * 4 + lane) as f32;
        }
    }
    // XMM7's sign pattern: 0b0101 for process 1, 0b1010 for process 2.
    for (lane, x) in xmm[7].iter_mut().enumerate() {
        if (who == 1) == (lane % 2 == 0) {
            *x = -*x;
        }
    }
    Load {
        xmm,
        a: (who * 7 + i) as f64,
        b: (who + 2) as f64,
        // Each process its own rounding mode: 1 rounds down, 2 rounds up.
        fcw: if who == 1 { 0x077f } else { 0x0b7f },
        _pad: 0,
        mxcsr: if who == 1 { 0x3f80 } else { 0x5f80 },
    }
}

/// [`across_syscall`] for a CPU without SSE: FCW and the x87 registers only.
fn x87_across_syscall(nr: u32, l: &Load, o: &mut Back) -> u32 {
    let ret: u32;
    // SAFETY: as in `across_syscall`, without the SSE instructions.
    unsafe {
        asm!(
            "fldcw word ptr [{l} + 144]",
            "fld qword ptr [{l} + 128]",
            "fld qword ptr [{l} + 136]",
            "int 0x80",
            "fmul st, st(1)",
            "fstp qword ptr [{o} + 144]",
            "fstp qword ptr [{o} + 152]",
            "fnstcw word ptr [{o} + 160]",
            l = in(reg) l as *const Load,
            o = in(reg) o as *mut Back,
            inlateout("eax") nr => ret,
        );
    }
    ret
}

/// Whether CPUID reports SSE (which the kernel then enables, as Linux does).
fn has_sse() -> bool {
    cpuid(1)[3] & (1 << 25) != 0
}

/// Loads, yields, checks: `rounds` times. Exits 1 (via check) at the first difference.
fn isolation_rounds(who: u32, rounds: u32) {
    let sse = has_sse();
    for i in 0..rounds {
        let l = load_for(who, i);
        let mut o = Back::default();
        if !sse {
            let r = x87_across_syscall(nr::SYS_SCHED_YIELD, &l, &mut o);
            check_eq!(r, 0, "sched_yield");
            check!(o.prod == l.a * l.b && o.a == l.a, "process {} round {}: x87 {} {}", who, i, o.prod as u32, o.a as u32);
            check_eq!(o.fcw, l.fcw, "process {} round {}: FCW", who, i);
            continue;
        }
        let r = across_syscall(nr::SYS_SCHED_YIELD, &l, &mut o);
        check_eq!(r, 0, "sched_yield");
        check!(o.xmm == l.xmm, "process {} round {}: XMM registers changed across the switch", who, i);
        let sum: [f32; 4] = core::array::from_fn(|k| l.xmm[6][k] + l.xmm[7][k]);
        check!(o.sum67 == sum, "process {} round {}: addps", who, i);
        check_eq!(o.signs, if who == 1 { 0b0101 } else { 0b1010 }, "process {} round {}: movmskps", who, i);
        check!(o.prod == l.a * l.b && o.a == l.a, "process {} round {}: x87 {} {}", who, i, o.prod as u32, o.a as u32);
        check_eq!(o.fcw, l.fcw, "process {} round {}: FCW", who, i);
        check_eq!(o.mxcsr, l.mxcsr, "process {} round {}: MXCSR", who, i);
    }
}

fn fpu_isolation(_ctx: &Ctx) {
    let child = spawn(|| {
        isolation_rounds(2, 300);
        0
    });
    isolation_rounds(1, 300);
    wait_ok(child, "the child's rounds");
}

/// The x87 control word, x87 status word and MXCSR (0x1F80 without SSE).
fn control() -> (u16, u16, u32) {
    let (mut cw, mut sw, mut mx) = (0u16, 0u16, 0x1f80u32);
    // SAFETY: stores into locals.
    unsafe {
        asm!("fnstcw word ptr [{}]", "fnstsw word ptr [{}]", in(reg) &mut cw, in(reg) &mut sw);
        if has_sse() {
            asm!("stmxcsr dword ptr [{}]", in(reg) &mut mx);
        }
    }
    (cw, sw, mx)
}

/// Sets the x87 control word and MXCSR (without SSE: only the control word).
fn set_control(cw: u16, mx: u32) {
    // SAFETY: loads valid control values (MXCSR without reserved bits).
    unsafe {
        asm!("fldcw word ptr [{}]", in(reg) &cw);
        if has_sse() {
            asm!("ldmxcsr dword ptr [{}]", in(reg) &mx);
        }
    }
}

const PATTERN: [u32; 4] = [0x1234_5678, 0x9abc_def0, 0x0f1e_2d3c, 0x4b5a_6978];

/// Pops ST0 and reads XMM5.
fn pop_st0_and_xmm5() -> (f64, [u32; 4]) {
    let mut st0 = 0f64;
    let mut x = [0u32; 4];
    // SAFETY: pops the one register the caller pushed; stores into locals.
    unsafe { asm!("fstp qword ptr [{}]", "movups [{}], xmm5", in(reg) &mut st0, in(reg) &mut x) };
    (st0, x)
}

fn fpu_fork_inherits(_ctx: &Ctx) {
    const CW: u16 = 0x0a7f; // round up, 53-bit precision
    const MX: u32 = 0xff80; // flush to zero, round toward zero
    set_control(CW, MX);
    let st0 = 2.5f64;
    // SAFETY: pushes one x87 register (popped below, in both processes) and loads XMM5.
    unsafe { asm!("fld qword ptr [{}]", "movups xmm5, [{}]", in(reg) &st0, in(reg) &PATTERN) };
    let child = spawn(|| {
        let (cw, _, mx) = control();
        let (st, x) = pop_st0_and_xmm5();
        check_eq!(cw, CW, "the child's FCW");
        check_eq!(mx, MX, "the child's MXCSR");
        check!(st == 2.5, "the child's ST0: {}", st as u32);
        check_eq!(x, PATTERN, "the child's XMM5");
        0
    });
    let (cw, _, mx) = control();
    let (st, x) = pop_st0_and_xmm5();
    check!(cw == CW && mx == MX && st == 2.5 && x == PATTERN, "the parent's registers after fork");
    wait_ok(child, "the child's registers");
    set_control(0x037f, 0x1f80);
}

/// `vmtest --probe-fpu`: the image fpu_exec_resets runs, first thing. Exits 33 when the
/// registers are in Linux's initial state, another code naming what is not.
pub fn probe_fpu() -> i32 {
    let mut env = [0u32; 7];
    let mut xmm = [[0u32; 4]; 8];
    let mut mx = 0u32;
    // SAFETY: stores the x87 environment (28 bytes), MXCSR and XMM0-7 into locals.
    unsafe {
        asm!(
            "fnstenv [{e}]",
            "stmxcsr dword ptr [{m}]",
            "movups [{x}], xmm0",
            "movups [{x} + 16], xmm1",
            "movups [{x} + 32], xmm2",
            "movups [{x} + 48], xmm3",
            "movups [{x} + 64], xmm4",
            "movups [{x} + 80], xmm5",
            "movups [{x} + 96], xmm6",
            "movups [{x} + 112], xmm7",
            e = in(reg) &mut env, m = in(reg) &mut mx, x = in(reg) &mut xmm,
        );
    }
    let (cw, sw, tag) = (env[0] & 0xffff, env[1] & 0xffff, env[2] & 0xffff);
    let bad = if cw != 0x037f {
        1
    } else if sw != 0 {
        2
    } else if tag != 0xffff {
        3
    } else if mx != 0x1f80 {
        4
    } else if xmm.iter().flatten().any(|&w| w != 0) {
        5
    } else {
        0
    };
    if bad != 0 {
        eprintln!("    probe-fpu: FCW {:#x} FSW {:#x} FTW {:#x} MXCSR {:#x} XMM0 {:x?}", cw, sw, tag, mx, xmm[0]);
        return bad;
    }
    33
}

fn fpu_exec_resets(ctx: &Ctx) {
    let pid = spawn(|| {
        set_control(0x0f7f, 0xff80);
        let one = 1.0f64;
        // SAFETY: loads every XMM register and pushes two x87 registers, left for execve to
        // discard.
        unsafe {
            asm!(
                "fld qword ptr [{v}]",
                "fld1",
                "movups xmm0, [{p}]",
                "movaps xmm1, xmm0",
                "movaps xmm2, xmm0",
                "movaps xmm3, xmm0",
                "movaps xmm4, xmm0",
                "movaps xmm5, xmm0",
                "movaps xmm6, xmm0",
                "movaps xmm7, xmm0",
                v = in(reg) &one, p = in(reg) &PATTERN,
            );
        }
        let argv = [c"vmtest".as_ptr() as *const u8, c"--probe-fpu".as_ptr() as *const u8, core::ptr::null()];
        let envp = [core::ptr::null()];
        let e = sys::execve(ctx.self_path.as_cstr(), &argv, &envp);
        eprintln!("    execve {}: {}", Bytes(ctx.self_path.as_bytes()), e);
        99
    });
    let s = wait(pid);
    check!(sys::wifexited(s) && sys::wexitstatus(s) == 33, "the exec'd probe: {}", WaitStatus(s));
}

fn fpu_masked_quiet(_ctx: &Ctx) {
    let (cw, sw, mx) = control();
    check_eq!((cw, sw & 0x3f, mx & 0x3f), (0x037f, 0, 0), "the case starts from the defaults");
    let (one, zero) = (1.0f32, 0.0f32);
    let mut sse = 0f32;
    let mut x87 = 0f64;
    // SAFETY: loads from and stores to locals; the x87 stack ends empty.
    unsafe {
        asm!(
            "movss xmm0, [{one}]",
            "divss xmm0, [{zero}]",
            "movss [{sse}], xmm0",
            "fld1",
            "fldz",
            "fdivp st(1), st",
            "fstp qword ptr [{x87}]",
            "fwait",
            one = in(reg) &one, zero = in(reg) &zero, sse = in(reg) &mut sse, x87 = in(reg) &mut x87,
        );
    }
    check!(sse == f32::INFINITY && x87 == f64::INFINITY, "1/0 is infinity");
    let (_, sw, mx) = control();
    check_eq!(sw & 0x3f, 0x04, "FSW.ZE set");
    check_eq!(mx & 0x3f, 0x04, "MXCSR.ZE set");
}

/// CPUID leaf `leaf`: (eax, ebx, ecx, edx).
fn cpuid(leaf: u32) -> [u32; 4] {
    let (a, b, c, d): (u32, u32, u32, u32);
    // SAFETY: CPUID only reads identification registers; EBX (which LLVM may reserve) is
    // saved around it.
    unsafe {
        asm!("mov {t}, ebx", "cpuid", "xchg {t}, ebx", t = out(reg) b, inlateout("eax") leaf => a,
             inlateout("ecx") 0 => c, out("edx") d, options(nostack, preserves_flags));
    }
    [a, b, c, d]
}

/// Whether this is QEMU's TCG (hypervisor vendor "TCGTCGTCGTCG"), which never raises #XM.
fn qemu_tcg() -> bool {
    let hypervisor = cpuid(1)[2] & (1 << 31) != 0;
    let [_, b, c, d] = cpuid(0x4000_0000);
    hypervisor && [b, c, d] == [u32::from_le_bytes(*b"TCGT"), u32::from_le_bytes(*b"CGTC"), u32::from_le_bytes(*b"GTCG")]
}

fn fpu_sse_div_zero(ctx: &Ctx) {
    let pid = spawn(|| {
        set_control(0x037f, 0x1f80 & !(1 << 9)); // unmask divide by zero
        let (one, zero) = (1.0f32, 0.0f32);
        // SAFETY: divides two locals in XMM0; the #XM ends the process.
        unsafe { asm!("movss xmm0, [{}]", "divss xmm0, [{}]", in(reg) &one, in(reg) &zero) };
        let (_, _, mx) = control();
        if mx & 0x3f == 0x04 { 42 } else { 43 }
    });
    let s = wait(pid);
    if sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGFPE {
        return;
    }
    let tcg = qemu_tcg();
    check!(
        tcg && sys::wifexited(s) && sys::wexitstatus(s) == 42,
        "divss by zero, ZM clear: child {}, want killed by SIGFPE{}",
        WaitStatus(s),
        if tcg { " or, on QEMU's TCG, exit 42 (MXCSR.ZE set, no #XM)" } else { "" }
    );
    note!(ctx, "QEMU's TCG raises no #XM: divss set MXCSR.ZE and went on");
}

fn fpu_x87_div_zero(_ctx: &Ctx) {
    set_control(0x037f & !(1 << 2), 0x1f80); // unmask divide by zero
    // SAFETY: 1/0 on the x87 stack; the pending error is delivered at fwait as #MF, which
    // ends the process (the stack would be popped otherwise).
    unsafe { asm!("fld1", "fldz", "fdivp st(1), st", "fwait", "fstp st(0)") };
    eprintln!("    fdiv by zero with ZM clear went on");
}

fn int_div_zero(_ctx: &Ctx) {
    let zero = core::hint::black_box(0u32);
    // SAFETY: divides by zero in registers; the #DE ends the process.
    unsafe { asm!("xor edx, edx", "mov eax, 1", "div {}", in(reg) zero, out("eax") _, out("edx") _) };
    eprintln!("    div by zero went on");
}
