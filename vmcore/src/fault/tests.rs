//! One test (at least) per row of the decision table.

use super::*;
use crate::addr::{PhysAddr, PAGE_SIZE};
use crate::layout::{STACK_GUARD_GAP, STACK_LIMIT, USER_START};
use crate::tree::VmaTree;
use crate::vma::test_file::TestFile;
use crate::vma::{Backing, VmFlags, Vma};

const R: VmFlags = VmFlags::READ.union(VmFlags::MAYREAD);
const RW: VmFlags = R.union(VmFlags::WRITE).union(VmFlags::MAYWRITE);
const RX: VmFlags = R.union(VmFlags::EXEC).union(VmFlags::MAYEXEC);
const SHARED: VmFlags = VmFlags::SHARED.union(VmFlags::MAYSHARE);
const STACK: VmFlags = RW.union(VmFlags::GROWSDOWN);

const TEXT: u32 = 0x0040_0000;
const DATA: u32 = 0x0050_0000;
const SHORT: u32 = 0x0060_0000;
const ANON: u32 = 0x0070_0000;
const SHANON: u32 = 0x0080_0000;
const NONE: u32 = 0x0090_0000;
const DEV: u32 = 0x00A0_0000;
const RO: u32 = 0x00B0_0000;
const WO: u32 = 0x00C0_0000;
const STACK_END: u32 = 0xC000_0000;
const STACK_START: u32 = STACK_END - 0x10_0000;

fn page(a: u32) -> Page {
    Page::new(VirtAddr::new(a))
}

fn add(t: &mut VmaTree, start: u32, pages: u32, flags: VmFlags, backing: Backing) {
    t.insert(Vma::new(page(start), pages, flags, backing).unwrap()).unwrap();
}

fn space() -> VmaTree {
    let mut t = VmaTree::new();
    let file = TestFile::open(1, "/init", 0x10000);
    add(&mut t, TEXT, 2, RX, Backing::file(file.clone(), 0));
    let data = Backing::File { file, offset: 0x1000, limit: 0x1234 };
    add(&mut t, DATA, 3, RW, data);
    add(&mut t, SHORT, 2, R | SHARED, Backing::file(TestFile::open(2, "/short", 0x800), 0));
    add(&mut t, ANON, 2, RW, Backing::Anonymous);
    add(&mut t, SHANON, 2, RW | SHARED, Backing::Anonymous);
    add(&mut t, NONE, 1, VmFlags::MAYREAD, Backing::Anonymous);
    add(&mut t, DEV, 4, RW | SHARED, Backing::Physical { base: PhysAddr::new(0xB8000) });
    add(&mut t, RO, 1, R, Backing::Anonymous);
    add(&mut t, WO, 1, VmFlags::WRITE | VmFlags::MAYWRITE, Backing::Anonymous);
    add(&mut t, STACK_START, 0x100, STACK, Backing::Anonymous);
    t
}

fn at(addr: u32, access: Access, mode: Mode) -> Fault {
    Fault { addr: VirtAddr::new(addr), access, mode, present: false }
}

fn user(addr: u32, access: Access, page: PageState) -> Action {
    decide(&at(addr, access, Mode::User), &space(), page)
}

fn present(writable: bool, cow: bool, zero_page: bool, refcount: u32) -> PageState {
    PageState::Present { writable, cow, zero_page, refcount }
}

use Access::{Exec, Read, Write};
use PageState::NotMapped;

#[test]
fn decide_in_takes_the_area_already_found() {
    let t = space();
    for (addr, access) in [(ANON, Write), (DATA + 0x10, Read), (STACK_START - 0x10, Write), (0x2000_0000, Read)] {
        let f = at(addr, access, Mode::User);
        let vma = t.find(f.addr);
        assert_eq!(decide_in(&f, &t, vma, NotMapped), decide(&f, &t, NotMapped), "{addr:#x}");
    }
    let f = at(ANON, Write, Mode::User);
    let state = present(false, true, false, 1);
    assert_eq!(decide_in(&f, &t, t.find(f.addr), state), Action::TakeOver);
}

