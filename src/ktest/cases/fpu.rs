//! The FPU/SSE state: the signal-frame format through the real registers (FXRSTOR of a
//! frame, FXSAVE back), the eager switch between two areas, and the SIGFPE code read from the
//! registers. These cases run in the boot context, whose registers belong to no task; each
//! leaves them in the initial state. On a CPU without FXSR (`-cpu qemu32,-fxsr,-sse,-sse2`)
//! they check the FSAVE format and skip what is SSE's.

use crate::arch::fpu::{self, FpuArea, SigFpState};
use crate::{check, check_eq, ktest};

/// Offsets in `_fpstate_32`: header control, status and tag words, ST0; the FXSAVE image's
/// MXCSR and XMM0.
const CW: usize = 0;
const SW: usize = 4;
const TAG: usize = 8;
const ST0: usize = 28;
const MXCSR: usize = 112 + 24;
const XMM0: usize = 112 + 160;

fn get32(s: &SigFpState, at: usize) -> u32 {
    u32::from_le_bytes(s.0[at..at + 4].try_into().expect("4 bytes"))
}

fn put32(s: &mut SigFpState, at: usize, v: u32) {
    s.0[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// A frame with FCW 0x027F, 1.0 in ST0, MXCSR `mxcsr`, XMM0 = 16 bytes of `fill`.
fn state(mxcsr: u32, fill: u8) -> SigFpState {
    fpu::load_initial();
    let mut s = SigFpState::zeroed();
    fpu::save_fpstate(&mut s);
    put32(&mut s, CW, 0xffff_027f);
    put32(&mut s, SW, 0xffff_0000 | 7 << 11); // TOP = 7: ST0 is physical register 7
    put32(&mut s, TAG, 0xffff_3fff); // physical 7 valid, the rest empty
    s.0[ST0..ST0 + 10].copy_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]);
    put32(&mut s, MXCSR, mxcsr);
    s.0[XMM0..XMM0 + 16].fill(fill);
    s
}

/// The low 16 bits of a header word (FXSR frames have the upper ones set, Linux's
/// `convert_from_fxsr`; FNSAVE leaves them as the CPU writes them).
fn word(s: &SigFpState, at: usize) -> u32 {
    let v = get32(s, at);
    if fpu::fxsr() && v >> 16 != 0xffff { 0xdead_0000 | v & 0xffff } else { v & 0xffff }
}

ktest!(fn fpstate_round_trips_through_the_registers() {
    let fx = fpu::fxsr();
    check_eq!(fpu::fpstate_size(), if fx { 624 } else { 112 });
    // Reserved MXCSR bits in a frame are dropped, not loaded (FXRSTOR would #GP).
    fpu::restore_fpstate(&state(0xffff_0000 | 0x1d80, 0x5a));
    let mut back = SigFpState::zeroed();
    fpu::save_fpstate(&mut back);
    check_eq!(word(&back, CW), 0x027f);
    check_eq!(word(&back, SW), 7 << 11);
    check_eq!(word(&back, TAG), 0x3fff, "1.0 in ST0 is valid, the rest empty");
    check_eq!(&back.0[ST0..ST0 + 10], &[0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]);
    check_eq!(u16::from_le_bytes([back.0[0x6c], back.0[0x6d]]), 7 << 11, "status = FSW");
    if fx {
        check_eq!(get32(&back, MXCSR), 0x1d80);
        check_eq!(&back.0[XMM0..XMM0 + 16], &[0x5a; 16]);
        check_eq!(u16::from_le_bytes([back.0[0x6e], back.0[0x6f]]), 0, "magic: FXSR data follows");
    }
    // The initial state: FCW 0x037F, MXCSR 0x1F80, empty and zero registers.
    fpu::load_initial();
    fpu::save_fpstate(&mut back);
    check_eq!(word(&back, CW), 0x037f);
    check_eq!(word(&back, SW), 0);
    check_eq!(word(&back, TAG), 0xffff);
    check!(back.0[ST0..ST0 + 80].iter().all(|&b| b == 0), "ST0-7 zero");
    if fx {
        check_eq!(get32(&back, MXCSR), 0x1f80);
        check!(back.0[XMM0..XMM0 + 128].iter().all(|&b| b == 0), "XMM0-7 zero");
    }
    Ok(())
});

