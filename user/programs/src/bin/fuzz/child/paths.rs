//! Calls that change the file tree, confined to the scratch tree `/fz`: the paths named are
//! `/fz` and two levels of `a`, `b`, `c` below it; symbolic links point into the tree (by an
//! absolute `/fz/...` or a relative `a`, never `..`) or nowhere, so nothing created through
//! them lands outside it; hard links and renames stay in it; device nodes are never made (one
//! could be the console) and FIFOs are opened non-blocking. The runner removes the whole tree
//! after every batch (`clean_scratch`), before MemFree is compared.

use super::*;

/// The scratch tree, parents before children.
pub static SCRATCH: [&[u8]; 13] = [
    b"/fz\0", b"/fz/a\0", b"/fz/b\0", b"/fz/c\0", b"/fz/a/a\0", b"/fz/a/b\0", b"/fz/a/c\0", b"/fz/b/a\0", b"/fz/b/b\0", b"/fz/b/c\0",
    b"/fz/c/a\0", b"/fz/c/b\0", b"/fz/c/c\0",
];

/// Symbolic-link targets: in the tree (absolute, or relative to the link) or nowhere.
static TARGETS: [&[u8]; 6] = [b"/fz/a\0", b"a\0", b"b\0", b"/fz/x/y\0", b"/fz/c/c\0", b"\0"];

/// Removes the scratch tree, whatever it holds (depth-first, without following links).
pub fn clean_scratch() {
    let mut path = [0u8; 256];
    path[..3].copy_from_slice(b"/fz");
    remove_tree(&mut path, 3);
}

/// Removes `path[..len]` (NUL-terminated in place): a directory's entries first.
fn remove_tree(path: &mut [u8; 256], len: usize) {
    path[len] = 0;
    let p = path.as_ptr() as usize;
    // SAFETY: `path` is NUL-terminated; the kernel only reads it.
    let fd = unsafe { sys::syscall3(nr::SYS_OPEN, p, (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK) as usize, 0) } as i32;
    if fd >= 0 {
        let mut buf = [0u8; 1024];
        // Bounded: an entry that cannot be removed would be listed again and again.
        for _ in 0..64 {
            // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
            let n = unsafe { sys::syscall3(nr::SYS_GETDENTS64, fd as usize, buf.as_mut_ptr() as usize, buf.len()) } as isize;
            if n <= 0 {
                break;
            }
            let mut off = 0;
            while off + 19 < n as usize {
                let reclen = u16::from_le_bytes([buf[off + 16], buf[off + 17]]) as usize;
                let name = &buf[off + 19..off + reclen.max(20)];
                let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
                if name != b"." && name != b".." && len + 1 + name.len() < path.len() {
                    path[len] = b'/';
                    path[len + 1..len + 1 + name.len()].copy_from_slice(name);
                    remove_tree(path, len + 1 + name.len());
                    path[len] = 0;
                }
                if reclen == 0 {
                    break;
                }
                off += reclen;
            }
            // Entries were removed while listing: start over until the directory is empty.
            // SAFETY: no pointer argument.
            unsafe { sys::syscall3(nr::SYS_LSEEK, fd as usize, 0, 0) };
        }
        // SAFETY: no pointer argument.
        unsafe { sys::syscall1(nr::SYS_CLOSE, fd as usize) };
    }
    // SAFETY: `path` is NUL-terminated; the kernel only reads it.
    unsafe {
        sys::syscall1(nr::SYS_UNLINK, p);
        sys::syscall1(nr::SYS_RMDIR, p);
    }
}

