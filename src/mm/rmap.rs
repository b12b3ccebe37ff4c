//! The kernel's side of the reverse map (docs/files.md "The reverse map"): [`SpacePhys`], the
//! `PhysOps` every address-space edit gets, reports file areas coming and going into their
//! object's `MapperSet` (vmcore's `RmapOps`); [`unmap_from_all`] and [`zap_frames_from_all`]
//! walk a set to remove an object's pages from every space mapping them (truncate, punch).
//!
//! Lock order: an address space's lock, then an object's `rmap` lock (edits link under the
//! space lock). A walker copies what it needs out of `rmap` and drops it before taking any
//! space lock.

use super::aspace::AddressSpace;
use super::object::MemObject;
use super::objects;
use super::phys::KernelPhys;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use vmcore::addr::Frame;
use vmcore::errno::Errno;
use vmcore::mspace::{Area, PhysOps, RmapOps};
use vmcore::paging::FrameSource;
use vmcore::rmap::{Mapper, NoMemory};
use vmcore::vma::FileObject;

/// The mappers of an object: the areas' spaces, as weak references.
pub type Mappers = vmcore::rmap::MapperSet<Weak<AddressSpace>>;

/// `KernelPhys` for edits of one address space: the same frames, plus the reverse map.
pub struct SpacePhys<'a> {
    space: &'a AddressSpace,
    /// The object of the last file reported (an edit reports one file several times in a row:
    /// reserve, link, settle), so that the registry is searched once.
    last: Option<(u64, Arc<MemObject>)>,
}

impl<'a> SpacePhys<'a> {
    /// The physical operations for edits of `space`.
    pub fn new(space: &'a AddressSpace) -> Self {
        SpacePhys { space, last: None }
    }

    /// The memory object behind `file`, if it has one.
    fn object_of(&mut self, file: &Arc<dyn FileObject>) -> Option<&MemObject> {
        let id = file.object_id();
        if id == 0 {
            return None;
        }
        if self.last.as_ref().map(|(i, _)| *i) != Some(id) {
            self.last = Some((id, objects::by_id(id)?));
        }
        self.last.as_ref().map(|(_, o)| &**o)
    }
}

impl RmapOps for SpacePhys<'_> {
    fn rmap_reserve(&mut self, file: &Arc<dyn FileObject>, more: usize) -> Result<(), NoMemory> {
        match self.object_of(file) {
            Some(obj) => crate::mm::inject::fallible(|| obj.rmap().lock().reserve(more)),
            None => Ok(()),
        }
    }
    fn rmap_link(&mut self, file: &Arc<dyn FileObject>, area: &Area) {
        let (space, space_id) = (self.space.weak(), self.space.id());
        if let Some(obj) = self.object_of(file) {
            let m = Mapper { space, space_id, start: area.start, pages: area.pages, pgoff: area.pgoff, shared: area.shared };
            obj.rmap().lock().link(m);
        }
    }
    fn rmap_unlink(&mut self, file: &Arc<dyn FileObject>, area: &Area) {
        let space_id = self.space.id();
        if let Some(obj) = self.object_of(file) {
            obj.rmap().lock().unlink(space_id, area.start, area.pgoff);
        }
    }
    fn rmap_settle(&mut self, file: &Arc<dyn FileObject>) {
        if let Some(obj) = self.object_of(file) {
            obj.rmap().lock().settle();
        }
    }
}

impl FrameSource for SpacePhys<'_> {
    fn alloc_table(&mut self) -> Option<Frame> {
        KernelPhys.alloc_table()
    }
    fn free_table(&mut self, f: Frame) {
        KernelPhys.free_table(f)
    }
}

