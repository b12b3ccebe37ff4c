//! Thread-local-storage descriptors: Linux's i386 `struct user_desc` and the GDT descriptors
//! `set_thread_area` makes from it, with Linux's rules (`arch/x86/kernel/tls.c`:
//! `tls_desc_okay`, `set_tls_desc`, `fill_user_desc`; `asm/desc.h`: `fill_ldt`, `LDT_empty`).
//!
//! A task has three TLS slots, GDT entries 6, 7 and 8 (`GDT_ENTRY_TLS_MIN`); glibc asks for a
//! free one with `entry_number = -1` and loads `%gs = entry * 8 + 3`. What user space can get
//! is deliberately narrow: 32-bit data segments (expand-up or expand-down), present, DPL 3,
//! never code or system segments. A descriptor of all zeros is a free slot.

/// First GDT index of the TLS slots (Linux's `GDT_ENTRY_TLS_MIN`).
pub const TLS_MIN: u32 = 6;
/// Number of TLS slots (`GDT_ENTRY_TLS_ENTRIES`).
pub const TLS_ENTRIES: usize = 3;
/// Last GDT index of the TLS slots (`GDT_ENTRY_TLS_MAX`).
pub const TLS_MAX: u32 = TLS_MIN + TLS_ENTRIES as u32 - 1;

/// Linux's `struct user_desc` on i386: 16 bytes, the flag bits packed in the last word.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserDesc {
    /// GDT index, or `u32::MAX` (-1): "pick a free slot".
    pub entry_number: u32,
    /// Segment base.
    pub base_addr: u32,
    /// Segment limit (20 bits are used).
    pub limit: u32,
    /// `seg_32bit:1, contents:2, read_exec_only:1, limit_in_pages:1, seg_not_present:1,
    /// useable:1`, from bit 0 up; the bits above are ignored as on i386.
    pub flags: u32,
}

/// Bit positions of [`UserDesc::flags`].
pub mod flag {
    /// 32-bit segment (descriptor D bit).
    pub const SEG_32BIT: u32 = 1 << 0;
    /// Shift of the two `contents` bits (0 data, 1 expand-down data, 2 code).
    pub const CONTENTS_SHIFT: u32 = 1;
    /// Read-only data.
    pub const READ_EXEC_ONLY: u32 = 1 << 3;
    /// Limit in 4 KiB units (G bit).
    pub const LIMIT_IN_PAGES: u32 = 1 << 4;
    /// Not present.
    pub const SEG_NOT_PRESENT: u32 = 1 << 5;
    /// Available to software (AVL bit).
    pub const USEABLE: u32 = 1 << 6;
}

impl UserDesc {
    fn bit(&self, b: u32) -> bool {
        self.flags & b != 0
    }
    /// `contents` (0..=3).
    pub fn contents(&self) -> u32 {
        (self.flags >> flag::CONTENTS_SHIFT) & 3
    }

    /// Linux's `LDT_empty || LDT_zero`: the slot is to be cleared. `LDT_empty` is the proper
    /// "no segment" (read_exec_only and seg_not_present set, all else 0); `LDT_zero`, all
    /// zeros, is what many programs pass instead and Linux accepts too.
    pub fn is_clear(&self) -> bool {
        let known = self.flags & 0x7f;
        self.base_addr == 0
            && self.limit == 0
            && (known == flag::READ_EXEC_ONLY | flag::SEG_NOT_PRESENT || known == 0)
    }

    /// Linux's `tls_desc_okay`: a clear request, or a present 32-bit data segment.
    pub fn is_okay(&self) -> bool {
        if self.is_clear() {
            return true;
        }
        self.bit(flag::SEG_32BIT) && self.contents() <= 1 && !self.bit(flag::SEG_NOT_PRESENT)
    }
}

/// A raw 8-byte GDT descriptor for a TLS slot (0: free).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlsDesc(pub u64);

impl TlsDesc {
    /// The free slot.
    pub const EMPTY: TlsDesc = TlsDesc(0);

    /// Linux's `set_tls_desc` for one entry: a clear request gives the free slot, anything
    /// else `fill_ldt`'s descriptor — S = 1 (code/data), DPL 3, the accessed bit set, L = 0.
    /// The caller has checked [`UserDesc::is_okay`].
    pub fn from_user(u: &UserDesc) -> TlsDesc {
        if u.is_clear() {
            return TlsDesc::EMPTY;
        }
        let b = |bit: u32| u64::from(u.flags & bit != 0);
        let base = u64::from(u.base_addr);
        let limit = u64::from(u.limit & 0xf_ffff);
        let typ = ((b(flag::READ_EXEC_ONLY) ^ 1) << 1) | (u64::from(u.contents()) << 2) | 1;
        let d = (limit & 0xffff)
            | ((base & 0xff_ffff) << 16)
            | (typ << 40)
            | (1 << 44) // S: code or data
            | (3 << 45) // DPL 3
            | ((b(flag::SEG_NOT_PRESENT) ^ 1) << 47)
            | ((limit >> 16) << 48)
            | (b(flag::USEABLE) << 52)
            | (b(flag::SEG_32BIT) << 54)
            | (b(flag::LIMIT_IN_PAGES) << 55)
            | ((base >> 24) << 56);
        TlsDesc(d)
    }

