//! Resource limits the space enforces: RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK, and the mlock
//! counts.

use super::*;
use crate::errno::Errno;
use crate::layout::USER_END;
use crate::mspace::{VmLimits, RLIM_INFINITY};
use crate::vma::VmaName;

const P: u32 = PAGE_SIZE;
const RO: VmFlags = VmFlags::READ.union(VmFlags::MAYREAD).union(VmFlags::MAYWRITE);
const A: u32 = 0x1000_0000;
const H: u32 = 0x0900_0000;

fn set(w: &mut World<'_>, s: usize, limits: VmLimits) {
    w.with(s, |sp, _, _| (sp.set_limits(limits), SpaceFlush::new()));
}

fn limits(as_: u32, data: u32) -> VmLimits {
    VmLimits { as_, data, data_max: data, ..VmLimits::DEFAULT }
}

fn brk(w: &mut World<'_>, s: usize, new: u32) -> Result<(), BrkError> {
    w.with(s, |sp, t, p| match sp.set_brk(VirtAddr::new(new), t, p) {
        Ok(f) => (Ok(()), f),
        Err(e) => (Err(e), SpaceFlush::new()),
    })
}

#[test]
fn rlimit_as_counts_every_area() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    set(&mut w, s, limits(16 * P, RLIM_INFINITY));
    w.map_at(s, A, 10, RO);
    assert_eq!(w.map(s, MapRequest::anonymous(7, RW)), Err(MapError::LimitExceeded));
    assert_eq!(w.map(s, MapRequest::anonymous(7, RO)), Err(MapError::LimitExceeded));
    assert_eq!(Errno::from(MapError::LimitExceeded), Errno::ENOMEM);
    w.map(s, MapRequest::anonymous(6, RW)).unwrap();
    assert_eq!(w.stats(s).v_size, 16);
    // MAP_FIXED over existing pages: only the growth counts.
    w.map(s, MapRequest::anonymous(4, RW).fixed(pg(A))).unwrap();
    assert_eq!(w.map(s, MapRequest::anonymous(11, RW).fixed(pg(A))), Err(MapError::LimitExceeded));
    // A move (mremap) counts only its growth: the replaced pages go away after it.
    assert_eq!(w.map(s, MapRequest::anonymous(6, RW)), Err(MapError::LimitExceeded));
    w.map(s, MapRequest::anonymous(6, RW).replacing(6)).unwrap();
    // A limit that is not a page multiple rounds down.
    set(&mut w, s, limits(17 * P - 1, RLIM_INFINITY));
    assert_eq!(w.map(s, MapRequest::anonymous(1, RO)), Err(MapError::LimitExceeded));
    w.finish();
}

#[test]
fn rlimit_data_counts_private_writable_non_stack_areas() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    set(&mut w, s, limits(RLIM_INFINITY, 8 * P));
    w.map_at(s, A, 6, RW);
    w.map_at(s, A + 0x10_0000, 50, RO); // not data
    let shared = RW | VmFlags::SHARED | VmFlags::MAYSHARE;
    w.map(s, MapRequest::anonymous(50, shared)).unwrap(); // not data
    let stack = RW | VmFlags::GROWSDOWN;
    w.map(s, MapRequest::anonymous(50, stack).fixed(pg(USER_END - 50 * P)).named(VmaName::Stack)).unwrap();
    assert_eq!(w.space(s).data_pages(), 6);
    assert_eq!(w.map(s, MapRequest::anonymous(3, RW)), Err(MapError::LimitExceeded));
    w.map(s, MapRequest::anonymous(2, RW)).unwrap();
    assert_eq!(w.space(s).data_pages(), 8);
    // Linux's exception: a soft limit of 0 allows data up to the hard limit.
    set(&mut w, s, VmLimits { data: 0, data_max: 9 * P, ..VmLimits::DEFAULT });
    w.map(s, MapRequest::anonymous(1, RW)).unwrap();
    assert_eq!(w.map(s, MapRequest::anonymous(1, RW)), Err(MapError::LimitExceeded));
    w.finish();
}

