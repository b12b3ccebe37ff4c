//! VMA flags (Linux's `VM_*` bit values) and the kinds of memory access.

use bitflags::bitflags;

bitflags! {
    /// Flags of a virtual memory area, with Linux's `VM_*` bit values so that dumps read the
    /// same as on Linux.
    ///
    /// `READ`/`WRITE`/`EXEC`/`SHARED` are the current permissions. The `MAY*` bits are the
    /// ceiling `mprotect` may raise them to; each `MAY*` bit is its permission bit shifted left
    /// by 4, exactly as in Linux (`VM_MAYREAD == VM_READ << 4`).
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct VmFlags: u32 {
        /// Pages may be read (`VM_READ`).
        const READ = 0x0000_0001;
        /// Pages may be written (`VM_WRITE`).
        const WRITE = 0x0000_0002;
        /// Pages may be executed (`VM_EXEC`).
        const EXEC = 0x0000_0004;
        /// Writes are shared with every other mapping of the object (`VM_SHARED`).
        const SHARED = 0x0000_0008;
        /// `READ` may be set by `mprotect` (`VM_MAYREAD`).
        const MAYREAD = 0x0000_0010;
        /// `WRITE` may be set by `mprotect` (`VM_MAYWRITE`).
        const MAYWRITE = 0x0000_0020;
        /// `EXEC` may be set by `mprotect` (`VM_MAYEXEC`).
        const MAYEXEC = 0x0000_0040;
        /// The mapping was created `MAP_SHARED` (`VM_MAYSHARE`); `/proc/PID/maps` prints `s`.
        const MAYSHARE = 0x0000_0080;
        /// The area is a stack that grows down on faults just below it (`VM_GROWSDOWN`).
        const GROWSDOWN = 0x0000_0100;
        /// Raw page-frame mapping without `struct page` semantics, e.g. device memory
        /// (`VM_PFNMAP`).
        const PFNMAP = 0x0000_0400;
        /// Pages are locked in memory (`VM_LOCKED`, from `mlock`).
        const LOCKED = 0x0000_2000;
        /// Memory-mapped I/O or similar (`VM_IO`).
        const IO = 0x0000_4000;
        /// `MADV_SEQUENTIAL`: the pages will be read in order (`VM_SEQ_READ`).
        const SEQ_READ = 0x0000_8000;
        /// `MADV_RANDOM`: the pages will be read in no particular order (`VM_RAND_READ`).
        const RAND_READ = 0x0001_0000;
        /// Not copied into the child on fork (`VM_DONTCOPY`, `MADV_DONTFORK`).
        const DONTCOPY = 0x0002_0000;
        /// Cannot be expanded by `mremap` (`VM_DONTEXPAND`).
        const DONTEXPAND = 0x0004_0000;
        /// With `LOCKED`: pages are locked as they fault in, not populated ahead
        /// (`VM_LOCKONFAULT`, from `mlock2(MLOCK_ONFAULT)` and `mlockall(MCL_ONFAULT)`).
        const LOCKONFAULT = 0x0008_0000;
        /// The child gets zero-filled pages instead of a copy on fork (`VM_WIPEONFORK`).
        const WIPEONFORK = 0x0200_0000;
        /// Excluded from core dumps (`VM_DONTDUMP`).
        const DONTDUMP = 0x0400_0000;
        /// `MADV_HUGEPAGE`: a candidate for transparent huge pages (`VM_HUGEPAGE`).
        const HUGEPAGE = 0x2000_0000;
        /// `MADV_NOHUGEPAGE`: never backed by huge pages (`VM_NOHUGEPAGE`).
        const NOHUGEPAGE = 0x4000_0000;
        /// `MADV_MERGEABLE`: a candidate for same-page merging (`VM_MERGEABLE`).
        const MERGEABLE = 0x8000_0000;
    }
}

impl VmFlags {
    /// The three protection bits `mprotect` changes (`VM_ACCESS_FLAGS` in Linux).
    pub const PROT: VmFlags = VmFlags::READ.union(VmFlags::WRITE).union(VmFlags::EXEC);
    /// The permission bits that each need their `MAY*` counterpart.
    pub const PERMISSIONS: VmFlags = VmFlags::PROT.union(VmFlags::SHARED);
    /// The locking bits `munlock` clears (`VM_LOCKED_MASK`).
    pub const LOCK_MASK: VmFlags = VmFlags::LOCKED.union(VmFlags::LOCKONFAULT);
    /// Areas `mlock` leaves alone and `mremap` will not grow (Linux's `VM_SPECIAL`).
    pub const SPECIAL: VmFlags =
        VmFlags::IO.union(VmFlags::DONTEXPAND).union(VmFlags::PFNMAP);
    /// All four `MAY*` bits.
    pub const MAY: VmFlags =
        VmFlags::MAYREAD.union(VmFlags::MAYWRITE).union(VmFlags::MAYEXEC).union(VmFlags::MAYSHARE);

