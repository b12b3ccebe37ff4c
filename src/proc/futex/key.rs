//! Futex keys (Linux's `get_futex_key`): the identity of a user word, from the address alone
//! for a private futex, from the word's area and page tables for a shared one.

use super::queue::BUCKETS;
use super::FutexError;
use crate::arch::{usercopy, useratomic};
use crate::mm::aspace::{AddressSpace, SpaceId};
use alloc::sync::Arc;
use vmcore::addr::{VirtAddr, PAGE_SIZE};
use vmcore::vma::{Backing, VmFlags};

/// The identity of a futex word; like Linux's `union futex_key`, it holds no reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FutexKey {
    /// `FUTEX_PRIVATE_FLAG`: this address space and the address.
    Private {
        /// The space.
        space: SpaceId,
        /// The word's address.
        addr: u32,
    },
    /// A shared operation on a private page (Linux's `FUT_OFF_MMSHARED` form): never equal to
    /// the [`FutexKey::Private`] key of the same word, as in Linux.
    SharedPrivatePage {
        /// The space.
        space: SpaceId,
        /// The word's address.
        addr: u32,
    },
    /// A page of a mapped file: the file, the page's index in it and the word's offset.
    Object {
        /// The file's device.
        dev: (u32, u32),
        /// The file's inode number.
        ino: u64,
        /// Page index in the file.
        index: u64,
        /// Offset of the word in the page.
        offset: u16,
    },
}

impl FutexKey {
    /// The bucket this key hashes to.
    pub(super) fn bucket(&self) -> usize {
        let (a, b, c): (u64, u64, u64) = match *self {
            FutexKey::Private { space, addr } => (space, addr as u64, 1),
            FutexKey::SharedPrivatePage { space, addr } => (space, addr as u64, 2),
            FutexKey::Object { dev, ino, index, offset } => {
                (ino ^ ((dev.0 as u64) << 32 | dev.1 as u64), index << 12 | offset as u64, 3)
            }
        };
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for w in [a, b, c] {
            h = (h ^ w).wrapping_mul(0x0000_0100_0000_01b3);
            h ^= h >> 29;
        }
        (h as usize) % BUCKETS
    }
}

/// How a shared key's page must be accessible.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Use {
    Read,
    Write,
}

/// The running task's address space.
pub(super) fn space() -> Result<Arc<AddressSpace>, FutexError> {
    crate::proc::current_aspace().ok_or(FutexError::Fault)
}

/// The key of the word at `addr` (Linux's `get_futex_key`): EINVAL unaligned, EFAULT outside
/// user space; a shared key also needs the word's area to allow `usage`.
pub(super) fn key_of(space: &AddressSpace, addr: u32, shared: bool, usage: Use) -> Result<FutexKey, FutexError> {
    if !addr.is_multiple_of(4) {
        return Err(FutexError::Invalid);
    }
    if !usercopy::range_ok(addr, 4) {
        return Err(FutexError::Fault);
    }
    if !shared {
        return Ok(FutexKey::Private { space: space.id(), addr });
    }
    let id = space.id();
    space.read(|s| lookup(s, id, addr, usage))
}

/// The shared key of `addr` from its area (under the space's lock): shared memory is always
/// an object's (a file, or shmem for shared anonymous memory), keyed by object and offset.
pub(super) fn lookup(s: &vmcore::mspace::MSpace, space: SpaceId, addr: u32, usage: Use) -> Result<FutexKey, FutexError> {
    let at = VirtAddr::new(addr);
    let Some(vma) = s.search(at) else { return Err(FutexError::Fault) };
    let writable = vma.flags.contains(VmFlags::WRITE);
    if !vma.flags.is_accessible() || (usage == Use::Write && !writable) {
        return Err(FutexError::Fault);
    }
    let offset = (addr % PAGE_SIZE) as u16;
    let file_key = |vma: &vmcore::vma::Vma, file: &Arc<dyn vmcore::vma::FileObject>| match vma.file_position(at) {
        Some(pos) if !pos.past_eof => Ok(FutexKey::Object { dev: file.dev(), ino: file.ino(), index: pos.offset / PAGE_SIZE as u64, offset }),
        _ => Err(FutexError::Fault),
    };
    match (&vma.backing, vma.flags.is_shared()) {
        (Backing::File { file, .. }, true) => file_key(vma, file),
        // Linux faults a writable private page in for writing: an anonymous page, keyed by
        // space and address.
        (Backing::Anonymous | Backing::File { .. }, false) if writable => Ok(FutexKey::SharedPrivatePage { space, addr }),
        // Read-only private: the file's page-cache page; anonymous memory there is the zero
        // page or a read-only copy, which Linux refuses (EFAULT).
        (Backing::File { file, .. }, false) => file_key(vma, file),
        (Backing::Anonymous, _) | (Backing::Physical { .. }, _) => Err(FutexError::Fault),
    }
}

/// Makes the word at `addr` present for `usage` with faults enabled and no bucket lock held
/// (Linux's `get_user` / `fault_in_user_writeable`); EFAULT if the area refuses.
pub(super) fn fault_in(space: &AddressSpace, addr: u32, usage: Use) -> Result<(), FutexError> {
    let write = usage == Use::Write;
    // The areas first: ring 0 could read a resident PROT_NONE page.
    space.check_access(addr, 4, write).map_err(|_| FutexError::Fault)?;
    if write {
        useratomic::fault_in_writeable(addr).map_err(|_| FutexError::Fault)
    } else {
        let mut word = [0u8; 4];
        usercopy::copy_from_user(&mut word, addr).map_err(|_| FutexError::Fault)
    }
}

/// Reads the word at `addr` with faults disabled (under a bucket lock); `None` if it is not
/// present, and the caller faults it in unlocked and retries.
pub(super) fn read_locked(addr: u32) -> Option<u32> {
    let mut word = [0u8; 4];
    useratomic::without_faults(|| usercopy::copy_from_user(&mut word, addr)).ok()?;
    Some(u32::from_ne_bytes(word))
}
