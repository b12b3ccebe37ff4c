//! The kernel's own address space.

use vmcore::addr::VirtAddr;

/// Why a kernel mapping could not be made.
#[derive(Debug)]
pub enum KMapError {
    /// No free frame.
    OutOfFrames,
}

/// Maps `count` fresh zeroed frames at `start` in the kernel half.
pub fn map_fresh(_start: VirtAddr, _count: u32) -> Result<(), KMapError> {
    Err(KMapError::OutOfFrames)
}