    /// Linux's `fill_user_desc`: the fields of this descriptor as GDT entry `entry`. A free
    /// slot reads back as read_exec_only and seg_not_present (Linux's answer too).
    pub fn to_user(self, entry: u32) -> UserDesc {
        let d = self.0;
        let bit = |n: u32| (d >> n) & 1 == 1;
        let typ = ((d >> 40) & 0xf) as u32;
        let mut flags = 0;
        let mut set = |cond: bool, f: u32| {
            if cond {
                flags |= f;
            }
        };
        set(bit(54), flag::SEG_32BIT);
        set(typ & 2 == 0, flag::READ_EXEC_ONLY);
        set(bit(55), flag::LIMIT_IN_PAGES);
        set(!bit(47), flag::SEG_NOT_PRESENT);
        set(bit(52), flag::USEABLE);
        flags |= (typ >> 2) << flag::CONTENTS_SHIFT;
        UserDesc {
            entry_number: entry,
            base_addr: ((d >> 16) & 0xff_ffff) as u32 | (((d >> 56) as u32) << 24),
            limit: (d & 0xffff) as u32 | (((d >> 48) & 0xf) as u32) << 16,
            flags,
        }
    }

    /// Whether the slot is free (Linux's `desc_empty`).
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// glibc's request: base, limit 0xfffff in pages, 32-bit, useable.
    fn glibc(base: u32) -> UserDesc {
        UserDesc {
            entry_number: u32::MAX,
            base_addr: base,
            limit: 0xf_ffff,
            flags: flag::SEG_32BIT | flag::LIMIT_IN_PAGES | flag::USEABLE,
        }
    }

    #[test]
    fn glibc_request_is_a_flat_ring3_data_segment() {
        let d = TlsDesc::from_user(&glibc(0x0812_3450));
        // base 0x08123450, limit 0xfffff, type 3 (data RW accessed), S, DPL 3, P, AVL, D, G.
        assert_eq!(d.0, 0x08df_f312_3450_ffff);
    }

    #[test]
    fn validation_as_linux() {
        assert!(glibc(0).is_okay());
        assert!(UserDesc::default().is_okay(), "LDT_zero clears");
        let empty = UserDesc { flags: flag::READ_EXEC_ONLY | flag::SEG_NOT_PRESENT, ..UserDesc::default() };
        assert!(empty.is_okay() && empty.is_clear());
        let mut u = glibc(0);
        u.flags &= !flag::SEG_32BIT;
        assert!(!u.is_okay(), "16-bit");
        let mut u = glibc(0);
        u.flags |= 2 << flag::CONTENTS_SHIFT;
        assert!(!u.is_okay(), "code");
        let mut u = glibc(0);
        u.flags |= flag::SEG_NOT_PRESENT;
        assert!(!u.is_okay(), "not present");
        let mut u = glibc(0);
        u.flags |= 1 << flag::CONTENTS_SHIFT;
        assert!(u.is_okay(), "expand-down data");
        // Not a clear request once any field is set, even the base alone (and then 16-bit).
        assert!(!UserDesc { base_addr: 1, ..UserDesc::default() }.is_okay());
    }

    #[test]
    fn free_slot_reads_back_as_linux_says() {
        let u = TlsDesc::EMPTY.to_user(7);
        assert_eq!(u, UserDesc { entry_number: 7, flags: flag::READ_EXEC_ONLY | flag::SEG_NOT_PRESENT, ..UserDesc::default() });
        assert!(u.is_clear());
    }

    proptest! {
        #[test]
        fn accepted_descriptors_round_trip(base in 1u32.., limit in 0u32..0x10_0000, bits: u32, contents in 0u32..2) {
            let keep = flag::READ_EXEC_ONLY | flag::LIMIT_IN_PAGES | flag::USEABLE;
            let flags = flag::SEG_32BIT | (bits & keep) | (contents << flag::CONTENTS_SHIFT);
            let u = UserDesc { entry_number: 6, base_addr: base, limit, flags };
            prop_assert!(u.is_okay() && !u.is_clear());
            let d = TlsDesc::from_user(&u);
            // Always a present data segment of ring 3: S = 1, DPL = 3, P = 1, type bit 3 clear.
            prop_assert_eq!((d.0 >> 44) & 0xf, 0b1111);
            prop_assert_eq!((d.0 >> 43) & 1, 0);
            prop_assert_eq!(d.to_user(6), u);
        }

        #[test]
        fn nothing_but_data_segments_of_ring3(base in 0u32..4, limit in 0u32..4, flags: u32) {
            let u = UserDesc { entry_number: 6, base_addr: base, limit, flags: flags & 0x7f };
            if !u.is_okay() {
                return Ok(());
            }
            let d = TlsDesc::from_user(&u);
            prop_assert!(d.is_empty() || ((d.0 >> 43) & 0x1f) == 0b11110);
            prop_assert_eq!((d.0 >> 53) & 1, 0, "no L bit");
        }
    }
}
