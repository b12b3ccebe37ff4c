//! Per-frame owner records (Linux's `page->mapping` and `page->index`): which memory object's
//! page a frame caches. `owner == 0` is an anonymous or kernel frame; otherwise it is the
//! object's slot in `objects::OBJECTS` and `index` the page index there.
//!
//! One record per frame of the frame database, 8 bytes each (256 KiB at 128 MiB, 6 MiB at
//! 3 GiB), in a vmalloc area allocated at boot. The fields are written under the owning
//! object's page lock and read without it: a reader (`dec_ref`) re-checks under that lock
//! that the object still holds this frame at `index`, so a stale or reused record cannot fool
//! it.

use super::{frames, vmalloc};
use core::sync::atomic::{AtomicU32, Ordering};
use spin::Once;
use vmcore::addr::Frame;

/// One frame's owner.
#[repr(C)]
pub struct FrameMeta {
    owner: AtomicU32,
    index: AtomicU32,
}

static META: Once<&'static [FrameMeta]> = Once::new();

/// Allocates the records for every frame of the database (boot, once, after vmalloc is up).
pub fn init() {
    let total = frames::counters().total as usize;
    let bytes = total * core::mem::size_of::<FrameMeta>();
    let area = vmalloc::vmalloc(bytes.max(1), "frame owners").expect("boot: the frame owner records");
    let raw = area.leak();
    // SAFETY: `raw` is a fresh, zeroed, page-aligned vmalloc area of at least `total` records, mapped for the kernel's lifetime and referenced by nothing else (leaked); all-zero bytes are a valid `FrameMeta` (two `AtomicU32`s, `repr(C)`, no padding); every later access goes through the atomics, so sharing `&` is sound.
    let meta = unsafe { core::slice::from_raw_parts(raw.as_ptr() as *const FrameMeta, total) };
    META.call_once(|| meta);
}

fn record(frame: Frame) -> Option<&'static FrameMeta> {
    META.get()?.get(frame.number() as usize)
}

/// Records that `frame` caches page `index` of the object in `slot` (non-zero).
pub fn set(frame: Frame, slot: u32, index: u32) {
    let m = record(frame).expect("invariant: a cache frame lies in the frame database");
    m.index.store(index, Ordering::Relaxed);
    m.owner.store(slot, Ordering::Release);
}

/// `frame` no longer belongs to an object.
pub fn clear(frame: Frame) {
    if let Some(m) = record(frame) {
        m.owner.store(0, Ordering::Release);
    }
}

/// `(slot, index)` if `frame` caches an object's page.
#[inline]
pub fn owner(frame: Frame) -> Option<(u32, u32)> {
    let m = record(frame)?;
    match m.owner.load(Ordering::Acquire) {
        0 => None,
        slot => Some((slot, m.index.load(Ordering::Relaxed))),
    }
}

/// Calls `f(frame, slot, index)` for every frame whose record names an owner (the self-check).
pub fn for_each_owned(mut f: impl FnMut(Frame, u32, u32)) {
    for (n, m) in META.get().map_or(&[][..], |m| m).iter().enumerate() {
        let slot = m.owner.load(Ordering::Acquire);
        if slot != 0 {
            f(Frame::from_number(n as u32), slot, m.index.load(Ordering::Relaxed));
        }
    }
}
