//! Calls about neither memory, files nor processes: uname, the id calls and sched_yield,
//! personality, nanosleep, reboot, numbers that are no system call.

use super::*;

impl Fz<'_> {
    pub(super) fn op_uname(&mut self) {
        let mut u = [0u8; 390];
        let buf = if self.rng.chance(1, 3) { u.as_mut_ptr() as u32 } else { self.write_target(390) };
        self.expect_fail(self.past_top(buf, 390), "uname into a buffer past user space");
        self.call(nr::SYS_UNAME, [buf, 0, 0, 0, 0, 0]);
        core::hint::black_box(&u);
    }

    pub(super) fn op_simple(&mut self) {
        let n = self.rng.pick(&[nr::SYS_GETPID, nr::SYS_GETPPID, nr::SYS_GETUID, nr::SYS_GETUID32, nr::SYS_SCHED_YIELD]);
        let junk = [self.rng.u32(), self.rng.u32(), self.rng.u32(), 0, 0, 0];
        self.call(n, junk);
    }

    /// personality: a query, a known layout flag or a random word. A word other than 0 or
    /// `ADDR_NO_RANDOMIZE` is put back at once: the run's later mmaps (READ_IMPLIES_EXEC on
    /// Linux) and execs must behave as before.
    pub(super) fn op_personality(&mut self) {
        let r = self.rng.u32();
        let p = self.rng.pick(&[0xFFFF_FFFF, 0, sys::ADDR_NO_RANDOMIZE, sys::ADDR_COMPAT_LAYOUT, sys::READ_IMPLIES_EXEC, r]);
        let old = self.call(nr::SYS_PERSONALITY, [p, 0, 0, 0, 0, 0]);
        if p != 0xFFFF_FFFF && p != 0 && p != sys::ADDR_NO_RANDOMIZE {
            self.call(nr::SYS_PERSONALITY, [old, 0, 0, 0, 0, 0]);
        }
    }

    pub(super) fn op_nanosleep(&mut self) {
        let ts: [u32; 2] = self.rng.pick(&[
            [0, 0],
            [0, 1],
            [0, 999],
            [0, 1_000_000],
            [0, 1_000_000_000],
            [0, 0xFFFF_FFFF],
            [0xFFFF_FFFF, 0],
            [0x8000_0000, 0],
        ]);
        let req = match self.rng.below(10) {
            0..=5 => ts.as_ptr() as u32,
            6 => 0,
            7 => self.rng.pick(&[FIX_RO + RO_TIMESPEC, FIX_RO + RO_TIMESPEC_BAD]),
            // Never memory whose contents may change (a hole can get mapped by a hint).
            8 => self.rng.pick(&[FIX_NONE, FIX_NONE + PG - 4, FIX_RO2 + PG - 4, 0xFFFF_FFFC]),
            _ => self.w.kbad()[0],
        };
        let rem = if self.rng.chance(1, 2) { 0 } else { self.write_target(8) };
        self.expect_fail(req == 0 || self.past_top(req, 8) || req >= FIX_NONE && req < FIX_NONE + PG, "nanosleep with a bad timespec pointer");
        self.call(nr::SYS_NANOSLEEP, [req, rem, 0, 0, 0, 0]);
        core::hint::black_box(&ts);
    }

    pub(super) fn op_reboot(&mut self) {
        const MAGIC2: [u32; 4] = [LINUX_REBOOT_MAGIC2, LINUX_REBOOT_MAGIC2A, LINUX_REBOOT_MAGIC2B, LINUX_REBOOT_MAGIC2C];
        let r = self.rng.u32();
        let m1 = self.rng.pick(&[0, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, r]);
        let r = self.rng.u32();
        let mut m2 = self.rng.pick(&[0, 1, MAGIC2[0], MAGIC2[1], r]);
        let r = self.rng.u32();
        let cmd = self.rng.pick(&[
            LINUX_REBOOT_CMD_POWER_OFF,
            LINUX_REBOOT_CMD_HALT,
            LINUX_REBOOT_CMD_RESTART,
            LINUX_REBOOT_CMD_CAD_OFF,
            LINUX_REBOOT_CMD_CAD_ON,
            r,
        ]);
        if m1 == LINUX_REBOOT_MAGIC1 && MAGIC2.contains(&m2) {
            m2 ^= 1; // never both magics valid
        }
        if m1 == LINUX_REBOOT_MAGIC1 && MAGIC2.contains(&m2) {
            m2 = 0;
        }
        let arg = self.addr();
        self.expect_fail(true, "reboot without valid magic numbers");
        self.call(nr::SYS_REBOOT, [m1, m2, cmd, arg, 0, 0]);
    }

    pub(super) fn op_unknown(&mut self) {
        let n = if self.w.linux {
            self.rng.pick(&[1000, 2000, 0xFFFF, 0x7FFF_FFFF])
        } else {
            // Numbers from 512 up are logged on every call: rarely.
            let big = if self.rng.chance(1, 16) { 0xFFFF_FFFF } else { 511 };
            self.rng.pick(&[0, 35, 17, 31, 56, 100, 222, 223, 250, 285, 383, 511, big])
        };
        let junk = [self.rng.u32(), self.rng.u32(), 0, 0, 0, 0];
        self.expect_fail(true, "a system call that does not exist");
        self.call(n, junk);
    }
}
