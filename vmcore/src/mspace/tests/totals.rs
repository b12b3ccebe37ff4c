//! `MSpace::area_totals`: the per-kind sizes `/proc/PID/status` reports.

use super::*;

const A: u32 = 0x0800_0000;

#[test]
fn kinds_add_up_as_linux_counts_them() {
    let m = Machine::new(NFRAMES);
    let mut w = World::new(&m);
    let s = w.create();
    let rx = R | VmFlags::EXEC | VmFlags::MAYEXEC;
    w.map_at(s, A, 3, rx);
    w.map_at(s, A + 0x10_0000, 5, RW);
    w.map_at(s, A + 0x20_0000, 2, RW | VmFlags::GROWSDOWN);
    w.map_at(s, A + 0x30_0000, 4, RW | VmFlags::LOCKED);
    w.map_at(s, A + 0x40_0000, 6, RW | SHARED);
    w.map_at(s, A + 0x50_0000, 1, R);
    let t = w.space(s).area_totals();
    assert_eq!(t.total, 21);
    assert_eq!(t.exec, 3, "executable and not writable");
    assert_eq!(t.data, 9, "private writable, not stack: plain and locked");
    assert_eq!(t.stack, 2);
    assert_eq!(t.locked, 4);
    assert_eq!(t.shared, 6);
    w.finish();
}
