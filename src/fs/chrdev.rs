//! Opening a device node: its device number picks the driver (`fs/dev.rs`: the memory
//! devices and the terminal's numbers); `ENXIO` for a number without one, as Linux.

use super::file::File;
use alloc::sync::Arc;
use vmcore::errno::Errno;

/// Opens character device `rdev` with `open`'s `flags`.
pub fn open(rdev: (u32, u32), flags: u32) -> Result<Arc<File>, Errno> {
    super::dev::open_chrdev(rdev, flags)
}