/// The fixup rule applied to a decision: a refusal the copy routines' fixup may end.
fn fixable(a: Action) -> bool {
    matches!(a, Action::Refuse(r) if r.wants_fixup())
}

#[test]
fn k1_kernel_half() {
    let t = space();
    assert_eq!(user(0xC000_0000, Read, NotMapped), Action::Refuse(Refusal::Segv(SegvReason::KernelAddress)));
    let f = Fault { present: true, ..at(0xD000_1000, Write, Mode::Kernel) };
    assert_eq!(
        decide(&f, &t, NotMapped),
        Action::Refuse(Refusal::KernelBug(KernelFaultReason::KernelAddress { present: true }))
    );
    assert!(!fixable(decide(&f, &t, NotMapped)));
}

#[test]
fn k2_null_area() {
    assert_eq!(user(0, Read, NotMapped), Action::Refuse(Refusal::Segv(SegvReason::NullPage)));
    assert_eq!(user(USER_START - 1, Write, NotMapped), Action::Refuse(Refusal::Segv(SegvReason::NullPage)));
    let a = decide(&at(0x10, Read, Mode::Kernel), &space(), NotMapped);
    assert_eq!(a, Action::Refuse(Refusal::KernelBug(KernelFaultReason::NullDeref)));
    assert!(fixable(a));
}

#[test]
fn k3_kernel_mode_on_user_memory_resolves_like_user() {
    let t = space();
    let a = decide(&at(ANON, Write, Mode::Kernel), &t, present(false, true, false, 2));
    assert_eq!(a, Action::CopyPage);
    let a = decide(&at(ANON, Read, Mode::Kernel), &t, NotMapped);
    assert_eq!(a, Action::MapZeroPage);
}

#[test]
fn k3_kernel_mode_failures_become_fixups() {
    let t = space();
    let a = decide(&at(0x0045_0000, Read, Mode::Kernel), &t, NotMapped);
    assert_eq!(a, Action::Refuse(Refusal::Segv(SegvReason::NoMapping)));
    // Far below the stack (more than a guard gap below where RLIMIT_STACK lets it reach):
    // a plain miss, not a stack overflow.
    let a = decide(&at(0x2000_0000, Read, Mode::Kernel), &t, NotMapped);
    assert_eq!(a, Action::Refuse(Refusal::Segv(SegvReason::NoMapping)));
    assert!(fixable(a));
    let a = decide(&at(RO, Write, Mode::Kernel), &t, NotMapped);
    assert!(matches!(a, Action::Refuse(Refusal::Segv(SegvReason::AccessDenied { .. }))));
    let a = decide(&at(SHORT + PAGE_SIZE, Read, Mode::Kernel), &t, NotMapped);
    assert!(matches!(a, Action::Refuse(Refusal::Bus(_))));
}

#[test]
fn v2_area_forbids_access() {
    let denied = |access, flags| Action::Refuse(Refusal::Segv(SegvReason::AccessDenied { access, flags }));
    assert_eq!(user(RO + 8, Write, NotMapped), denied(Write, R));
    assert_eq!(user(RO, Write, present(false, false, false, 1)), denied(Write, R));
    assert_eq!(user(NONE, Read, NotMapped), denied(Read, VmFlags::MAYREAD));
    assert_eq!(user(RO, Exec, NotMapped), denied(Exec, R));
    assert_eq!(user(TEXT, Write, present(false, false, false, 1)), denied(Write, RX));
}

#[test]
fn v2_allowed_accesses() {
    // Exec needs EXEC; a write-only area is readable (x86 cannot do write-only).
    assert_eq!(user(TEXT, Exec, present(false, false, false, 1)), Action::Spurious);
    assert_eq!(user(WO, Read, NotMapped), Action::MapZeroPage);
}

#[test]
fn p1_present_read_is_spurious() {
    assert_eq!(user(ANON, Read, present(false, true, false, 3)), Action::Spurious);
    assert_eq!(user(TEXT, Exec, present(false, false, false, 1)), Action::Spurious);
}