    /// Permission bits set in `self` whose `MAY*` bit is missing from `ceiling`
    /// (empty when `ceiling` permits everything `self` asks for).
    pub const fn exceeding(self, ceiling: VmFlags) -> VmFlags {
        let wanted = self.bits() & VmFlags::PERMISSIONS.bits();
        let allowed = (ceiling.bits() & VmFlags::MAY.bits()) >> 4;
        VmFlags::from_bits_retain(wanted & !allowed)
    }

    /// `self` with its `READ`/`WRITE`/`EXEC` bits replaced by those of `prot` (what
    /// `mprotect(prot)` computes from the old flags).
    pub const fn with_protection(self, prot: VmFlags) -> VmFlags {
        VmFlags::from_bits_retain(
            (self.bits() & !VmFlags::PROT.bits()) | (prot.bits() & VmFlags::PROT.bits()),
        )
    }

    /// Whether any protection bit is set (Linux's `vma_is_accessible`); a `PROT_NONE` area is
    /// not accessible.
    pub const fn is_accessible(self) -> bool {
        self.intersects(VmFlags::PROT)
    }

    /// Whether the area was mapped shared (`SHARED` or `MAYSHARE`): writes go to the object
    /// rather than to private copies.
    pub const fn is_shared(self) -> bool {
        self.intersects(VmFlags::SHARED.union(VmFlags::MAYSHARE))
    }

    /// Whether `access` is permitted by these flags; see [`Access`] for the rules.
    pub const fn allows(self, access: Access) -> bool {
        match access {
            Access::Read => self.is_accessible(),
            Access::Write => self.contains(VmFlags::WRITE),
            Access::Exec => self.contains(VmFlags::EXEC),
        }
    }
}

/// The kind of memory access that faulted or is being checked.
///
/// Rules of [`VmFlags::allows`], following Linux on x86:
/// * `Read` is allowed when any of `READ`/`WRITE`/`EXEC` is set: the MMU cannot make a page
///   writable or executable without also making it readable (Linux's `access_error` checks
///   `vma_is_accessible` for reads). Only `PROT_NONE` refuses reads.
/// * `Write` needs `WRITE`.
/// * `Exec` needs `EXEC`. Non-PAE i386 cannot enforce this (and does not report instruction
///   fetches in the error code), but the decision records it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Access {
    /// A data read.
    Read,
    /// A data write.
    Write,
    /// An instruction fetch.
    Exec,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_values() {
        assert_eq!(VmFlags::MAYREAD.bits(), VmFlags::READ.bits() << 4);
        assert_eq!(VmFlags::MAYSHARE.bits(), VmFlags::SHARED.bits() << 4);
        assert_eq!(VmFlags::GROWSDOWN.bits(), 0x100);
        assert_eq!(VmFlags::LOCKED.bits(), 0x2000);
        assert_eq!(VmFlags::DONTCOPY.bits(), 0x20000);
        assert_eq!(VmFlags::WIPEONFORK.bits(), 0x0200_0000);
        assert_eq!(VmFlags::SEQ_READ.bits(), 0x8000);
        assert_eq!(VmFlags::RAND_READ.bits(), 0x10000);
        assert_eq!(VmFlags::LOCKONFAULT.bits(), 0x80000);
    }

    #[test]
    fn exceeding_reports_missing_may_bits() {
        let f = VmFlags::READ | VmFlags::WRITE | VmFlags::MAYREAD;
        assert_eq!(f.exceeding(f), VmFlags::WRITE);
        assert!(f.exceeding(f | VmFlags::MAYWRITE).is_empty());
        assert_eq!(VmFlags::SHARED.exceeding(VmFlags::MAYREAD), VmFlags::SHARED);
    }

    #[test]
    fn protection_replaces_only_prot_bits() {
        let f = VmFlags::READ | VmFlags::MAYWRITE | VmFlags::GROWSDOWN;
        let g = f.with_protection(VmFlags::WRITE | VmFlags::SHARED);
        assert_eq!(g, VmFlags::WRITE | VmFlags::MAYWRITE | VmFlags::GROWSDOWN);
    }

    #[test]
    fn access_rules() {
        assert!(VmFlags::WRITE.allows(Access::Read));
        assert!(VmFlags::EXEC.allows(Access::Read));
        assert!(!VmFlags::empty().allows(Access::Read));
        assert!(!VmFlags::READ.allows(Access::Write));
        assert!(!VmFlags::READ.allows(Access::Exec));
        assert!(VmFlags::EXEC.allows(Access::Exec));
    }
}
