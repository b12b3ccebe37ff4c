//! Per-frame owner records (Linux's `page->mapping` and `page->index`): which memory object's
//! page a frame caches. `owner == 0` is an anonymous or kernel frame; otherwise it is the
//! object's slot in `objects::OBJECTS` and `index` the page index there. This is what tells a
//! file page from an anonymous one when a reference is dropped, without asking the page cache
//! (`phys::KernelPhys::dec_ref`). An anonymous frame leaves `index` unused: that word (and an
//! owner tag of its own) is the room swap will need for a swap slot or an anonymous reverse
//! map.
//!
//! One record per frame of the frame database, 8 bytes each (256 KiB at 128 MiB, 6 MiB at
//! 3 GiB), in the frame database itself (`setup.rs` maps it after the reference counts). It is
//! not zeroed at boot: the records are initialised up to the frame allocator's watermark
//! (`FrameAllocator::ready`), a chunk at a time when an allocation raises it ([`cover`], under
//! the allocator's lock), so a frame's record is zero before the frame is first handed out and
//! boot does not depend on the amount of RAM. A record above the watermark is never read.
//!
//! A page-table frame has no owner: its `index` word holds the table's sharing record
//! ([`table_word`], `ptshare::TableMeta` encoded by `phys.rs`), reset when the table is
//! allocated. Each load and store of it is atomic; the read-modify-write of a sharer count is
//! done under the address-space lock of the space changing it, enough on one CPU (with several,
//! two spaces dropping the same table hold different locks: the update must become a
//! `fetch_sub` on this word).
//!
//! The fields are written under the owning object's page lock and read without it: a reader
//! (`dec_ref`) re-checks under that lock that the object still holds this frame at `index`, so a
//! stale or reused record cannot fool it.

use core::sync::atomic::{AtomicU32, Ordering};
use spin::Once;
use vmcore::addr::{Frame, VirtAddr};

/// One frame's owner.
#[repr(C)]
pub struct FrameMeta {
    owner: AtomicU32,
    index: AtomicU32,
}

/// Bytes of one record (the frame database's layout).
pub const RECORD_BYTES: usize = core::mem::size_of::<FrameMeta>();

static META: Once<&'static [FrameMeta]> = Once::new();
/// The records of frames below this number are initialised.
static READY: AtomicU32 = AtomicU32::new(0);

/// Takes the records' storage (boot, once, after the frame allocator is installed) and
/// initialises the records of the frames allocated so far.
pub fn init(storage: (VirtAddr, usize)) {
    let (start, bytes) = storage;
    // `setup::init` mapped [start, start + bytes) writable in the frame database for the
    // kernel's lifetime, for these records only, suitably aligned (after the u32 counts, at a
    // multiple of 4); any bit pattern is a valid `FrameMeta` (two `AtomicU32`s, `repr(C)`, no
    // padding), so garbage above the watermark is sound to hold, and every access goes through
    // the atomics, so sharing `&` is sound.
    // SAFETY: the storage is mapped, aligned and ours alone, and any bit pattern is valid (above).
    let meta = unsafe { core::slice::from_raw_parts(start.as_u32() as *const FrameMeta, bytes / RECORD_BYTES) };
    META.call_once(|| meta);
    super::frames::cover_meta();
}

/// The frame allocator's watermark rose to `ready`: initialise the records below it. Called
/// under the allocator's lock after every allocation (one load and compare when it did not).
#[inline]
pub(super) fn cover(ready: u32) {
    if ready > READY.load(Ordering::Relaxed) {
        extend(ready);
    }
}

/// Zeroes the records from the old watermark up to `ready` (once per chunk of RAM).
#[cold]
#[inline(never)]
fn extend(ready: u32) {
    let Some(meta) = META.get() else { return };
    let from = READY.load(Ordering::Relaxed) as usize;
    let to = (ready as usize).min(meta.len());
    for m in &meta[from..to] {
        m.owner.store(0, Ordering::Relaxed);
        m.index.store(0, Ordering::Relaxed);
    }
    READY.store(to as u32, Ordering::Release);
}

fn record(frame: Frame) -> Option<&'static FrameMeta> {
    if frame.number() >= READY.load(Ordering::Acquire) {
        return None; // never allocated: owned by nobody
    }
    META.get()?.get(frame.number() as usize)
}

/// Records that `frame` caches page `index` of the object in `slot` (non-zero).
pub fn set(frame: Frame, slot: u32, index: u32) {
    let m = record(frame).expect("invariant: an allocated frame has an initialised record");
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
    let ready = READY.load(Ordering::Acquire) as usize;
    let meta = META.get().map_or(&[][..], |m| &m[..ready.min(m.len())]);
    for (n, m) in meta.iter().enumerate() {
        let slot = m.owner.load(Ordering::Acquire);
        if slot != 0 {
            f(Frame::from_number(n as u32), slot, m.index.load(Ordering::Relaxed));
        }
    }
}

/// The sharing record of page-table frame `table` (0: never shared since it was allocated).
#[inline]
pub fn table_word(table: Frame) -> u32 {
    record(table).map_or(0, |m| m.index.load(Ordering::Acquire))
}

/// Stores the sharing record of page-table frame `table` (an allocated frame without owner).
#[inline]
pub fn set_table_word(table: Frame, word: u32) {
    let m = record(table).expect("invariant: an allocated frame has an initialised record");
    debug_assert_eq!(m.owner.load(Ordering::Relaxed), 0, "invariant: a page table has no owner");
    m.index.store(word, Ordering::Release);
}
