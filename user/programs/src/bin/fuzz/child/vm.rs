//! User-mode touches of memory the kernel faulted in, and the VM sequence: one fresh mapping
//! through several changes, forks included.

use super::*;

impl Fz<'_> {
    /// Reads 4 bytes of our own file into `addr` (a write the kernel makes for us, faulting
    /// the page in); true if the page is now present and writable.
    fn probe(&mut self, addr: u32) -> bool {
        if self.probe_fd < 0 {
            let r = self.call(nr::SYS_OPEN, [self.w.self_ptr(), 0, 0, 0, 0, 0]);
            if is_err(r) {
                return false;
            }
            self.probe_fd = r as i32;
            if (r as usize) < FDS {
                self.fds[r as usize] = Kind::File;
            }
        }
        self.call(nr::SYS_LSEEK, [self.probe_fd as u32, 0, SEEK_SET, 0, 0, 0]);
        self.call(nr::SYS_READ, [self.probe_fd as u32, addr, 4, 0, 0, 0]) == 4
    }

    /// Touches our own memory from user mode, after the kernel proved it writable.
    pub(super) fn op_touch(&mut self) {
        let a = self.own_addr();
        self.touch_at(a);
    }

    fn touch_at(&mut self, a: u32) {
        let a = a & !3;
        if !self.w.may_touch(a, 8) || !self.w.may_write(a, 4) {
            return;
        }
        if self.probe(a) {
            let v = self.rng.u32();
            // SAFETY: the kernel just wrote these 4 bytes (present, writable) and they are
            // outside everything this program uses (may_touch).
            unsafe {
                let old = peek32(a);
                poke32(a, old ^ v);
            }
            self.w.stats().touches.fetch_add(1, Relaxed);
        }
    }

    /// A structured interleaving on one fresh mapping of our own: map, fault in, then a few
    /// of protect / unmap / mremap (grow, shrink, move) / fork with the child writing the
    /// same pages / DONTNEED / lock / touch / brk, and usually unmap at the end.
    pub(super) fn op_vm_sequence(&mut self) {
        let pages = 1 + self.rng.below(32);
        let mut len = pages * PG;
        let flags = if self.rng.chance(1, 6) { MAP_SHARED | MAP_ANONYMOUS } else { MAP_PRIVATE | MAP_ANONYMOUS };
        let mut a = self.call(nr::SYS_MMAP2, [0, len, 3, flags, u32::MAX, 0]);
        if is_err(a) || !self.w.may_destroy(a, len) {
            return;
        }
        self.track(a, len);
        for _ in 0..self.rng.below(pages + 1) {
            let p = a + self.rng.below(pages) * PG + self.rng.below(PG / 4) * 4;
            self.touch_at(p);
        }
        for _ in 0..3 + self.rng.below(6) {
            let cur = (len / PG).max(1);
            let k = self.rng.below(cur);
            let m = 1 + self.rng.below(cur - k);
            let (sub, sub_len) = (a + k * PG, m * PG);
            match self.rng.below(11) {
                0 => {
                    let rw = PROT_READ | PROT_WRITE;
                    let prot = self.rng.pick(&[PROT_NONE, PROT_READ, rw, rw, PROT_READ | PROT_EXEC, rw | PROT_EXEC]);
                    self.call(nr::SYS_MPROTECT, [sub, sub_len, prot, 0, 0, 0]);
                }
                1 => {
                    self.call(nr::SYS_MUNMAP, [sub, sub_len, 0, 0, 0, 0]);
                }
                2 | 3 => {
                    let new_len = match self.rng.below(4) {
                        0 => len + PG * (1 + self.rng.below(16)),
                        1 => (len / 2).max(PG),
                        2 => len,
                        _ => PG * (1 + self.rng.below(64)),
                    };
                    let flags = if self.rng.chance(1, 4) { 0 } else { MREMAP_MAYMOVE };
                    let r = self.call(nr::SYS_MREMAP, [a, len, new_len, flags, 0, 0]);
                    if !is_err(r) && self.w.may_destroy(r, new_len) {
                        a = r;
                        len = new_len;
                        self.track(a, len);
                    }
                }
                4 => self.vm_fork(a, len),
                5 => {
                    self.call(nr::SYS_MADVISE, [sub, sub_len, MADV_DONTNEED, 0, 0, 0]);
                }
                6 => {
                    let n = if self.rng.chance(1, 2) { nr::SYS_MLOCK } else { nr::SYS_MUNLOCK };
                    self.call(n, [sub, sub_len, 0, 0, 0, 0]);
                }
                7 | 8 => {
                    let off = self.rng.below(PG / 4) * 4;
                    self.touch_at(sub + off);
                }
                9 => {
                    let k = self.rng.below(8) * PG;
                    let v = if self.rng.chance(1, 2) { self.brk.wrapping_add(k) } else { self.brk.wrapping_sub(k) };
                    let r = self.call(nr::SYS_BRK, [v, 0, 0, 0, 0, 0]);
                    if !is_err(r) && r >= self.w.heap_start {
                        self.brk = r;
                    }
                }
                _ => {
                    // A file mapping over part of it (MAP_FIXED): our own file, private.
                    if self.probe_fd >= 0 {
                        let prot = self.rng.pick(&[1, 3, 5]);
                        let pgoff = self.rng.below(4);
                        self.call(nr::SYS_MMAP2, [sub, sub_len, prot, MAP_PRIVATE | MAP_FIXED, self.probe_fd as u32, pgoff]);
                    }
                }
            }
        }
        if self.rng.chance(2, 3) {
            self.call(nr::SYS_MUNMAP, [a, len, 0, 0, 0, 0]);
        }
    }

    /// Forks a child that writes and reads `[a, a + len)` from user mode (copy-on-write of
    /// pages the parent also writes meanwhile), sometimes changes the mapping, and exits; the
    /// parent touches the same pages and waits for it.
    fn vm_fork(&mut self, a: u32, len: u32) {
        if self.depth >= 2 || self.forks_left == 0 {
            return;
        }
        self.forks_left -= 1;
        let r = self.call(nr::SYS_FORK, [0; 6]);
        if r == 0 {
            self.rng = self.rng.derive(3);
            self.depth += 1;
            self.nkids = 0;
            self.forks_left = 0;
            let st = self.w.stats();
            st.forks.fetch_add(1, Relaxed);
            self.faults_kill();
            for _ in 0..1 + self.rng.below(16) {
                let p = (a + self.rng.below(len.max(4) / 4) * 4) & !3;
                if !self.w.may_touch(p, 4) {
                    continue;
                }
                st.touches.fetch_add(1, Relaxed);
                // SAFETY: our own mapping, outside everything this program uses; a fault (the
                // parent or we changed it) kills only this child.
                unsafe {
                    if self.rng.chance(1, 3) {
                        core::hint::black_box(peek32(p));
                    } else {
                        poke32(p, self.rng.u32());
                    }
                }
                if self.rng.chance(1, 8) {
                    let half = (len / 2) & !(PG - 1);
                    match self.rng.below(3) {
                        0 => self.call(nr::SYS_MPROTECT, [a, half.max(PG), PROT_READ, 0, 0, 0]),
                        1 => self.call(nr::SYS_MUNMAP, [a + half, PG, 0, 0, 0, 0]),
                        _ => self.call(nr::SYS_MREMAP, [a, len, len + PG, MREMAP_MAYMOVE, 0, 0]),
                    };
                }
            }
            sys::exit(0)
        }
        self.rng = self.rng.derive(4);
        if is_err(r) {
            return;
        }
        for _ in 0..self.rng.below(8) {
            let p = a + self.rng.below(len.max(4) / 4) * 4;
            self.touch_at(p);
        }
        let mut status = 0u32;
        self.call(nr::SYS_WAITPID, [r, &mut status as *mut u32 as u32, 0, 0, 0, 0]);
        core::hint::black_box(&status);
    }
}
