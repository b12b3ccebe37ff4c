//! File helpers: whole-file reads, stack-built C paths, and the /proc/meminfo parser.

use crate::errno::Errno;
use crate::sys;
use alloc::vec::Vec;
use core::ffi::CStr;

/// A NUL-terminated string built on the stack (no heap), e.g. a path made of pieces.
pub struct CBuf<const N: usize> {
    len: usize,
    buf: [u8; N],
}

impl<const N: usize> CBuf<N> {
    /// Concatenates `parts`; `None` if the result (plus NUL) does not fit or contains a NUL.
    pub fn from_parts(parts: &[&[u8]]) -> Option<Self> {
        let mut b = CBuf {
            len: 0,
            buf: [0; N],
        };
        for p in parts {
            if p.contains(&0) || b.len + p.len() + 1 > N {
                return None;
            }
            b.buf[b.len..b.len + p.len()].copy_from_slice(p);
            b.len += p.len();
        }
        Some(b)
    }

    pub fn as_cstr(&self) -> &CStr {
        // The buffer is zero-filled and `len < N`, so buf[len] is the terminating NUL and there
        // is no NUL before it (checked in from_parts).
        CStr::from_bytes_until_nul(&self.buf[..=self.len]).unwrap_or(c"")
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// A closing file descriptor.
pub struct Fd(pub i32);

impl Fd {
    pub fn open(path: &CStr, flags: usize) -> Result<Fd, Errno> {
        sys::open(path, flags, 0).map(Fd)
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        let _ = sys::close(self.0);
    }
}

/// Reads from `fd` until EOF or until `buf` is full; returns the number of bytes read.
pub fn read_full(fd: i32, buf: &mut [u8]) -> Result<usize, Errno> {
    let mut n = 0;
    while n < buf.len() {
        match sys::read(fd, &mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Reads (the start of) the file at `path` into `buf`, without the heap.
pub fn read_into(path: &CStr, buf: &mut [u8]) -> Result<usize, Errno> {
    let fd = Fd::open(path, sys::O_RDONLY)?;
    read_full(fd.0, buf)
}

/// Reads the whole file at `path`.
pub fn read_file(path: &CStr) -> Result<Vec<u8>, Errno> {
    let fd = Fd::open(path, sys::O_RDONLY)?;
    read_to_end(fd.0)
}

/// Reads `fd` to EOF.
pub fn read_to_end(fd: i32) -> Result<Vec<u8>, Errno> {
    let mut v: Vec<u8> = Vec::new();
    loop {
        if v.capacity() - v.len() < 4096 {
            v.reserve(if v.capacity() < 4096 {
                4096
            } else {
                v.capacity()
            });
        }
        let len = v.len();
        let spare = v.capacity() - len;
        // SAFETY: `spare` bytes of capacity after `len` are allocated; the kernel initialises
        // the `k` bytes it reports before set_len exposes them.
        let k = unsafe {
            let p = v.as_mut_ptr().add(len);
            Errno::from_ret(sys::syscall3(sys::nr::SYS_READ, fd as usize, p as usize, spare))
        };
        match k {
            Ok(0) => return Ok(v),
            // SAFETY: the kernel wrote k <= spare bytes.
            Ok(k) => unsafe { v.set_len(len + k) },
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
}

/// Parses `"Key:   1234 kB"` lines of /proc/meminfo text; returns the number for `key`.
pub fn meminfo_field(text: &[u8], key: &[u8]) -> Option<usize> {
    for line in text.split(|&b| b == b'\n') {
        if line.len() > key.len() && line.starts_with(key) && line[key.len()] == b':' {
            let rest = &line[key.len() + 1..];
            let digits = rest.iter().skip_while(|b| **b == b' ' || **b == b'\t');
            let mut n: usize = 0;
            let mut any = false;
            for &b in digits {
                if !b.is_ascii_digit() {
                    break;
                }
                n = n.checked_mul(10)?.checked_add((b - b'0') as usize)?;
                any = true;
            }
            return if any { Some(n) } else { None };
        }
    }
    None
}

/// `MemFree` from /proc/meminfo, in KiB (no heap used).
pub fn mem_free_kib() -> Result<usize, Errno> {
    meminfo_kib(b"MemFree")
}

/// Any /proc/meminfo field, in KiB (no heap used).
pub fn meminfo_kib(key: &[u8]) -> Result<usize, Errno> {
    let mut buf = [0u8; 8192];
    let n = read_into(c"/proc/meminfo", &mut buf)?;
    meminfo_field(&buf[..n], key).ok_or(Errno::EINVAL)
}

/// Parses a decimal (or `0x` hexadecimal) unsigned number.
pub fn parse_usize(s: &[u8]) -> Option<usize> {
    let (digits, radix) = match s {
        [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
        _ => (s, 10),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: usize = 0;
    for &b in digits {
        let d = (b as char).to_digit(radix)? as usize;
        n = n.checked_mul(radix as usize)?.checked_add(d)?;
    }
    Some(n)
}