#[test]
fn p2_present_writable_write_is_spurious() {
    assert_eq!(user(ANON, Write, present(true, false, false, 1)), Action::Spurious);
}

#[test]
fn p3_write_to_zero_page_breaks_it() {
    assert_eq!(user(ANON, Write, present(false, true, true, 7)), Action::ZeroPageBreak);
    assert_eq!(user(DATA + 0x2000, Write, present(false, false, true, 1)), Action::ZeroPageBreak);
}

#[test]
fn p4_shared_mapping_page_made_writable() {
    assert_eq!(user(SHANON, Write, present(false, false, false, 2)), Action::MakeWritable);
    assert_eq!(user(DEV, Write, present(false, false, false, 0)), Action::MakeWritable);
}

#[test]
fn p5_cow_sole_owner_takes_over() {
    assert_eq!(user(ANON, Write, present(false, true, false, 1)), Action::TakeOver);
}

#[test]
fn p6_cow_shared_is_copied() {
    assert_eq!(user(ANON, Write, present(false, true, false, 2)), Action::CopyPage);
    assert_eq!(user(DATA, Write, present(false, true, false, 0)), Action::CopyPage);
}

#[test]
fn p7_private_read_only_pte_after_mprotect() {
    assert_eq!(user(ANON, Write, present(false, false, false, 1)), Action::MakeWritable);
}

#[test]
fn n1_physical() {
    let a = user(DEV + 2 * PAGE_SIZE + 5, Read, NotMapped);
    assert_eq!(a, Action::MapPhysical { frame: Frame::from_number(0xBA), writable: true });
}

#[test]
fn n2_past_end_of_file_is_sigbus() {
    let a = user(SHORT + PAGE_SIZE, Read, NotMapped);
    assert_eq!(a, Action::Refuse(Refusal::Bus(BusReason::PastEndOfFile { offset: 0x1000, size: 0x800 })));
}

#[test]
fn n3_private_zero_tail_is_anonymous() {
    assert_eq!(user(DATA + 0x2000, Read, NotMapped), Action::MapZeroPage);
    assert_eq!(user(DATA + 0x2000, Write, NotMapped), Action::MapFreshZeroed { writable: true });
}

#[test]
fn n4_file_pages() {
    let fill = |offset, bytes, writable| Action::FillFromFile { offset, bytes, writable };
    let cache = |index, writable, cow| Action::MapFilePage { index, writable, cow };
    // N4a: private reads of pages the data covers whole share the page cache, copy-on-write.
    assert_eq!(user(TEXT + 0x1abc, Exec, NotMapped), cache(1, false, true));
    assert_eq!(user(DATA, Read, NotMapped), cache(1, false, true));
    // N4b: a private write, or a page cut by `limit`, is a private copy.
    assert_eq!(user(DATA, Write, NotMapped), fill(0x1000, 0x1000, true));
    assert_eq!(user(DATA + 0x1000, Read, NotMapped), fill(0x2000, 0x234, true));
    // N4: shared: the cache page, as writable as the area.
    assert_eq!(user(SHORT, Read, NotMapped), cache(0, false, false));
}

#[test]
fn n5_shared_anonymous_never_uses_the_zero_page() {
    assert_eq!(user(SHANON, Read, NotMapped), Action::MapFreshZeroed { writable: true });
}

#[test]
fn n6_private_anonymous_write() {
    assert_eq!(user(ANON + 0x1000, Write, NotMapped), Action::MapFreshZeroed { writable: true });
}

#[test]
fn n7_private_anonymous_read() {
    assert_eq!(user(ANON, Read, NotMapped), Action::MapZeroPage);
}

#[test]
fn g1_hole_without_stack_above() {
    assert_eq!(user(0x0045_0000, Read, NotMapped), Action::Refuse(Refusal::Segv(SegvReason::NoMapping)));
    // The area above is not a stack.
    assert_eq!(user(ANON - 0x10, Write, NotMapped), Action::Refuse(Refusal::Segv(SegvReason::NoMapping)));
}