impl Fz<'_> {
    fn scratch(&mut self) -> u32 {
        // Mostly the top levels, where things exist.
        let i = if self.rng.chance(2, 3) { self.rng.below(4) } else { self.rng.below(13) };
        SCRATCH[i as usize].as_ptr() as u32
    }

    /// A path for lookups: the scratch tree (a third of the time) or `path()`'s pool.
    pub(super) fn any_path(&mut self) -> u32 {
        if self.rng.chance(1, 3) {
            self.scratch()
        } else {
            self.path()
        }
    }

    /// One call that creates, changes or removes something in the scratch tree.
    pub(super) fn op_scratch(&mut self) {
        let (p, q) = (self.scratch(), self.scratch());
        let at = AT_FDCWD as u32;
        let mode = self.rng.pick(&[0o755, 0o644, 0, 0o7777, 0o1777]);
        let len = self.rng.pick(&[0, 1, 100, PG, 3 * PG + 5, MIB, 0x7FFF_FFFF]);
        let fd = self.fd() as u32;
        match self.rng.below(22) {
            0..=2 => sc0!(self, nr::SYS_MKDIR, [p, mode, 0, 0, 0, 0]),
            3 => sc0!(self, nr::SYS_MKDIRAT, [at, p, mode, 0, 0, 0]),
            4..=6 => {
                // Files are mostly opened for reading; a quarter for writing (tmpfs pages).
                let acc = self.rng.pick(&[O_RDONLY, O_RDONLY, O_RDONLY, O_RDWR]);
                let more = self.rng.pick(&[O_CREAT, O_CREAT | O_EXCL, O_CREAT | O_TRUNC, O_APPEND, O_DIRECTORY, 0]);
                self.track_fd(nr::SYS_OPEN, [p, acc | more | O_NONBLOCK, mode], u32::MAX);
            }
            7 => {
                // creat opens for writing without O_NONBLOCK (a FIFO would block it): only
                // right after mknod made a regular file there.
                let r = sc!(self, nr::SYS_MKNOD, [p, 0o100644, 0, 0, 0, 0]);
                if !is_err(r) {
                    self.track_fd(nr::SYS_CREAT, [p, mode, 0], u32::MAX);
                }
            }
            8 | 9 => sc0!(self, self.rng.pick(&[nr::SYS_UNLINK, nr::SYS_RMDIR]), [p, 0, 0, 0, 0, 0]),
            10 => sc0!(self, nr::SYS_UNLINKAT, [at, p, self.rng.pick(&[0, AT_REMOVEDIR, 0xFFFF]), 0, 0, 0]),
            11 => sc0!(self, self.rng.pick(&[nr::SYS_LINK, nr::SYS_RENAME]), [p, q, 0, 0, 0, 0]),
            12 => {
                let fl = self.rng.pick(&[0, 1, 2, 4, 3, 0xFF]);
                sc0!(self, nr::SYS_RENAMEAT2, [at, p, at, q, fl, 0]);
            }
            13 => sc0!(self, self.rng.pick(&[nr::SYS_RENAMEAT, nr::SYS_LINKAT]), [at, p, at, q, 0, 0]),
            14 => {
                let t = self.rng.pick(&TARGETS).as_ptr() as u32;
                if self.rng.chance(1, 2) {
                    sc0!(self, nr::SYS_SYMLINK, [t, p, 0, 0, 0, 0]);
                } else {
                    sc0!(self, nr::SYS_SYMLINKAT, [t, at, p, 0, 0, 0]);
                }
            }
            15 => {
                // Regular files and FIFOs only (a device node could be the console); bad types.
                let ty = self.rng.pick(&[0o100000, 0o010000, 0, 0o170000]);
                let n = self.rng.pick(&[nr::SYS_MKNOD, nr::SYS_MKNODAT]);
                if n == nr::SYS_MKNOD {
                    sc0!(self, n, [p, ty | 0o644, 0, 0, 0, 0]);
                } else {
                    sc0!(self, n, [at, p, ty | 0o644, 0, 0, 0]);
                }
            }
            16 => {
                let n = self.rng.pick(&[nr::SYS_CHMOD, nr::SYS_FCHMOD, nr::SYS_FCHMODAT]);
                let a = match n {
                    nr::SYS_FCHMOD => [fd, mode, 0],
                    nr::SYS_FCHMODAT => [at, p, mode],
                    _ => [p, mode, 0],
                };
                sc!(self, n, [a[0], a[1], a[2], 0, 0, 0]);
            }
            17 => {
                let id = self.rng.pick(&[0, 65534, u32::MAX, 0xFFFF]);
                let n = self.rng.pick(&[nr::SYS_CHOWN, nr::SYS_LCHOWN, nr::SYS_CHOWN32, nr::SYS_LCHOWN32, nr::SYS_FCHOWN, nr::SYS_FCHOWN32, nr::SYS_FCHOWNAT]);
                let a = match n {
                    nr::SYS_FCHOWN | nr::SYS_FCHOWN32 => [fd, id, id, 0, 0],
                    nr::SYS_FCHOWNAT => [at, p, id, id, self.rng.pick(&[0, 0x100, 0x1000])],
                    _ => [p, id, id, 0, 0],
                };
                sc!(self, n, [a[0], a[1], a[2], a[3], a[4], 0]);
            }
            18 | 19 => {
                // Sizes up to 1 MiB mostly (tmpfs pages), now and then 2 GiB.
                let n = self.rng.pick(&[nr::SYS_TRUNCATE, nr::SYS_FTRUNCATE, nr::SYS_TRUNCATE64, nr::SYS_FTRUNCATE64]);
                let target = if n == nr::SYS_TRUNCATE || n == nr::SYS_TRUNCATE64 { p } else { fd };
                let hi = if self.rng.chance(1, 20) { self.rng.pick(&[1, 0x8000_0000]) } else { 0 };
                sc!(self, n, [target, len, hi, 0, 0, 0]);
            }
            20 => {
                let t = if self.rng.chance(1, 3) { 0 } else { self.src() };
                let n = self.rng.pick(&[nr::SYS_UTIME, nr::SYS_UTIMES, nr::SYS_UTIMENSAT, nr::SYS_UTIMENSAT_TIME64]);
                if n == nr::SYS_UTIME || n == nr::SYS_UTIMES {
                    sc0!(self, n, [p, t, 0, 0, 0, 0]);
                } else {
                    sc0!(self, n, [at, p, t, self.rng.pick(&[0, 0x100, 0xFFFF]), 0, 0]);
                }
            }
            _ => {
                // A small write into a scratch file of ours.
                let buf = self.addr();
                let l = self.rng.pick(&[1, 100, PG]);
                let off = self.rng.pick(&[0, PG, MIB]);
                if self.kind(fd as i32) == Kind::File {
                    sc0!(self, nr::SYS_PWRITE64, [fd, buf, l, off, 0, 0]);
                }
            }
        }
    }
}
