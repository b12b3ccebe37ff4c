//! Self-check of the page cache (part of `selfcheck`'s walk, after the address spaces): every
//! cached page's frame
//!
//! - records its owner (`framemeta`) as exactly that object and page index, and every frame
//!   whose record names an owner is cached there (no stale record on a freed or reused frame);
//! - has a reference count of the cache's own reference plus one per mapping of it in any
//!   address space (a missing reference is a use after free waiting to happen, an extra one a
//!   leak).
//!
//! The kernel is not preempted, so nothing changes while the walk runs; each object's pages
//! are read under its page lock. An inconsistency is a kernel bug: typed here, the caller
//! panics with it.

use super::frames;
use super::framemeta;
use super::objects;
use alloc::collections::BTreeMap;
use core::fmt;
use vmcore::addr::Frame;
use vmcore::frames::FrameState;

/// A cached page: its object's slot and page index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachePage {
    /// The object's slot (its id).
    pub slot: u32,
    /// The page index in the object.
    pub index: u32,
}

/// What the page-cache check found wrong.
#[derive(Debug)]
pub enum CacheError {
    /// A cached frame's owner record does not name the page caching it.
    Record {
        /// The frame.
        frame: Frame,
        /// The object caching it.
        slot: u32,
        /// What its record says.
        record: Option<(u32, u32)>,
    },
    /// A frame cached twice (by two pages).
    Twice(Frame, CachePage, CachePage),
    /// A frame's owner record names a page that does not cache it.
    StaleRecord {
        /// The frame.
        frame: Frame,
        /// The record's page.
        record: CachePage,
        /// The frame's state.
        state: Option<FrameState>,
    },
    /// A cached frame's reference count is not the cache's plus its mappings.
    Refs {
        /// The frame.
        frame: Frame,
        /// The page caching it.
        cached: CachePage,
        /// Its mappings.
        maps: u32,
        /// Its state.
        state: Option<FrameState>,
    },
}

impl fmt::Display for CacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheError::Record { frame, slot, record } => write!(
                f,
                "{frame:?} is cached by object {slot} but its owner record (object, index) is {record:?}, not where that object holds it"
            ),
            CacheError::Twice(frame, a, b) => write!(f, "{frame:?} is cached twice: {a:?} and {b:?}"),
            CacheError::StaleRecord { frame, record, state } => write!(
                f,
                "{frame:?}'s owner record names page {} of object {}, which does not cache it (frame {state:?})",
                record.index, record.slot
            ),
            CacheError::Refs { frame, cached, maps, state } => write!(
                f,
                "{frame:?} caches page {} of object {} and is mapped {maps} time(s), so it needs {} reference(s), but its state is {state:?}",
                cached.index,
                cached.slot,
                maps + 1
            ),
        }
    }
}

/// Every cached page by frame, each checked against its owner record: the record names the
/// object, and the object's tree holds the frame at the record's index.
pub fn cached_pages() -> Result<BTreeMap<Frame, CachePage>, CacheError> {
    let mut out = BTreeMap::new();
    for obj in objects::live_objects() {
        for frame in obj.cached_frame_list() {
            let record = framemeta::owner(frame);
            let page = match record {
                Some((slot, index)) if slot == obj.slot => CachePage { slot, index },
                _ => return Err(CacheError::Record { frame, slot: obj.slot, record }),
            };
            if obj.map.lock().pages.get(page.index).map(|c| c.frame) != Some(frame) {
                return Err(CacheError::Record { frame, slot: obj.slot, record });
            }
            if let Some(other) = out.insert(frame, page) {
                return Err(CacheError::Twice(frame, other, page));
            }
        }
    }
    Ok(out)
}

/// Checks the cache against the frames: `maps` counts each data frame's mappings over every
/// address space; `cache` is [`cached_pages`].
pub fn verify(cache: &BTreeMap<Frame, CachePage>, maps: &BTreeMap<Frame, u32>) -> Result<(), CacheError> {
    for (&frame, &cached) in cache {
        let maps = maps.get(&frame).copied().unwrap_or(0);
        let state = frames::state(frame);
        if state != Some(FrameState::Used(maps + 1)) {
            return Err(CacheError::Refs { frame, cached, maps, state });
        }
    }
    let mut err = None;
    framemeta::for_each_owned(|frame, slot, index| {
        let record = CachePage { slot, index };
        if err.is_none() && cache.get(&frame) != Some(&record) {
            err = Some(CacheError::StaleRecord { frame, record, state: frames::state(frame) });
        }
    });
    err.map_or(Ok(()), Err)
}