#[test]
fn g2_stack_forbids_access() {
    let a = user(STACK_START - 4, Exec, NotMapped);
    assert_eq!(a, Action::Refuse(Refusal::Segv(SegvReason::AccessDenied { access: Exec, flags: STACK })));
}

#[test]
fn g3_stack_limit() {
    let lowest = STACK_END - STACK_LIMIT;
    let a = user(lowest, Write, NotMapped);
    assert_eq!(a, Action::GrowStack { vma_start: page(STACK_START), new_start: page(lowest) });
    let a = user(lowest - 1, Write, NotMapped);
    assert_eq!(a, Action::Refuse(Refusal::Segv(SegvReason::StackLimit)));
    // An overflow reaches at most a guard gap past the limit; further down is a plain miss.
    let a = user(lowest - STACK_GUARD_GAP, Write, NotMapped);
    assert_eq!(a, Action::Refuse(Refusal::Segv(SegvReason::StackLimit)));
    let a = user(lowest - STACK_GUARD_GAP - PAGE_SIZE, Write, NotMapped);
    assert_eq!(a, Action::Refuse(Refusal::Segv(SegvReason::NoMapping)));
}

#[test]
fn g4_guard_gap() {
    let mut t = space();
    let below_end = STACK_START - 0x20_0000;
    add(&mut t, below_end - PAGE_SIZE, 1, RW, Backing::Anonymous);
    let fault = |a| decide(&at(a, Write, Mode::User), &t, NotMapped);
    let ok = below_end + STACK_GUARD_GAP;
    assert_eq!(fault(ok), Action::GrowStack { vma_start: page(STACK_START), new_start: page(ok) });
    assert_eq!(fault(ok - 1), Action::Refuse(Refusal::Segv(SegvReason::GuardGap)));
    // A PROT_NONE area or another stack below does not count.
    let mut t = space();
    add(&mut t, below_end - PAGE_SIZE, 1, VmFlags::MAYREAD, Backing::Anonymous);
    let a = decide(&at(below_end + 4, Write, Mode::User), &t, NotMapped);
    assert!(matches!(a, Action::GrowStack { .. }));
    let mut t = space();
    add(&mut t, below_end - PAGE_SIZE, 1, STACK, Backing::Anonymous);
    let a = decide(&at(below_end + 4, Write, Mode::User), &t, NotMapped);
    assert!(matches!(a, Action::GrowStack { .. }));
}

#[test]
fn g5_grow_then_decide_again() {
    let mut t = space();
    let addr = STACK_START - 3 * PAGE_SIZE + 0x10;
    let Action::GrowStack { vma_start, new_start } =
        decide(&at(addr, Write, Mode::User), &t, NotMapped)
    else {
        panic!("expected growth");
    };
    assert_eq!(new_start, page(STACK_START - 3 * PAGE_SIZE));
    t.extend_down(vma_start, new_start).unwrap();
    let a = decide(&at(addr, Write, Mode::User), &t, NotMapped);
    assert_eq!(a, Action::MapFreshZeroed { writable: true });
}

#[test]
fn si_codes() {
    assert_eq!(SegvReason::NoMapping.si_code(), 1);
    let denied = SegvReason::AccessDenied { access: Read, flags: VmFlags::empty() };
    assert_eq!(denied.si_code(), 2);
}

#[test]
fn kernel_regions() {
    let r = |a| kernel_region(VirtAddr::new(a));
    assert_eq!(r(0xBFFF_FFFF), KernelRegion::User);
    assert_eq!(r(0xC010_0000), KernelRegion::ImageAndHeap);
    assert_eq!(r(0xD000_0000), KernelRegion::Vmalloc);
    assert_eq!(r(0xEFFF_F000), KernelRegion::Vmalloc);
    assert_eq!(r(0xFF00_0000), KernelRegion::Unused);
    assert_eq!(r(0xFF7F_E000), KernelRegion::TempSpot(0));
    assert_eq!(r(0xFF7F_FFFF), KernelRegion::TempSpot(1));
    assert_eq!(r(0xFF80_0000), KernelRegion::PageTables);
    assert_eq!(r(0xFFFF_FFFF), KernelRegion::PageTables);
}
