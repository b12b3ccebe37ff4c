//! Memory operations: mmap2 and old mmap, munmap, mprotect, madvise, mlock and munlock,
//! mlockall and munlockall, mremap, brk.

use super::*;

impl Fz<'_> {
    pub(super) fn op_mmap(&mut self, old_form: bool) {
        let anon_private = MAP_PRIVATE | MAP_ANONYMOUS;
        let mut flags = match self.rng.below(12) {
            0..=6 => anon_private,
            7 => MAP_SHARED | MAP_ANONYMOUS,
            8 => MAP_PRIVATE,
            9 => MAP_SHARED,
            10 => self.rng.pick(&[0, MAP_SHARED_VALIDATE, MAP_ANONYMOUS, MAP_SHARED_VALIDATE | MAP_ANONYMOUS]),
            _ => self.rng.u32() & !(MAP_FIXED | MAP_FIXED_NOREPLACE),
        };
        if self.rng.chance(1, 5) {
            flags |= MAP_FIXED;
        }
        if self.rng.chance(1, 12) {
            flags |= MAP_FIXED_NOREPLACE;
        }
        for (bit, den) in [(MAP_POPULATE, 10), (MAP_LOCKED, 14), (MAP_GROWSDOWN, 14), (MAP_NORESERVE, 10), (MAP_NONBLOCK, 40)] {
            if self.rng.chance(1, den) {
                flags |= bit;
            }
        }
        if self.rng.chance(1, 20) {
            flags |= 1 << self.rng.below(32);
        }
        let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
        let (addr, len) = if fixed {
            if flags & MAP_FIXED != 0 || self.w.linux {
                // (On Linux NOREPLACE could map page 0 as root.)
                self.destroy_range()
            } else {
                let a = self.addr();
                (a, self.len(a))
            }
        } else if self.rng.chance(1, 2) {
            (0, self.len(0))
        } else {
            let a = self.addr();
            (a, self.len(a))
        };
        // Shared anonymous memory is populated by fork on our kernel: tame it too.
        let shared_anon = flags & MAP_ANONYMOUS != 0 && flags & (MAP_SHARED | MAP_PRIVATE) != MAP_PRIVATE;
        let mut len = self.tame(len, flags & (MAP_POPULATE | MAP_LOCKED) != 0 || self.lock_future || shared_anon);
        if flags & MAP_FIXED != 0 && !self.w.may_destroy(addr, len) {
            // Taming made a range the kernel must refuse into one it would accept.
            len = PG;
            if !self.w.may_destroy(addr, len) {
                return;
            }
        }
        let fd = if flags & MAP_ANONYMOUS != 0 && self.rng.chance(3, 4) { -1 } else { self.fd() };
        let prot = self.prot();
        let off: u32 = match self.rng.below(8) {
            0..=4 => 0,
            5 => self.rng.below(8),
            6 => self.rng.pick(&[0xFFFF_F, 0x10_0000, 0xFFFF_FFFF, 0x8000_0000]),
            _ => self.rng.u32(),
        };
        let r = if old_form {
            // Byte offset in the old form: sometimes unaligned.
            let off = if self.rng.chance(1, 4) { off } else { off.wrapping_mul(PG) };
            let block = [addr, len, prot, flags, fd as u32, off];
            let p = match self.rng.below(10) {
                0 => 0,
                1 => self.w.kbad()[0],
                2 => self.rng.pick(&[FIX_NONE, FIX_NONE + PG - 8, FIX_RO2 + PG - 8, 0xFFFF_FFF0]),
                _ => block.as_ptr() as u32,
            };
            let r = self.call(nr::SYS_MMAP, [p, 0, 0, 0, 0, 0]);
            core::hint::black_box(&block);
            r
        } else {
            self.expect_fail(len == 0, "mmap2 of length 0");
            self.expect_fail(flags & MAP_FIXED != 0 && (addr % PG != 0 || self.past_top_pages(addr, len)), "MAP_FIXED range unaligned or past user space");
            self.expect_fail(flags & (MAP_SHARED | MAP_PRIVATE) == 0, "mmap2 neither shared nor private");
            self.call(nr::SYS_MMAP2, [addr, len, prot, flags, fd as u32, off])
        };
        self.track(r, len);
    }

    pub(super) fn op_munmap(&mut self) {
        let (a, l) = self.destroy_range();
        self.expect_fail(l == 0 || a % PG != 0 || self.past_top_pages(a, l), "munmap of length 0, unaligned or past user space");
        self.call(nr::SYS_MUNMAP, [a, l, 0, 0, 0, 0]);
    }

    pub(super) fn op_mprotect(&mut self) {
        let (a, l) = self.destroy_range();
        let p = self.prot();
        self.expect_fail(a % PG != 0 || (l != 0 && self.past_top_pages(a, l)), "mprotect unaligned or past user space");
        self.call(nr::SYS_MPROTECT, [a, l, p, 0, 0, 0]);
    }

    pub(super) fn op_madvise(&mut self) {
        let (mut a, l) = self.destroy_range();
        // Unlike munmap or mprotect, madvise applies to the mapped part below the top and then
        // reports the rest (Linux's do_madvise, and ours): that part must be ours to destroy.
        if a < self.w.user_top && self.past_top_pages(a, l) && !self.w.may_destroy(a, self.w.user_top - a) {
            a = self.w.user_top;
        }
        let mut advice = match self.rng.below(10) {
            0..=3 => MADV_DONTNEED,
            4..=6 => self.rng.below(MADV_WILLNEED + 1), // the hints MADV_NORMAL..=MADV_WILLNEED
            7 => self.rng.pick(&[
                MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE, MADV_HUGEPAGE,
                MADV_DONTDUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT,
                MADV_POPULATE_READ, MADV_POPULATE_WRITE,
            ]),
            _ => self.rng.u32(),
        };
        if self.w.linux && (advice == MADV_HWPOISON || advice == MADV_SOFT_OFFLINE) {
            advice = MADV_DONTNEED; // poisoning pages would hurt the host
        }
        self.expect_fail(a % PG != 0 || (l != 0 && self.past_top_pages(a, l)), "madvise unaligned or past user space");
        self.call(nr::SYS_MADVISE, [a, l, advice, 0, 0, 0]);
    }

    pub(super) fn op_mlock(&mut self, lock: bool) {
        let a = self.addr();
        let l = self.len(a);
        let l = self.tame(l, lock);
        self.expect_fail(l != 0 && self.past_top(a, l as u64), "mlock/munlock past user space");
        self.call(if lock { nr::SYS_MLOCK } else { nr::SYS_MUNLOCK }, [a, l, 0, 0, 0, 0]);
    }

    pub(super) fn op_mlockall(&mut self) {
        if self.rng.chance(1, 2) {
            if !is_err(self.call(nr::SYS_MUNLOCKALL, [0; 6])) {
                self.lock_future = false;
            }
        } else {
            // Locking everything now (MCL_CURRENT) populates every lazy mapping: rarely.
            let f = if self.rng.chance(if self.w.wild { 16 } else { 1 }, 64) {
                let all = MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT;
                self.rng.pick(&[MCL_CURRENT, MCL_CURRENT | MCL_FUTURE, MCL_CURRENT | MCL_ONFAULT, all])
            } else {
                self.rng.pick(&[MCL_FUTURE, MCL_ONFAULT, MCL_FUTURE | MCL_ONFAULT, 0, 8, 0xFFFF_FFFF, 0x10])
            };
            if !is_err(self.call(nr::SYS_MLOCKALL, [f, 0, 0, 0, 0, 0])) {
                self.lock_future = f & MCL_FUTURE != 0;
            }
        }
    }

    /// Memory that is populated at once (MAP_POPULATE, MAP_LOCKED, mlock, after
    /// mlockall(MCL_FUTURE)) is kept small most of the time: a batch that fills all memory
    /// ends in an OOM kill (fine, but it ends the batch early).
    pub(super) fn tame(&mut self, len: u32, populating: bool) -> u32 {
        if populating && len > 4 * MIB && len < 0xC000_0000 && self.rng.chance(15, 16) && !self.w.wild {
            len % (4 * MIB)
        } else {
            len
        }
    }

    pub(super) fn op_mremap(&mut self) {
        for _ in 0..8 {
            let old = self.addr();
            let old_len = if self.rng.chance(1, 2) && self.nmaps > 0 {
                self.maps[self.rng.below(self.nmaps as u32) as usize].1
            } else {
                self.len(old)
            };
            let flags = match self.rng.below(10) {
                0..=2 => 0,
                3..=5 => 1,
                6 | 7 => 3,
                8 => self.rng.pick(&[2, 4, 5, 7]),
                _ => self.rng.u32(),
            };
            // The target: often near the old range (overlapping moves) or another of ours.
            let new_addr = match self.rng.below(10) {
                0..=3 => self.own_addr(),
                4 | 5 => {
                    let k = self.rng.below(16) * PG;
                    if self.rng.chance(1, 2) { old.wrapping_add(k) } else { old.wrapping_sub(k) }
                }
                _ => self.addr(),
            };
            // The new length: near the old one, or from the pool relative to the target (so
            // ranges ending exactly at or past 2^32 or the end of user space come up).
            let new_len = match self.rng.below(10) {
                0..=2 => {
                    let k = self.rng.below(16) * PG;
                    if self.rng.chance(1, 2) { old_len.wrapping_add(k) } else { old_len.wrapping_sub(k) }
                }
                3..=6 => self.len(new_addr),
                _ => self.len(old),
            };
            // The old range is what moves, shrinks or grows (growth only into free space).
            if !self.w.may_destroy(old, old_len) {
                continue;
            }
            if flags & 2 != 0 && !self.w.may_destroy(new_addr, new_len) {
                continue;
            }
            let r = self.call(nr::SYS_MREMAP, [old, old_len, new_len, flags, new_addr, 0]);
            self.track(r, new_len);
            return;
        }
        self.call(nr::SYS_MREMAP, [0, PG, PG, 0, 0, 0]);
    }

    pub(super) fn op_brk(&mut self) {
        let hs = self.w.heap_start;
        let v = match self.rng.below(16) {
            0 | 1 => 0,
            2..=5 => self.brk.wrapping_add(PG * self.rng.below(16)),
            6..=8 => self.brk.wrapping_sub(PG * self.rng.below(16)),
            9 => hs.wrapping_add(self.rng.below(64 * PG)),
            10 => self.brk.wrapping_add(self.rng.pick(&[MIB, 16 * MIB, 64 * MIB, 256 * MIB, 0x4000_0000])),
            11 => hs,
            12 => self.rng.pick(&[0xB000_0000, 0xBFFF_F000, 0xC000_0000, 0xFFFF_FFFF, 0xFFFF_F000, 1]),
            13 => self.rng.pick(&[IMAGE_START, self.w.rw.0, hs.wrapping_sub(PG), FIX, FIX_END]),
            _ => self.rng.u32(),
        };
        let r = self.call(nr::SYS_BRK, [v, 0, 0, 0, 0, 0]);
        if !is_err(r) && r >= hs {
            self.brk = r;
        }
    }
}
