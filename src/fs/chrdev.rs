//! Opening a device node: its device number picks the driver. The terminal answers for
//! `/dev/console` (5:1), `/dev/ttyS0` (4:64) and `/dev/tty` (5:0); until the other drivers of
//! issue 11 land (`fs/dev.rs`), every other number is `ENXIO`, as Linux for a node without a
//! driver.

use super::file::File;
use alloc::sync::Arc;
use vmcore::errno::Errno;

/// Opens character device `rdev` with `open`'s `flags`.
pub fn open(rdev: (u32, u32), flags: u32) -> Result<Arc<File>, Errno> {
    match rdev {
        crate::tty::CONSOLE | crate::tty::TTYS0 | crate::tty::TTY_DEV => crate::tty::open(rdev, flags),
        _ => Err(Errno::ENXIO),
    }
}