ktest!(fn fpu_switch_saves_one_task_and_loads_the_other() {
    let fx = fpu::fxsr();
    fpu::restore_fpstate(&state(0x1f80 & !(1 << 9), 0xa5)); // "task A" runs
    let mut a = FpuArea::initial();
    let mut b = FpuArea::initial();
    check_eq!(b.fcw(), 0x037f);
    check_eq!(b.mxcsr(), 0x1f80);
    // SAFETY: both areas are locals nothing else touches.
    unsafe { fpu::switch(&mut a, &b) }; // A out, B in
    check_eq!(a.fcw(), 0x027f, "A's control word saved");
    check_eq!(a.mxcsr(), if fx { 0x1d80 } else { 0x1f80 }, "A's MXCSR saved");
    let mut live = SigFpState::zeroed();
    fpu::save_fpstate(&mut live);
    check_eq!(word(&live, CW), 0x037f, "B's (initial) state loaded");
    check!(!fx || live.0[XMM0..XMM0 + 16].iter().all(|&b| b == 0));
    // SAFETY: as above.
    unsafe { fpu::switch(&mut b, &a) }; // B out, A back in
    fpu::save_fpstate(&mut live);
    check_eq!(word(&live, CW), 0x027f, "A's state back");
    check_eq!(&live.0[ST0..ST0 + 10], &[0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]);
    if fx {
        check_eq!(get32(&live, MXCSR), 0x1d80);
        check_eq!(&live.0[XMM0..XMM0 + 16], &[0xa5; 16]);
    }
    // A new task's area is a copy of the registers.
    let mut fresh = core::mem::MaybeUninit::<FpuArea>::uninit();
    check_eq!(fpu::save_new(&mut fresh).fcw(), 0x027f);
    // A task without an area (the idle task) saves and loads nothing.
    // SAFETY: null pointers stand for "no area".
    unsafe { fpu::switch(core::ptr::null_mut(), core::ptr::null()) };
    fpu::save_fpstate(&mut live);
    check_eq!(word(&live, CW), 0x027f);
    fpu::load_initial();
    Ok(())
});

ktest!(fn sigfpe_code_decodes_the_live_registers() {
    use vmcore::fpu::FpeCode;
    check_eq!(fpu::sigfpe_code(0), Some(FpeCode::IntDiv), "#DE");
    if fpu::fxsr() {
        // SIMD: ZE raised with ZM clear; then masked: spurious.
        fpu::restore_fpstate(&state(0x1f80 & !(1 << 9) | 1 << 2, 0));
        check_eq!(fpu::sigfpe_code(19), Some(FpeCode::FltDiv));
        fpu::restore_fpstate(&state(0x1f80 | 1 << 2, 0));
        check_eq!(fpu::sigfpe_code(19), None);
    }
    // x87: IE and ZE raised, both unmasked: invalid wins, as in Linux. FXRSTOR and FXSAVE
    // do not deliver the pending error, and nothing else here is an x87 instruction.
    let mut s = state(0x1f80, 0);
    put32(&mut s, CW, 0xffff_0372);
    put32(&mut s, SW, 0xffff_0085);
    fpu::restore_fpstate(&s);
    check_eq!(fpu::sigfpe_code(16), Some(FpeCode::FltInv));
    put32(&mut s, SW, 0xffff_0084);
    fpu::restore_fpstate(&s);
    check_eq!(fpu::sigfpe_code(16), Some(FpeCode::FltDiv));
    fpu::load_initial();
    check_eq!(fpu::sigfpe_code(16), None, "nothing raised");
    Ok(())
});
