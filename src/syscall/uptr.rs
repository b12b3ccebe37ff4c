//! User pointers: addresses that the kernel only reads or writes through the fault-safe copy
//! routines. Any bad address — NULL, kernel memory, a range that wraps past 2^32 or reaches
//! 0xC0000000, an unmapped or forbidden page — gives `EFAULT`, never a kernel fault.

use crate::arch::usercopy;
use alloc::vec::Vec;
use core::marker::PhantomData;
use vmcore::addr::PAGE_SIZE;
use vmcore::errno::Errno;

/// Plain data that may be copied to and from user memory byte for byte (no pointers, no
/// invalid bit patterns).
///
/// # Safety
/// Every bit pattern of `size_of::<Self>()` bytes must be a valid `Self`, and `Self` must have
/// no padding.
pub unsafe trait Plain: Copy {}

// SAFETY: integers have no padding and no invalid patterns.
unsafe impl Plain for u32 {}
// SAFETY: as above.
unsafe impl Plain for i32 {}
// SAFETY: as above.
unsafe impl Plain for u8 {}
// SAFETY: arrays of plain data are plain.
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}

fn as_bytes<T: Plain>(v: &T) -> &[u8] {
    // SAFETY: `T: Plain` has no padding, so all its bytes are initialised.
    unsafe { core::slice::from_raw_parts(v as *const T as *const u8, core::mem::size_of::<T>()) }
}

/// A typed user pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserPtr<T> {
    addr: u32,
    _t: PhantomData<T>,
}

impl<T> UserPtr<T> {
    /// Wraps a raw user address (not yet checked: every access is).
    pub const fn new(addr: u32) -> Self {
        Self { addr, _t: PhantomData }
    }
    /// The raw user address.
    pub const fn addr(self) -> u32 {
        self.addr
    }
    /// Whether it is NULL.
    pub const fn is_null(self) -> bool {
        self.addr == 0
    }
    /// The pointer `n` elements further on.
    pub fn add(self, n: u32) -> Result<Self, Errno> {
        let off = n.checked_mul(core::mem::size_of::<T>() as u32).ok_or(Errno::EFAULT)?;
        Ok(Self::new(self.addr.checked_add(off).ok_or(Errno::EFAULT)?))
    }
}

/// Whether the current process's areas allow the access (PROT_NONE pages stay resident but
/// must not be readable by the kernel on the process's behalf).
fn check_areas(addr: u32, len: u32, write: bool) -> Result<(), Errno> {
    match crate::proc::current_aspace() {
        Some(a) => a.check_access(addr, len, write),
        None => Ok(()),
    }
}

impl<T: Plain> UserPtr<T> {
    /// Reads the value.
    pub fn read(self) -> Result<T, Errno> {
        let size = core::mem::size_of::<T>() as u32;
        check_areas(self.addr, size, false)?;
        // On the stack, not the heap: a read of a user value allocates nothing.
        let mut value = core::mem::MaybeUninit::<T>::zeroed();
        // SAFETY: `value` is size_of::<T>() zeroed bytes owned here; the slice is its only use
        // until `assume_init` below.
        let bytes = unsafe { core::slice::from_raw_parts_mut(value.as_mut_ptr().cast::<u8>(), core::mem::size_of::<T>()) };
        usercopy::copy_from_user(bytes, self.addr).map_err(|_| Errno::EFAULT)?;
        // SAFETY: every byte is initialised (zeroed, then copied) and every pattern is a valid
        // `T: Plain`.
        Ok(unsafe { value.assume_init() })
    }

    /// Writes the value.
    pub fn write(self, value: T) -> Result<(), Errno> {
        check_areas(self.addr, core::mem::size_of::<T>() as u32, true)?;
        usercopy::copy_to_user(self.addr, as_bytes(&value)).map_err(|_| Errno::EFAULT)
    }
}

impl UserPtr<u8> {
    /// Reads a NUL-terminated string of at most `max` bytes (ENAMETOOLONG beyond, EFAULT on a
    /// bad address before the NUL).
    pub fn read_cstr(self, max: usize) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        let mut addr = self.addr;
        loop {
            // Copy up to the end of the page, so a string ending just before an unmapped page
            // is still read.
            let chunk = (PAGE_SIZE - addr % PAGE_SIZE) as usize;
            check_areas(addr, chunk as u32, false)?;
            let mut buf = Vec::new();
            crate::mm::inject::fallible(|| buf.try_reserve_exact(chunk)).map_err(|_| Errno::ENOMEM)?;
            buf.resize(chunk, 0);
            usercopy::copy_from_user(&mut buf, addr).map_err(|_| Errno::EFAULT)?;
            let n = buf.iter().position(|&b| b == 0);
            let part = &buf[..n.unwrap_or(chunk)];
            out.try_reserve(part.len()).map_err(|_| Errno::ENOMEM)?;
            out.extend_from_slice(part);
            if n.is_some() {
                return if out.len() > max { Err(Errno::ENAMETOOLONG) } else { Ok(out) };
            }
            if out.len() > max {
                return Err(Errno::ENAMETOOLONG);
            }
            addr = addr.checked_add(chunk as u32).ok_or(Errno::EFAULT)?;
        }
    }
}

/// A user buffer: address and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserBuf {
    addr: u32,
    len: u32,
}

impl UserBuf {
    /// Wraps a raw address and length (checked on every access).
    pub const fn new(addr: u32, len: u32) -> Self {
        Self { addr, len }
    }
    /// The length in bytes.
    pub const fn len(self) -> u32 {
        self.len
    }
    /// The first `len` bytes of the buffer (`len <= self.len()`).
    pub const fn prefix(self, len: u32) -> Self {
        Self { addr: self.addr, len: if len < self.len { len } else { self.len } }
    }
    /// Whether the buffer is empty.
    pub const fn is_empty(self) -> bool {
        self.len == 0
    }
    /// Checks the whole range lies in user space (no wrap, below 0xC0000000), as Linux's
    /// `access_ok` does before any byte is copied, and that the areas covering it allow the
    /// access (`write`: the kernel will write into it). The copy itself still catches what
    /// this cannot see (unmapped holes, pages beyond a file's end).
    pub fn check(self, write: bool) -> Result<(), Errno> {
        if !usercopy::range_ok(self.addr, self.len) {
            return Err(Errno::EFAULT);
        }
        check_areas(self.addr, self.len, write)
    }
    /// Copies `data` to the start of the buffer (`data.len() <= len`).
    pub fn write_at(self, offset: u32, data: &[u8]) -> Result<(), Errno> {
        debug_assert!(offset as usize + data.len() <= self.len as usize);
        usercopy::copy_to_user(self.addr + offset, data).map_err(|_| Errno::EFAULT)
    }
    /// Copies `out.len()` bytes from `offset` into `out`.
    pub fn read_at(self, offset: u32, out: &mut [u8]) -> Result<(), Errno> {
        debug_assert!(offset as usize + out.len() <= self.len as usize);
        usercopy::copy_from_user(out, self.addr + offset).map_err(|_| Errno::EFAULT)
    }
}
