//! Signals: dispositions (a real handler, SIG_IGN, SIG_DFL, junk handlers and flags), masks,
//! pending sets, the alternate stack, timed waits that never block long, queued and thread-
//! directed signals to ourselves (only ones we handle or ignore, never a stop signal), timers
//! with a handler, and forged `sigreturn`/`rt_sigreturn` frames in a forked descendant: the
//! kernel must refuse privileged EFLAGS bits, kernel segments and kernel return addresses
//! (issue 13 point 4) — a frame it accepts lands in `sigreturn_landing`, which checks.

use super::*;

/// Stop signals (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) and SIGKILL: never sent to ourselves.
const NEVER_SELF: u64 = 1 << (19 - 1) | 1 << (20 - 1) | 1 << (21 - 1) | 1 << (22 - 1) | 1 << (9 - 1);

extern "C" fn on_signal(_sig: i32) {}

core::arch::global_asm!(
    ".globl fuzz_sigreturn_landing",
    "fuzz_sigreturn_landing:",
    "    and esp, -16",
    "    call {check}",
    "    ud2",
    check = sym sigreturn_landing,
);

extern "C" {
    fn fuzz_sigreturn_landing();
    /// rt's restorers (user/rt/src/signal.rs): what glibc would pass with SA_RESTORER.
    fn __rt_restore_rt();
    fn __rt_restore();
}

/// Where an accepted forged frame returns to: fails the batch if the kernel loaded a
/// privileged EFLAGS bit (IOPL, NT) or a data segment of another privilege, then exits.
extern "C" fn sigreturn_landing() -> ! {
    let (flags, ds, es): (u32, u32, u32);
    // SAFETY: reads EFLAGS (through the stack the forged frame gave us, which is ours) and
    // two segment registers.
    unsafe {
        asm!("pushfd", "pop {f}", "mov {d:e}, ds", "mov {e:e}, es", f = out(reg) flags, d = out(reg) ds, e = out(reg) es);
    }
    if flags & 0x7000 != 0 || (ds & 3 != 3 && ds != 0) || (es & 3 != 3 && es != 0) {
        let st = World::stats_page();
        if st.violations.fetch_add(1, Relaxed) == 0 {
            let why = "sigreturn loaded IOPL/NT or a privileged data segment";
            st.viol_call[0].store(nr::SYS_SIGRETURN, Relaxed);
            st.viol_call[1].store(flags, Relaxed);
            st.viol_call[2].store(ds, Relaxed);
            st.viol_why[0].store(why.as_ptr() as u32, Relaxed);
            st.viol_why[1].store(why.len() as u32, Relaxed);
        }
    }
    sys::exit_group(0)
}

