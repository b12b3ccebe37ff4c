//! futex and futex_time64: every command (the PI ones and unknown numbers included) with the
//! private and CLOCK_REALTIME flags, on adversarial addresses. A wait always has a timeout (a
//! short relative one, an absolute one in the past, or a bad pointer), so it never blocks the
//! batch; WAKE_OP writes only where the kernel may write.

use super::*;

impl Fz<'_> {
    pub(super) fn op_futex(&mut self) {
        // Mostly the implemented commands; now and then a PI one, FUTEX_FD or an unknown one.
        let cmd = if self.rng.chance(1, 6) {
            self.rng.pick(&[2, 6, 7, 8, 11, 12, 13, 14, 0x7f])
        } else {
            self.rng.pick(&[0, 0, 1, 1, 3, 4, 5, 5, 9, 9, 10])
        };
        // FUTEX_PRIVATE_FLAG half the time, FUTEX_CLOCK_REALTIME (ENOSYS but with WAIT_BITSET)
        // now and then.
        let flags = self.rng.pick(&[0, 0, 0, 128, 128, 128, 256, 384]);
        let waits = matches!(cmd, 0 | 6 | 9 | 11 | 13);
        let time64 = self.rng.chance(1, 3);
        // {0, 1000}: 1 µs relative, or an absolute time long past; then invalid ones.
        let ts32: [u32; 2] = self.rng.pick(&[[0, 1000], [0, 1000], [0, 1000], [0, 0], [0, 0], [0, 1_000_000_000], [0xFFFF_FFFF, 0]]);
        // The same times in the 64-bit layout (seconds sign-extended: -1 stays invalid), with
        // junk in the half of tv_nsec that i386 ignores.
        let sec_hi = if (ts32[0] as i32) < 0 { 0xFFFF_FFFF } else { 0 };
        let ts64: [u32; 4] = [ts32[0], sec_hi, ts32[1], self.rng.pick(&[0, 0xFFFF_FFFF])];
        let arg4 = if waits {
            match self.rng.below(8) {
                0..=5 if time64 => ts64.as_ptr() as u32,
                0..=5 => ts32.as_ptr() as u32,
                // The fixture's timespecs are 32-bit: read as 64-bit ones they are days long.
                6 if !time64 => self.rng.pick(&[FIX_RO + RO_TIMESPEC, FIX_RO + RO_TIMESPEC_BAD]),
                _ => self.bad_src(),
            }
        } else {
            self.rng.pick(&[0, 1, 2, 0x7FFF_FFFF, 0xFFFF_FFFF])
        };
        let uaddr = self.addr();
        // WAKE_OP updates the second word: only where the kernel may write.
        let uaddr2 = if cmd == 5 { self.write_target(4) } else { self.addr() };
        let r = self.rng.u32();
        let val = self.rng.pick(&[0, 0, 0, 1, 0xFFFF_FFFF, r]);
        let r = self.rng.u32();
        let val3 = self.rng.pick(&[0, 1, 0xFFFF_FFFF, r]);
        self.expect_fail(uaddr % 4 != 0 || self.past_top(uaddr, 4), "futex on an unaligned or kernel address");
        let n = if time64 { nr::SYS_FUTEX_TIME64 } else { nr::SYS_FUTEX };
        self.call(n, [uaddr, cmd | flags, val, arg4, uaddr2, val3]);
        core::hint::black_box((&ts32, &ts64));
    }
}
