//! The physical frame allocator: the `vmcore` bitmap-and-refcount logic over the frame
//! database the boot code mapped after the kernel image, behind an interrupt-safe lock.
//!
//! A frame error (double free, freeing a reserved frame, a reference-count overflow) is a
//! kernel bug: it panics naming the frame.

use crate::sync::IrqMutex;
use vmcore::addr::Frame;
use vmcore::frames::{DecRef, FrameAllocator, FrameCounters};

static FRAMES: IrqMutex<Option<FrameAllocator<'static>>> = IrqMutex::new(None);

/// Installs the allocator (boot code, once).
pub fn install(allocator: FrameAllocator<'static>) {
    let mut f = FRAMES.lock();
    assert!(f.is_none(), "frame allocator installed twice");
    *f = Some(allocator);
}

fn with<R>(op: impl FnOnce(&mut FrameAllocator<'static>) -> R) -> R {
    let mut guard = FRAMES.lock();
    op(guard.as_mut().expect("invariant: frame allocator installed at boot"))
}

/// One allocation under the lock; the owner records follow the allocator's watermark
/// (`framemeta::cover`), so a frame's record is initialised before the frame is handed out.
#[inline]
fn take(f: &mut FrameAllocator<'static>) -> Option<Frame> {
    let frame = f.alloc();
    super::framemeta::cover(f.ready());
    frame
}

/// [`take`] for a process, unless only the reserve is left and the running task may not use
/// it (`super::reserve`).
fn take_for_process(f: &mut FrameAllocator<'static>) -> Option<Frame> {
    if !super::reserve::permits(f.counters().free, 1) {
        return None;
    }
    take(f)
}

/// Initialises the owner records of the frames allocated before they existed (boot, once).
pub(super) fn cover_meta() {
    with(|f| super::framemeta::cover(f.ready()));
}

/// Allocates a frame for a process (reference count 1); its contents are undefined. `None`
/// when RAM is full but for the reserve (`super::reserve`), or when failure injection says so
/// (`fail_page_alloc=N`).
pub fn alloc() -> Option<Frame> {
    if super::inject::frames_injected() {
        return alloc_injected();
    }
    with(take_for_process)
}

/// `alloc` with failure injection on (kept out of line: the hot path stays lean).
#[cold]
#[inline(never)]
fn alloc_injected() -> Option<Frame> {
    if super::inject::fail_frame() {
        return None;
    }
    with(take_for_process)
}

/// [`alloc`] for the page-fault path: one attempt at the lock first, which on our single CPU
/// (interrupts off, nobody else holding it) always succeeds, so the spin loop is not entered;
/// the ordinary lock if the attempt fails.
pub fn alloc_uncontended() -> Option<Frame> {
    match FRAMES.try_lock() {
        Some(mut guard) => take_for_process(guard.as_mut().expect("invariant: frame allocator installed at boot")),
        None => alloc(),
    }
}

/// Allocates a frame filled with zeroes.
pub fn alloc_zeroed() -> Option<Frame> {
    let frame = alloc()?;
    super::tempmap::zero_frame(frame);
    Some(frame)
}

/// Allocates a zeroed frame for the kernel's own mappings (heap growth, vmalloc), which failure
/// injection leaves alone: their callers cannot fail gracefully.
pub fn alloc_zeroed_for_kernel() -> Option<Frame> {
    let frame = with(take)?;
    super::tempmap::zero_frame(frame);
    Some(frame)
}

#[cfg(feature = "ktest")]
/// Allocates `count` physically contiguous frames aligned to `align` frames.
pub fn alloc_contiguous(count: u32, align: u32) -> Option<Frame> {
    if super::inject::fail_frame() {
        return None;
    }
    with(|f| {
        let first = f.alloc_contiguous(count, align);
        super::framemeta::cover(f.ready());
        first
    })
}

/// Adds a reference to an allocated frame; returns the new count.
pub fn inc_ref(frame: Frame) -> u32 {
    with(|f| f.inc_ref(frame)).unwrap_or_else(|e| panic!("frame reference: {e}"))
}

/// Adds a reference to each of `frames` under one acquisition of the allocator lock (`fork`
/// sharing a batch of pages). Panics like [`inc_ref`] on a frame that cannot take one.
pub fn inc_refs(frames: &[Frame]) {
    let failed = with(|f| {
        for &frame in frames {
            if let Err(e) = f.inc_ref(frame) {
                return Err(e);
            }
        }
        Ok(())
    });
    if let Err(e) = failed {
        panic!("frame reference: {e}");
    }
}

/// Fills a frame that is about to be freed with the poison byte (self-checks only).
fn poison(frame: Frame) {
    if super::selfcheck::enabled() {
        super::tempmap::TempMap::new(frame).bytes().fill(super::selfcheck::POISON);
    }
}

/// Drops a reference; the frame is freed when none is left. Returns whether it was freed.
pub fn dec_ref(frame: Frame) -> bool {
    release(frame) == DecRef::Freed
}

/// Drops a reference and says what is left: freed, or the references that remain (so a caller
/// deciding on the count needs no second look at the allocator).
pub fn release(frame: Frame) -> DecRef {
    if super::selfcheck::enabled() && refcount(frame) == 1 {
        poison(frame);
    }
    with(|f| f.dec_ref(frame)).unwrap_or_else(|e| panic!("frame release: {e}"))
}

/// Frees a frame that has exactly one reference.
pub fn free(frame: Frame) {
    if super::selfcheck::enabled() {
        return free_poisoned(frame);
    }
    with(|f| f.free(frame)).unwrap_or_else(|e| panic!("frame free: {e}"))
}

/// `free` with self-checks on: the frame is poisoned first (out of line: the hot path stays
/// lean).
#[cold]
#[inline(never)]
fn free_poisoned(frame: Frame) {
    if with(|f| f.refcount(frame)) == Ok(1) {
        poison(frame);
    }
    with(|f| f.free(frame)).unwrap_or_else(|e| panic!("frame free: {e}"))
}

/// The reference count of an allocated frame (0 if free).
pub fn refcount(frame: Frame) -> u32 {
    with(|f| f.refcount(frame)).unwrap_or_else(|e| panic!("frame refcount: {e}"))
}

/// A frame's state (free, used with its count, reserved); `None` beyond the managed range.
pub fn state(frame: Frame) -> Option<vmcore::frames::FrameState> {
    with(|f| f.state(frame))
}

/// The allocator's counters.
pub fn counters() -> FrameCounters {
    let guard = FRAMES.lock();
    guard.as_ref().map(|f| f.counters()).unwrap_or_default()
}

#[cfg(feature = "ktest")]
/// The frame source for user page tables: zeroed frames from the allocator.
pub struct TableFrames;

#[cfg(feature = "ktest")]
impl vmcore::paging::FrameSource for TableFrames {
    fn alloc_table(&mut self) -> Option<Frame> {
        alloc_zeroed()
    }
    fn free_table(&mut self, f: Frame) {
        free(f)
    }
}
