//! The frame allocator's errors: per-frame operations (bugs, reported by the kernel with the
//! frame named) and storage that does not fit the frame count.

use core::fmt;

use crate::addr::Frame;
use crate::bitmap::BitmapTooSmall;

/// Errors of the per-frame operations. The kernel treats all of them as bugs and panics with
/// the `Display` text, which names the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// `dec_ref`/`free` of a frame that is already free.
    DoubleFree(Frame),
    /// The frame is reserved: it has no reference count to change.
    Reserved(Frame),
    /// The frame is beyond the managed range.
    OutOfRange(Frame),
    /// `inc_ref` would exceed [`MAX_REFS`].
    RefOverflow(Frame),
    /// `inc_ref` of a free frame.
    NotAllocated(Frame),
    /// `free` of a frame that still has other references.
    Shared {
        /// The frame.
        frame: Frame,
        /// Its reference count.
        refs: u32,
    },
    /// `reserve_range` over a frame that is allocated.
    InUse(Frame),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FrameError::DoubleFree(fr) => write!(f, "double free of {fr:?}"),
            FrameError::Reserved(fr) => write!(f, "{fr:?} is reserved"),
            FrameError::OutOfRange(fr) => write!(f, "{fr:?} is outside the managed memory"),
            FrameError::RefOverflow(fr) => write!(f, "reference count of {fr:?} overflows"),
            FrameError::NotAllocated(fr) => write!(f, "new reference to free {fr:?}"),
            FrameError::Shared { frame, refs } => {
                write!(f, "free of {frame:?} which still has {refs} references")
            }
            FrameError::InUse(fr) => write!(f, "cannot reserve {fr:?}: it is allocated"),
        }
    }
}

/// Error of [`FrameAllocator::new`]: the storage does not fit the frame count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameStorageError {
    /// More than [`MAX_FRAMES`] frames were requested.
    TooManyFrames(u32),
    /// The bitmap slice is too short.
    BitmapTooSmall(BitmapTooSmall),
    /// The reference-count slice is too short.
    RefsTooSmall {
        /// Words needed.
        needed: usize,
        /// Words given.
        got: usize,
    },
}

impl fmt::Display for FrameStorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameStorageError::TooManyFrames(n) => write!(f, "{n} frames exceed the 4 GiB limit"),
            FrameStorageError::BitmapTooSmall(e) => e.fmt(f),
            FrameStorageError::RefsTooSmall { needed, got } => {
                write!(
                    f,
                    "reference-count storage too small: {needed} words needed, {got} given"
                )
            }
        }
    }
}