impl PhysOps for SpacePhys<'_> {
    fn alloc_frame(&mut self) -> Option<Frame> {
        KernelPhys.alloc_frame()
    }
    fn zero_frame(&mut self, frame: Frame) {
        KernelPhys.zero_frame(frame)
    }
    fn copy_frame(&mut self, src: Frame, dst: Frame) {
        KernelPhys.copy_frame(src, dst)
    }
    fn fill_from_file(&mut self, frame: Frame, file: &dyn FileObject, offset: u64, bytes: u32) {
        KernelPhys.fill_from_file(frame, file, offset, bytes)
    }
    fn inc_ref(&mut self, frame: Frame) -> u32 {
        KernelPhys.inc_ref(frame)
    }
    fn inc_refs(&mut self, frames: &[Frame]) {
        KernelPhys.inc_refs(frames)
    }
    fn dec_ref(&mut self, frame: Frame) -> bool {
        KernelPhys.dec_ref(frame)
    }
    fn refcount(&self, frame: Frame) -> u32 {
        KernelPhys.refcount(frame)
    }
    fn map_count(&self, frame: Frame) -> u32 {
        KernelPhys.map_count(frame)
    }
    fn zero_page(&self) -> Frame {
        KernelPhys.zero_page()
    }
    fn page_dirtied(&mut self, frame: Frame) {
        KernelPhys.page_dirtied(frame)
    }
    fn table_meta(&self, table: Frame) -> vmcore::ptshare::TableMeta {
        KernelPhys.table_meta(table)
    }
    fn set_table_meta(&mut self, table: Frame, meta: vmcore::ptshare::TableMeta) {
        KernelPhys.set_table_meta(table, meta)
    }
    fn copy_table(&mut self, src: Frame, dst: Frame) {
        KernelPhys.copy_table(src, dst)
    }
}

/// The spaces mapping object pages `first` and above, copied out of `rmap` (`ENOMEM` before
/// anything changed).
pub fn spaces_mapping(rmap: &Mappers, first: u64) -> Result<Vec<Weak<AddressSpace>>, Errno> {
    let mut out: Vec<Weak<AddressSpace>> = Vec::new();
    for m in rmap.overlapping(first, u64::MAX) {
        if out.iter().any(|w| Weak::ptr_eq(w, &m.space)) {
            continue;
        }
        crate::mm::inject::fallible(|| out.try_reserve(1)).map_err(|_| Errno::ENOMEM)?;
        out.push(m.space.clone());
    }
    Ok(out)
}

/// Removes object `id`'s pages `first` and above from every space in `spaces` (each under
/// its own lock; a space that died meanwhile is skipped).
pub fn unmap_from_all(spaces: &[Weak<AddressSpace>], id: u64, first: u64) {
    for space in spaces.iter().filter_map(Weak::upgrade) {
        space.edit(|s, t, p| {
            let flush = s.zap_object_pages(id, first, t, p);
            ((), Some(flush))
        });
    }
}

/// Removes, from every space in `spaces`, the entries for object `id`'s pages in `[first,
/// end)` whose frames `gone` names (a punched hole; private copies stay).
pub fn zap_frames_from_all(spaces: &[Weak<AddressSpace>], id: u64, first: u64, end: u64, gone: &dyn Fn(u64, Frame) -> bool) {
    for space in spaces.iter().filter_map(Weak::upgrade) {
        space.edit(|s, t, p| {
            let flush = s.zap_object_frames(id, first, end, gone, t, p);
            ((), Some(flush))
        });
    }
}

/// Self-check: every mapper of every object names a live space holding exactly that area of
/// that object (a stale entry would keep a dead space's memory and fool truncation). Panics on
/// the first inconsistency.
pub fn verify_all() {
    for obj in objects::live_objects() {
        let mappers: Vec<(Weak<AddressSpace>, u64, vmcore::addr::Page, u32, u64)> =
            obj.rmap().lock().iter().map(|m| (m.space.clone(), m.space_id, m.start, m.pages, m.pgoff)).collect();
        for (space, id, start, pages, pgoff) in mappers {
            let Some(space) = space.upgrade() else {
                panic!("self-check: object {} links an area {start:?} of a dead space {id}", obj.id());
            };
            let ok = space.read(|s| {
                s.tree().iter().any(|v| {
                    v.start() == start
                        && v.pages() == pages
                        && matches!(&v.backing, vmcore::vma::Backing::File { file, offset, .. }
                            if file.object_id() == obj.id() && offset >> 12 == pgoff)
                })
            });
            assert!(ok, "self-check: object {} links {start:?}+{pages} pgoff {pgoff} of space {id}, which has no such area", obj.id());
        }
    }
}
