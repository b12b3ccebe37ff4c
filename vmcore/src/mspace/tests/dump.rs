//! Which areas a core dump holds, on the simulated machine.

use super::*;

const A: u32 = 0x4000_0000;
const B: u32 = 0x5000_0000;
const P: u32 = PAGE_SIZE;

fn areas(w: &mut World<'_>, s: usize) -> alloc::vec::Vec<crate::mspace::CoreArea> {
    w.with(s, |sp, t, p| (sp.core_areas(&*t, &*p).unwrap(), SpaceFlush::new()))
}

#[test]
fn anonymous_areas_dumped_once_written() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    w.map_at(s, A, 4, RW);
    w.map_at(s, B, 2, RW);
    let a = areas(&mut w, s);
    assert_eq!(a.len(), 2);
    assert_eq!((a[0].start, a[0].len, a[0].dump), (A, 4 * P, 0), "untouched: nothing");
    assert_eq!(w.read(s, A + P), Ok(0));
    assert_eq!(areas(&mut w, s)[0].dump, 0, "a read maps the zero frame: still nothing");
    w.write(s, A + 2 * P, 7).unwrap();
    let a = areas(&mut w, s);
    assert_eq!(a[0].dump, 4 * P, "written: the whole area");
    assert_eq!(a[1].dump, 0);
}
