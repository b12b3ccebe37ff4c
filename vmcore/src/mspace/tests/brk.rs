//! The brk heap.

use super::*;
use crate::vma::VmaName;

const H: u32 = 0x0900_0000;
const P: u32 = PAGE_SIZE;

fn brk(w: &mut World<'_>, s: usize, new: u32) -> Result<(), BrkError> {
    w.with(s, |sp, t, p| match sp.set_brk(VirtAddr::new(new), t, p) {
        Ok(f) => (Ok(()), f),
        Err(e) => (Err(e), SpaceFlush::new()),
    })
}

#[test]
fn brk_grows_merges_and_shrinks() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    assert_eq!(brk(&mut w, s, H), Err(BrkError::NoHeap));
    w.with(s, |sp, _, _| (sp.init_heap(pg(H)), SpaceFlush::new())).unwrap();
    brk(&mut w, s, H + 100).unwrap();
    w.write(s, H + 50, 1).unwrap();
    brk(&mut w, s, H + 3 * P + 1).unwrap();
    let heap = w.space(s).tree().iter().next().unwrap().clone();
    assert_eq!((heap.start(), heap.pages(), heap.flags), (pg(H), 4, HEAP_FLAGS));
    assert_eq!(heap.name, VmaName::Heap);
    assert_eq!(w.space(s).tree().len(), 1, "each growth merged into one [heap]");
    w.write(s, H + 3 * P, 3).unwrap();
    assert_eq!(w.stats(s).p_size, 2);
    assert_eq!(w.space(s).heap(), Some(Heap { start: VirtAddr::new(H), brk: VirtAddr::new(H + 3 * P + 1) }));
    brk(&mut w, s, H + 10).unwrap();
    assert_eq!(w.stats(s).v_size, 1);
    assert_eq!(w.stats(s).p_size, 1);
    assert_eq!(w.read(s, H + 3 * P), Err(Sig::Segv(SegvReason::NoMapping)));
    assert_eq!(w.read(s, H + 50), Ok(1));
    assert_eq!(brk(&mut w, s, H - 1), Err(BrkError::BelowStart));
    w.map_at(s, H + 8 * P, 1, RW);
    assert_eq!(brk(&mut w, s, H + 9 * P), Err(BrkError::Occupied));
    assert_eq!(brk(&mut w, s, 0xFFFF_FFFF), Err(BrkError::OutOfBounds));
    brk(&mut w, s, H + 8 * P).unwrap();
    assert_eq!(w.stats(s).v_size, 9);
    // The heap state goes to a forked child.
    let c = w.fork(s).unwrap();
    assert_eq!(w.space(c).heap(), w.space(s).heap());
    w.finish();
}
