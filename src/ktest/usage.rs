//! Memory usage snapshots: the leak check every kernel test case (and later every ring-3 test)
//! runs: frames in use and kernel heap bytes must come back exactly.

/// Frame and heap usage at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Usage {
    /// Frames in use, not counting the kernel heap's own pages (the heap grows but never
    /// shrinks; what is allocated *in* it is `heap_used`).
    pub frames_used: u32,
    /// Bytes of kernel heap in use.
    pub heap_used: usize,
}

/// The current usage.
pub fn snapshot() -> Usage {
    let heap = crate::mm::heap::stats();
    let heap_pages = (heap.size / vmcore::addr::PAGE_SIZE as usize) as u32;
    Usage { frames_used: crate::mm::frames::counters().used - heap_pages, heap_used: heap.used }
}

/// Fails (with a printed explanation) unless usage is exactly what it was at `before`.
pub fn check_unchanged(before: &Usage) -> super::TestResult {
    let after = snapshot();
    crate::check_eq!(after, *before, "(memory leaked or freed twice by this test)");
    Ok(())
}
