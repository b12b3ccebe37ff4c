//! The registry of memory objects (docs/files.md "The page cache"): slot → object, so that a
//! frame's owner record (`framemeta`) leads `dec_ref` to the object caching it, and the
//! self-check and `/proc/meminfo` can visit every cache.

use super::framemeta;
use super::object::MemObject;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use vmcore::addr::Frame;
use vmcore::errno::Errno;
use vmcore::radix::{Preload, Radix};

/// Every live object by slot, for `dec_ref` (frame owner → object) and the self-check. A radix
/// tree with the lowest free slot taken: its shape depends only on the set of live slots, so
/// creating and deleting a file gives every byte of heap back (the exact leak checks).
static OBJECTS: spin::Mutex<Radix<Weak<MemObject>>> = spin::Mutex::new(Radix::new());

/// A slot for a new object, holding a placeholder (`ENOMEM` if the registry cannot grow).
pub(super) fn take_slot() -> Result<u32, Errno> {
    let mut pre = Preload::new();
    loop {
        let mut reg = OBJECTS.lock();
        let mut slot = 1u32;
        while let Some((k, _)) = reg.next_from(slot) {
            if k != slot {
                break;
            }
            slot = slot.checked_add(1).ok_or(Errno::ENOMEM)?;
        }
        match reg.insert(slot, Weak::new(), &mut pre) {
            Ok(_) => return Ok(slot),
            Err((need, _)) => {
                drop(reg);
                crate::mm::inject::fallible(|| pre.fill(need.0)).map_err(|_| Errno::ENOMEM)?;
            }
        }
    }
}

/// Puts `obj` in its slot (taken by [`take_slot`]).
pub(super) fn publish(slot: u32, obj: &Arc<MemObject>) {
    let mut none = Preload::new();
    let Ok(_) = OBJECTS.lock().insert(slot, Arc::downgrade(obj), &mut none) else {
        unreachable!("invariant: the slot holds a placeholder");
    };
}

/// Frees a dead object's slot.
pub(super) fn release_slot(slot: u32) {
    OBJECTS.lock().remove(slot);
}

/// The live object in `slot`.
pub(super) fn object(slot: u32) -> Option<Arc<MemObject>> {
    OBJECTS.lock().get(slot)?.upgrade()
}

/// The live object with identity `id` ([`MemObject::id`]).
pub fn by_id(id: u64) -> Option<Arc<MemObject>> {
    object(u32::try_from(id).ok()?)
}

/// Every live object.
pub fn live_objects() -> Vec<Arc<MemObject>> {
    let mut out = Vec::new();
    OBJECTS.lock().for_each(|_, w| out.extend(w.upgrade()));
    out
}

/// `KernelPhys::dec_ref`'s second half: `frame` has one reference left; if that is the cache's
/// and the page is clean, drop it. Returns whether the frame was freed.
pub fn release_if_cached(frame: Frame) -> bool {
    let Some((slot, index)) = framemeta::owner(frame) else { return false };
    match object(slot) {
        Some(obj) => obj.drop_if_clean(index, frame),
        None => false,
    }
}

/// A shared mapping wrote `frame` (its entry was dirty when unmapped): the cache now holds the
/// only copy.
pub fn mark_dirty(frame: Frame) {
    let Some((slot, index)) = framemeta::owner(frame) else { return };
    if let Some(obj) = object(slot) {
        obj.set_dirty(index, frame);
    }
}

/// Pages in every object's cache: counted under the registry's lock, object by object, with
/// no list made (it is read by `/proc/meminfo`, whose reader's allocations may fail). The
/// reference taken to count is never the last one: on our single CPU nobody drops theirs while
/// the lock is held, so no object's drop (which takes this lock) runs inside.
pub fn cached_count() -> usize {
    let mut pages = 0;
    OBJECTS.lock().for_each(|_, w| pages += w.upgrade().map_or(0, |o| o.cached_pages()));
    pages
}
