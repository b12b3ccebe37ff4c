//! The pools the arguments come from: addresses, lengths, ranges that may or may not be
//! destroyed, buffers the kernel may write to, bad pointers, file descriptors, protections.

use super::*;

impl Fz<'_> {
    /// An address in (or next to) one of our own mappings or the brk heap.
    pub(super) fn own_addr(&mut self) -> u32 {
        if self.nmaps == 0 || self.rng.chance(1, 6) {
            let span = self.brk.saturating_sub(self.w.heap_start).max(PG) + 2 * PG;
            let off = self.rng.below(span);
            let off = if self.rng.chance(3, 4) { off & !(PG - 1) } else { off };
            return self.w.heap_start.wrapping_add(off);
        }
        let (a, l) = self.maps[self.rng.below(self.nmaps as u32) as usize];
        let pages = (l / PG).max(1);
        match self.rng.below(8) {
            0..=2 => a,
            3 | 4 => a.wrapping_add(self.rng.below(pages) * PG),
            5 => a.wrapping_add(l),
            6 => a.wrapping_add(self.rng.below(l.max(1))),
            _ => a.wrapping_sub(PG),
        }
    }

    /// An adversarial address.
    pub(super) fn addr(&mut self) -> u32 {
        let r = self.rng.below(100);
        match r {
            0..=44 => self.own_addr(),
            45..=49 => self.rng.pick(&[0, 1, 0xFFF, 0x1000, 0x003F_F000, 0x003F_FFFC]),
            50..=56 => {
                let k = self.w.kbad();
                self.rng.pick(k)
            }
            57..=59 => self.rng.pick(&[0xBFFF_F000, 0xBFFF_FFFF, 0xBFFF_FFF0, 0xBFFF_FFFC, 0xBFFF_E000, 0xBFFF_0000]),
            60..=67 => self.rng.pick(&[
                FIX_RO,
                FIX_RO + PG - 8,
                FIX_RO + PG - 4,
                FIX_RO + PG - 16,
                FIX_HOLE,
                FIX_NONE,
                FIX_NONE + PG - 4,
                FIX_RO2,
                FIX_RO2 + PG - 8,
                FIX_HOLE2,
            ]),
            68..=71 => {
                let w = self.w;
                self.rng.pick(&[w.image.0, w.image.0 + 0x10, w.rw.0, w.rw.1 - 4, w.image.1 - 1, w.heap_start.wrapping_sub(4)])
            }
            72..=74 => {
                let k = self.rng.below(8);
                self.rng.pick(&[self.sp, self.sp.wrapping_sub(PG * k), self.sp & !(PG - 1)])
            }
            75..=79 => self.rng.u32(),
            80..=86 => {
                let pages = (self.w.user_top - 0x0040_0000) / PG;
                0x0040_0000 + self.rng.below(pages) * PG
            }
            87..=92 => 0x0040_0000 + self.rng.below(0x400) * PG,
            93..=96 => {
                let k = self.rng.below(4);
                self.rng.pick(&[self.brk, self.brk.wrapping_sub(PG * k), self.w.heap_start])
            }
            _ => 0x4000_0000 + self.rng.below(0x4_0000) * PG,
        }
    }

    /// An adversarial length for a range starting at `addr`.
    pub(super) fn len(&mut self, addr: u32) -> u32 {
        let top = self.w.user_top;
        match self.rng.below(100) {
            0..=4 => 0,
            5..=9 => self.rng.pick(&[1, 2, 3, 4, 7, 8, 15, 16, 64]),
            10..=39 => PG * (1 + self.rng.below(16)),
            40..=49 => self.rng.below(0x1_0000),
            50..=57 => PG * (1 + self.rng.below(16)) + self.rng.pick(&[1, PG - 1, 17]),
            58..=64 => self.rng.pick(&[MIB, 2 * MIB, 4 * MIB + PG, 16 * MIB, 64 * MIB]),
            65..=69 => self.rng.pick(&[256 * MIB, 0x4000_0000, 0x7FFF_FFFF, 0x8000_0000, 0xBFFF_F000, 0xC000_0000]),
            70..=76 => self.rng.pick(&[
                0xFFFF_FFFF,
                0xFFFF_F000,
                0xFFFF_F001,
                0u32.wrapping_sub(addr),
                0u32.wrapping_sub(addr).wrapping_add(1),
                top.wrapping_sub(addr),
                top.wrapping_sub(addr).wrapping_add(1),
                top.wrapping_sub(addr).wrapping_add(PG),
            ]),
            77..=89 => {
                if self.nmaps == 0 {
                    PG
                } else {
                    self.maps[self.rng.below(self.nmaps as u32) as usize].1
                }
            }
            _ => self.rng.u32(),
        }
    }

    /// A range the rules allow destroying (mapping-changing calls); falls back to an
    /// unmapped low range.
    pub(super) fn destroy_range(&mut self) -> (u32, u32) {
        for _ in 0..8 {
            let a = self.addr();
            let l = self.len(a);
            if self.w.may_destroy(a, l) {
                return (a, l);
            }
        }
        // Page 0 on our kernel (never mappable); above user space on Linux.
        (if self.w.linux { 0xFFFF_F000 } else { 0 }, PG)
    }

    /// A buffer the kernel may write `len` bytes into (len chosen by the caller).
    pub(super) fn write_target(&mut self, len: u32) -> u32 {
        for _ in 0..8 {
            let a = if self.rng.chance(1, 10) { 0 } else { self.addr() };
            if self.w.may_write(a, len) {
                return a;
            }
        }
        self.w.kbad()[0]
    }

    /// A buffer and length the kernel may write.
    pub(super) fn write_range(&mut self) -> (u32, u32) {
        for _ in 0..8 {
            let a = self.addr();
            let l = self.len(a);
            if self.w.may_write(a, l) {
                return (a, l);
            }
        }
        (self.w.kbad()[0], PG)
    }

    /// A buffer the kernel cannot write into (read-only or PROT_NONE pages of our own that
    /// never change, "kernel" addresses): for the console, whose read would block.
    pub(super) fn bad_dst(&mut self) -> u32 {
        let k = self.w.kbad();
        match self.rng.below(8) {
            0 => FIX_RO,
            1 => FIX_NONE,
            2 => FIX_RO2 + 16,
            3 => self.w.image.0,
            _ => k[self.rng.below(k.len() as u32) as usize],
        }
    }

    /// A buffer the kernel cannot read from (PROT_NONE, "kernel" addresses): for writes to
    /// the console, which must never print.
    pub(super) fn bad_src(&mut self) -> u32 {
        let k = self.w.kbad();
        match self.rng.below(6) {
            0 => FIX_NONE,
            1 => FIX_NONE + 0x123,
            _ => k[self.rng.below(k.len() as u32) as usize],
        }
    }

    pub(super) fn fd(&mut self) -> i32 {
        match self.rng.below(20) {
            0 => -1,
            1 => self.rng.pick(&[-100, i32::MIN, i32::MAX, 64, 63, 1000, 1 << 20]),
            2..=4 => self.rng.below(3) as i32,
            5..=7 => self.rng.below(FDS as u32 + 2) as i32,
            8..=9 if self.probe_fd >= 0 => self.probe_fd,
            _ => {
                // An open file of ours if there is one.
                let start = self.rng.below(FDS as u32) as usize;
                (0..FDS).map(|i| (start + i) % FDS).find(|&i| i >= 3 && self.fds[i] == Kind::File).map_or(3, |i| i as i32)
            }
        }
    }

    pub(super) fn kind(&self, fd: i32) -> Kind {
        if (0..FDS as i32).contains(&fd) {
            self.fds[fd as usize]
        } else {
            Kind::Closed
        }
    }

    pub(super) fn prot(&mut self) -> u32 {
        match self.rng.below(12) {
            0 => PROT_NONE,
            1 | 2 => PROT_READ,
            3..=6 => PROT_READ | PROT_WRITE,
            7 => PROT_WRITE,
            8 => PROT_READ | PROT_EXEC,
            9 => PROT_READ | PROT_WRITE | PROT_EXEC,
            10 => self.rng.pick(&[
                PROT_EXEC,
                PROT_GROWSDOWN | PROT_READ | PROT_WRITE,
                PROT_GROWSUP | PROT_READ,
                PROT_SEM,
                0x10,
            ]),
            _ => self.rng.u32(),
        }
    }
}
