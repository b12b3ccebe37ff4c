//! The runner's printing helpers: the batch child's last calls, syscall results, optional
//! numbers, and a fixed-buffer writer.

use crate::world;
use core::sync::atomic::Ordering::Relaxed;
use rt::prelude::*;

/// Prints the batch child's last calls, oldest first.
pub fn print_ring(st: &world::Stats) {
    println!("fuzz:   the child's last calls (index: syscall(args) = result):");
    let mut order = [(0u32, 0usize); world::RING];
    for (i, e) in st.ring.iter().enumerate() {
        order[i] = (e[9].load(Relaxed), i);
    }
    order.sort_unstable();
    for (seq, i) in order {
        if seq == u32::MAX {
            continue;
        }
        let e = &st.ring[i];
        let idx = e[0].load(Relaxed);
        let v = |k: usize| e[k].load(Relaxed);
        let r = v(8);
        println!("fuzz:     #{}: {}{} = {}", idx, v(1), Args6([v(2), v(3), v(4), v(5), v(6), v(7)]), Ret(r));
    }
}

/// Six system-call arguments, `(a, b, c, d, e, f)` in hex.
pub struct Args6(pub [u32; 6]);

impl core::fmt::Display for Args6 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let a = self.0;
        write!(f, "({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x})", a[0], a[1], a[2], a[3], a[4], a[5])
    }
}

pub struct Ret(u32);

impl core::fmt::Display for Ret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            0xDEAD_BEEF => f.write_str("(did not return)"),
            r if r > 0xFFFF_F000 => write!(f, "-{}", Errno(-(r as i32))),
            r => write!(f, "{:#x}", r),
        }
    }
}

pub struct Mem(pub bool, pub usize);

impl core::fmt::Display for Mem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.0 {
            write!(f, "{}", self.1)
        } else {
            Ok(())
        }
    }
}

pub struct Cursor<'a> {
    pub buf: &'a mut [u8],
    pub len: usize,
}

impl core::fmt::Write for Cursor<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let b = s.as_bytes();
        let n = b.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&b[..n]);
        self.len += n;
        Ok(())
    }
}

/// Prints `/proc/PID/stat` of every process still alive but the runner (pid 1), for a batch whose
/// orphans did not end: their state and the signals they hold say where they are stuck.
pub fn print_survivors() {
    println!("fuzz:   processes still alive (/proc/PID/stat):");
    for pid in 2..=32768u32 {
        let mut path = [0u8; 24];
        let mut w = Cursor { buf: &mut path, len: 0 };
        let _ = core::fmt::Write::write_fmt(&mut w, format_args!("/proc/{}/stat\0", pid));
        let n = w.len;
        let Ok(c) = core::ffi::CStr::from_bytes_with_nul(&path[..n]) else { continue };
        if let Ok(text) = rt::fs::read_file(c) {
            println!("fuzz:     {}", core::str::from_utf8(&text).unwrap_or("?").trim_end());
        }
    }
}