impl Fz<'_> {
    /// Before a user-mode access that may fault on purpose: SIGSEGV, SIGBUS, SIGILL, SIGFPE and
    /// SIGTRAP back to their default action, so the fault kills us. A handler the fuzz calls
    /// installed (`on_signal` just returns) would make the faulting instruction run again for
    /// ever, on Linux as here: a descendant spinning in user mode, never ending.
    pub(super) fn faults_kill(&mut self) {
        for sig in [11, 7, 4, 8, 5] {
            let _ = rt::signal::sigaction(sig, rt::signal::SIG_DFL, 0, 0);
            self.handled &= !(1u64 << (sig - 1));
        }
    }

    fn signo(&mut self) -> u32 {
        match self.rng.below(10) {
            0 => self.rng.pick(&[0, 65, 100, u32::MAX, 9, 19]),
            1..=3 => 34 + self.rng.below(31),
            _ => 1 + self.rng.below(31),
        }
    }

    pub(super) fn op_signal(&mut self) {
        let sig = self.signo();
        let bit = if (1..=64).contains(&sig) { 1u64 << (sig - 1) } else { 0 };
        match self.rng.below(16) {
            0..=3 => {
                // rt_sigaction (or the old sigaction/signal): handler, SIG_IGN, SIG_DFL, junk.
                let handler = match self.rng.below(8) {
                    0..=3 => on_signal as *const () as usize as u32,
                    4 | 5 => 1,
                    6 => 0,
                    _ => self.rng.pick(&[self.w.kbad()[0], 0x1234, u32::MAX]),
                };
                // SA_SIGINFO, SA_RESTART, SA_NODEFER, SA_RESETHAND, SA_ONSTACK, junk bits.
                let junk = self.rng.u32();
        let flags = self.rng.pick(&[0, 4, 0x1000_0000, 0x4000_0000, 0x8000_0000, 0x0800_0000, junk]) | 0x0400_0000;
                let mask = self.rng.pick(&[0u32, u32::MAX, 1 << 13]);
                let good = if flags & 4 != 0 { __rt_restore_rt as *const () } else { __rt_restore as *const () } as usize as u32;
                let restorer = self.rng.pick(&[good, good, good, 0, on_signal as *const () as usize as u32]);
                let act = [handler, flags, restorer, mask, 0];
                let new = if self.rng.chance(1, 8) { self.bad_src() } else { act.as_ptr() as u32 };
                let old = if self.rng.chance(1, 2) { 0 } else { self.dst(20) };
                let r = match self.rng.below(6) {
                    0 => sc!(self, nr::SYS_SIGACTION, [sig, new, old, 0, 0, 0]),
                    1 => sc!(self, nr::SYS_SIGNAL, [sig, handler, 0, 0, 0, 0]),
                    _ => sc!(self, nr::SYS_RT_SIGACTION, [sig, new, old, self.rng.pick(&[8, 8, 8, 4, 16]), 0, 0]),
                };
                core::hint::black_box(&act);
                // Sent to ourselves later only when caught or ignored for sure (and not reset).
                if !is_err(r) && handler != 0 && handler != u32::MAX && handler != 0x1234 && handler != self.w.kbad()[0] && flags & 0x8000_0000 == 0 {
                    self.handled |= bit;
                } else if !is_err(r) {
                    self.handled &= !bit;
                }
            }
            4 | 5 => {
                let set = [self.rng.pick(&[0, u32::MAX, 1 << 13, 1 << 9 | 1 << 18]), self.rng.pick(&[0, u32::MAX])];
                let how = self.rng.pick(&[0, 1, 2, 3, u32::MAX]);
                let p = if self.rng.chance(1, 4) { 0 } else { set.as_ptr() as u32 };
                if self.rng.chance(1, 3) {
                    sc!(self, nr::SYS_SIGPROCMASK, [how, p, self.dst(4), 0, 0, 0]);
                } else {
                    sc!(self, nr::SYS_RT_SIGPROCMASK, [how, p, self.dst(8), self.rng.pick(&[8, 8, 4]), 0, 0]);
                }
                core::hint::black_box(&set);
            }
            6 => sc0!(self, nr::SYS_RT_SIGPENDING, [self.dst(8), self.rng.pick(&[8, 4, 16]), 0, 0, 0, 0]),
            7 => {
                // An alternate stack in a mapping of ours (the kernel writes frames there).
                let (base, len) = if self.nmaps > 0 { self.maps[self.rng.below(self.nmaps as u32) as usize] } else { (0, 0) };
                let ss = [base, self.rng.pick(&[0, 1, 2, 4, 0x8000_0000]), self.rng.pick(&[len, 2048, 0, u32::MAX])];
                let p = if self.rng.chance(1, 4) { 0 } else { ss.as_ptr() as u32 };
                sc!(self, nr::SYS_SIGALTSTACK, [p, self.dst(12), 0, 0, 0, 0]);
                core::hint::black_box(&ss);
            }
            8 => {
                // Never waits: a zero or 1 µs timeout (or an invalid one).
                let set = [self.rng.pick(&[0, u32::MAX, 1 << 13]), u32::MAX];
                let ts: [u32; 4] = self.rng.pick(&[[0, 0, 0, 0], [0, 1000, 0, 0], [0, 2_000_000_000, 0, 0]]);
                let n = self.rng.pick(&[nr::SYS_RT_SIGTIMEDWAIT, nr::SYS_RT_SIGTIMEDWAIT_TIME64]);
                let ts = if n == nr::SYS_RT_SIGTIMEDWAIT { ts } else { [ts[0], 0, ts[1], 0] };
                sc!(self, n, [set.as_ptr() as u32, self.dst(128), ts.as_ptr() as u32, 8, 0, 0]);
                core::hint::black_box((&set, &ts));
            }
            9..=11 => {
                // To ourselves: only signals we catch or ignore (or 0), by every route.
                let s = if bit & self.handled & !NEVER_SELF != 0 { sig } else { 0 };
                let me = sc!(self, nr::SYS_GETPID, [0; 6]);
                let tid = sc!(self, nr::SYS_GETTID, [0; 6]);
                let info = [s, 0, self.rng.pick(&[0xFFFF_FFFF, 0, 0xFFFF_FFFA]), me, 0, 0, 0, 0];
                match self.rng.below(4) {
                    0 => sc0!(self, nr::SYS_TKILL, [tid, s, 0, 0, 0, 0]),
                    1 => sc0!(self, nr::SYS_TGKILL, [me, self.rng.pick(&[tid, tid, 99999]), s, 0, 0, 0]),
                    2 => sc0!(self, nr::SYS_KILL, [me, s, 0, 0, 0, 0]),
                    _ => sc0!(self, nr::SYS_RT_SIGQUEUEINFO, [me, s, info.as_ptr() as u32, 0, 0, 0]),
                }
                core::hint::black_box(&info);
            }
            12 => {
                // An interval timer, only while SIGALRM (14) is caught: EINTR in later calls.
                let which = self.rng.pick(&[0, 0, 1, 2, 5]);
                let usec = if self.handled & 1 << 13 != 0 { self.rng.pick(&[0, 100, 5000]) } else { 0 };
                let v = [0, usec, 0, usec];
                sc!(self, nr::SYS_SETITIMER, [which, v.as_ptr() as u32, self.dst(16), 0, 0, 0]);
                core::hint::black_box(&v);
            }
            _ => self.op_forged_sigreturn(),
        }
    }

    /// Installs the handler that just returns for `sig` (glibc's way: SA_RESTORER and rt's
    /// restorer); true if it is in place.
    pub(super) fn catch(&mut self, sig: u32) -> bool {
        let act = [on_signal as *const () as usize as u32, 0x0400_0000, __rt_restore as *const () as usize as u32, 0, 0];
        let r = sc!(self, nr::SYS_RT_SIGACTION, [sig, act.as_ptr() as u32, 0, 8, 0, 0]);
        core::hint::black_box(&act);
        if !is_err(r) {
            self.handled |= 1 << (sig - 1);
        }
        !is_err(r)
    }

    /// Forks a descendant that calls sigreturn or rt_sigreturn on a forged frame.
    fn op_forged_sigreturn(&mut self) {
        if self.depth >= 2 || self.forks_left == 0 || self.nkids >= KIDS {
            return;
        }
        self.forks_left -= 1;
        let r = sc!(self, nr::SYS_FORK, [0; 6]);
        if r != 0 {
            if !is_err(r) {
                // An accepted frame may return to code that loops (even to the `int 0x80`
                // of rt_sigreturn itself, forever, as on Linux): 20 ms, then SIGKILL.
                let ms = [0u32, 1_000_000];
                for _ in 0..20 {
                    if sc!(self, nr::SYS_WAIT4, [r, 0, 1, 0, 0, 0]) == r {
                        return;
                    }
                    sc0!(self, nr::SYS_NANOSLEEP, [ms.as_ptr() as u32, 0, 0, 0, 0, 0]);
                }
                sc0!(self, nr::SYS_KILL, [r, 9, 0, 0, 0, 0]);
                sc0!(self, nr::SYS_WAIT4, [r, 0, 0, 0, 0, 0]);
                core::hint::black_box(&ms);
            }
            return;
        }
        self.rng = self.rng.derive(3);
        self.w.stats().forks.fetch_add(1, Relaxed);
        // A stack for the landing, and the frame: plausible values with hostile ones mixed in.
        let stack = sc!(self, nr::SYS_MMAP2, [0, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, u32::MAX, 0]);
        let mut f = [0u32; 256];
        for w in f.iter_mut() {
            let junk = self.rng.u32();
            *w = self.rng.pick(&[0, 0x7B, 0x73, junk, 0x202]);
        }
        let land = fuzz_sigreturn_landing as *const () as usize as u32;
        let seg = |r: &mut Rng| r.pick(&[0x7B, 0x7B, 0x73, 0x33, 0x60, 0x68, 0x10, 0x8, 0x0, 0xFFFF, 0x78, 0x7F]);
        let flags = self.rng.pick(&[0x202, 0x3202, 0x4202, 0x20202, 0x1202, 0x302, 0x240202, u32::MAX]);
        let junk = self.rng.u32();
        let eip = self.rng.pick(&[land, land, land, 0, self.w.kbad()[0], 0xFFFF_FFF0, junk]);
        let esp = if is_err(stack) { 0 } else { stack + 4 * PG - 64 };
        // The sigcontext where each frame kind has it on i386 (`sp` is f + 4): sigreturn's
        // frame starts at sp - 8 and its sigcontext 8 bytes in (f[1]); rt_sigreturn's starts
        // at sp - 4 (f[0]), its ucontext after 4 words and the 128-byte siginfo, and the
        // mcontext 20 bytes into that: byte 164.
        let rt = self.rng.chance(1, 2);
        let sc = if rt { 164 / 4 } else { 1 };
        let regs = [seg(&mut self.rng), seg(&mut self.rng), seg(&mut self.rng), seg(&mut self.rng), 1, 2, 3, esp, 4, 5, 6, 7, 0, 0, eip, self.rng.pick(&[0x73, 0x73, 0x60, 0x7B, 0x0, 0x1B]), flags, esp, self.rng.pick(&[0x7B, 0x7B, 0x68, 0x73, 0])];
        f[sc..sc + regs.len()].copy_from_slice(&regs);
        f[sc + 19] = self.rng.pick(&[0, FIX_NONE, self.w.kbad()[0]]); // fpstate
        let n = if rt { nr::SYS_RT_SIGRETURN } else { nr::SYS_SIGRETURN };
        let sp = f.as_ptr() as u32 + 4;
        // SAFETY: this process ends here: the kernel either kills it or returns to the
        // landing (which exits) or to an address that faults.
        unsafe { asm!("mov esp, {sp}", "int 0x80", "ud2", sp = in(reg) sp, in("eax") n, options(noreturn)) }
    }
}
