//! System-wide calls: uname and reboot.

use super::uptr::UserPtr;
use super::SysResult;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::*;

/// The accepted second arguments of `reboot`.
const LINUX_REBOOT_MAGIC2S: [u32; 4] =
    [LINUX_REBOOT_MAGIC2, LINUX_REBOOT_MAGIC2A, LINUX_REBOOT_MAGIC2B, LINUX_REBOOT_MAGIC2C];

/// Our kernel's name in `uname` (anything but "Linux": programs use it to tell the kernels apart).
pub const SYSNAME: &str = "vmkernel";
/// The host name `uname` reports (and `/proc/sys/kernel/hostname`).
pub const NODENAME: &str = "qemu";

/// uname: six 65-byte fields.
pub fn uname(buf: UserPtr<[u8; 390]>) -> SysResult {
    let mut u = [0u8; 390];
    let fields: [&str; 6] = [SYSNAME, NODENAME, env!("CARGO_PKG_VERSION"), "#1", "i686", "(none)"];
    for (i, f) in fields.iter().enumerate() {
        u[i * 65..i * 65 + f.len()].copy_from_slice(f.as_bytes());
    }
    buf.write(u)?;
    Ok(0)
}

/// reboot: RB_POWER_OFF and RB_HALT power QEMU off, RB_AUTOBOOT restarts (QEMU with
/// `-no-reboot` exits).
pub fn reboot(magic1: u32, magic2: u32, cmd: u32) -> SysResult {
    if magic1 != LINUX_REBOOT_MAGIC1 || !LINUX_REBOOT_MAGIC2S.contains(&magic2) {
        return Err(Errno::EINVAL);
    }
    match cmd {
        LINUX_REBOOT_CMD_POWER_OFF | LINUX_REBOOT_CMD_HALT => {
            crate::kprintln!("reboot: power off requested by pid {}", crate::proc::current_pid());
            crate::system::power_off(0)
        }
        LINUX_REBOOT_CMD_RESTART => crate::system::restart(),
        _ => Err(Errno::EINVAL),
    }
}
