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

/// Allocates a frame (reference count 1); its contents are undefined. `None` when RAM is full
/// (or when failure injection says so).
pub fn alloc() -> Option<Frame> {
    with(|f| f.alloc())
}

/// [`alloc`] for the page-fault path: one attempt at the lock first, which on our single CPU
/// (interrupts off, nobody else holding it) always succeeds, so the spin loop is not entered;
/// the ordinary lock if the attempt fails.
pub fn alloc_uncontended() -> Option<Frame> {
    match FRAMES.try_lock() {
        Some(mut guard) => guard.as_mut().expect("invariant: frame allocator installed at boot").alloc(),
        None => alloc(),
    }
}

/// Allocates a frame filled with zeroes.
pub fn alloc_zeroed() -> Option<Frame> {
    let frame = alloc()?;
    super::tempmap::zero_frame(frame);
    Some(frame)
}

/// Allocates `count` physically contiguous frames aligned to `align` frames.
pub fn alloc_contiguous(count: u32, align: u32) -> Option<Frame> {
    with(|f| f.alloc_contiguous(count, align))
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

/// Drops a reference; the frame is freed when none is left. Returns whether it was freed.
pub fn dec_ref(frame: Frame) -> bool {
    match with(|f| f.dec_ref(frame)) {
        Ok(DecRef::Freed) => true,
        Ok(DecRef::StillShared(_)) => false,
        Err(e) => panic!("frame release: {e}"),
    }
}

/// Frees a frame that has exactly one reference.
pub fn free(frame: Frame) {
    with(|f| f.free(frame)).unwrap_or_else(|e| panic!("frame free: {e}"))
}

/// The reference count of an allocated frame (0 if free).
pub fn refcount(frame: Frame) -> u32 {
    with(|f| f.refcount(frame)).unwrap_or_else(|e| panic!("frame refcount: {e}"))
}

/// The allocator's counters.
pub fn counters() -> FrameCounters {
    let guard = FRAMES.lock();
    guard.as_ref().map(|f| f.counters()).unwrap_or_default()
}

/// Whether the allocator is up.
pub fn ready() -> bool {
    FRAMES.lock().is_some()
}

/// The frame source for user page tables: zeroed frames from the allocator.
pub struct TableFrames;

impl vmcore::paging::FrameSource for TableFrames {
    fn alloc_table(&mut self) -> Option<Frame> {
        alloc_zeroed()
    }
    fn free_table(&mut self, f: Frame) {
        free(f)
    }
}