#[test]
fn brk_honours_rlimit_data_and_rlimit_as() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.with(s, |sp, _, _| (sp.init_heap(pg(H)), SpaceFlush::new())).unwrap();
    set(&mut w, s, limits(RLIM_INFINITY, 4 * P));
    brk(&mut w, s, H + 4 * P).unwrap();
    assert_eq!(brk(&mut w, s, H + 4 * P + 1), Err(BrkError::LimitExceeded));
    assert_eq!(w.space(s).heap().unwrap().brk, VirtAddr::new(H + 4 * P), "break unchanged on refusal");
    // Other data counts too (may_expand_vm) once the heap's own size is within the limit.
    brk(&mut w, s, H + 2 * P).unwrap();
    w.map_at(s, A, 2, RW);
    assert_eq!(brk(&mut w, s, H + 3 * P), Err(BrkError::LimitExceeded));
    assert_eq!(Errno::from(BrkError::LimitExceeded), Errno::ENOMEM);
    set(&mut w, s, limits(5 * P, RLIM_INFINITY));
    brk(&mut w, s, H + 3 * P).unwrap();
    assert_eq!(brk(&mut w, s, H + 4 * P), Err(BrkError::LimitExceeded));
    w.finish();
}

#[test]
fn the_stack_limit_is_the_spaces_and_rlimit_as_stops_growth_too() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let top = USER_END - 4 * P;
    w.map(s, MapRequest::anonymous(4, RW | VmFlags::GROWSDOWN).fixed(pg(top)).named(VmaName::Stack)).unwrap();
    set(&mut w, s, VmLimits { stack: 16 * P, ..VmLimits::DEFAULT });
    assert_eq!(w.read(s, USER_END - 16 * P), Ok(0));
    assert_eq!(w.read(s, USER_END - 16 * P - 1), Err(Sig::Segv(SegvReason::StackLimit)));
    set(&mut w, s, VmLimits { as_: 20 * P, ..VmLimits::DEFAULT });
    w.map_at(s, A, 2, RO);
    assert_eq!(w.read(s, USER_END - 18 * P), Ok(0));
    assert_eq!(w.read(s, USER_END - 19 * P), Err(Sig::Segv(SegvReason::StackLimit)));
    assert_eq!(w.stats(s).v_size, 20);
    w.finish();
}

#[test]
fn fork_copies_the_limits() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let l = VmLimits { stack: 64 * P, as_: 1000 * P, data: 100 * P, data_max: 200 * P };
    set(&mut w, s, l);
    let c = w.fork(s).unwrap();
    assert_eq!(w.space(c).limits(), l);
    w.finish();
}

#[test]
fn locked_pages_count_locked_areas_and_their_overlap_with_a_range() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 10, RW);
    w.map_at(s, A + 20 * P, 4, RW | VmFlags::LOCKED);
    w.lock(s, A + 2 * P, 3).unwrap();
    assert_eq!(w.space(s).locked_pages(), 7);
    assert_eq!(w.space(s).locked_pages_in(pg(A), 10), 3);
    assert_eq!(w.space(s).locked_pages_in(pg(A + 3 * P), 30), 6);
    assert_eq!(w.space(s).locked_pages_in(pg(A + 22 * P), 1), 1);
    assert_eq!(w.space(s).locked_pages_in(pg(A + 5 * P), 15), 0);
    w.unlock(s, A, 10).unwrap();
    w.unlock(s, A + 20 * P, 4).unwrap();
    assert_eq!(w.space(s).locked_pages(), 0);
    w.finish();
}

#[test]
fn mprotect_making_private_memory_writable_counts_against_rlimit_data() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    set(&mut w, s, limits(RLIM_INFINITY, 8 * P));
    w.map_at(s, A, 6, RW);
    w.map_at(s, A + 0x10_0000, 4, RO);
    let shared = RO | VmFlags::SHARED | VmFlags::MAYSHARE;
    w.map(s, MapRequest::anonymous(20, shared).fixed(pg(A + 0x20_0000))).unwrap();
    assert_eq!(w.protect(s, A + 0x10_0000, 4, VmFlags::READ | VmFlags::WRITE), Err(ProtectError::LimitExceeded));
    assert_eq!(Errno::from(ProtectError::LimitExceeded), Errno::ENOMEM);
    assert_eq!(w.space(s).data_pages(), 6, "nothing changed");
    w.protect(s, A + 0x10_0000, 2, VmFlags::READ | VmFlags::WRITE).unwrap();
    assert_eq!(w.space(s).data_pages(), 8);
    // Already data, or shared: no growth of data.
    w.protect(s, A, 6, VmFlags::READ | VmFlags::WRITE).unwrap();
    w.protect(s, A + 0x20_0000, 20, VmFlags::READ | VmFlags::WRITE).unwrap();
    w.finish();
}
