//! System-wide calls: uname, sysinfo and reboot.

use super::uptr::UserPtr;
use super::SysResult;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::*;

/// The accepted second arguments of `reboot`.
const LINUX_REBOOT_MAGIC2S: [u32; 4] =
    [LINUX_REBOOT_MAGIC2, LINUX_REBOOT_MAGIC2A, LINUX_REBOOT_MAGIC2B, LINUX_REBOOT_MAGIC2C];

/// Our kernel's name in `uname` (anything but "Linux": programs use it to tell the kernels apart).
pub const SYSNAME: &str = "vmkernel";
/// The host name at boot (`uname`'s nodename and `/proc/sys/kernel/hostname` until
/// `sethostname`).
pub const NODENAME: &str = "qemu";

/// `uname`'s nodename and domainname: (bytes, length), at most 64 bytes each (Linux's
/// `__NEW_UTS_LEN`), set by `sethostname`/`setdomainname`.
static NAMES: spin::Mutex<[([u8; 64], usize); 2]> = spin::Mutex::new([name_init(NODENAME), name_init("(none)")]);

const fn name_init(s: &str) -> ([u8; 64], usize) {
    let mut b = [0u8; 64];
    let mut i = 0;
    while i < s.len() {
        b[i] = s.as_bytes()[i];
        i += 1;
    }
    (b, s.len())
}

/// The host name now.
pub fn hostname() -> alloc::string::String {
    let names = NAMES.lock();
    alloc::string::String::from_utf8_lossy(&names[0].0[..names[0].1]).into_owned()
}

fn set_name(which: usize, name: UserPtr<u8>, len: u32) -> SysResult {
    if !crate::proc::current().cred.lock().capable(crate::proc::cred::CAP_SYS_ADMIN) {
        return Err(Errno::EPERM);
    }
    if len > 64 {
        return Err(Errno::EINVAL);
    }
    let mut b = [0u8; 64];
    for (i, byte) in b.iter_mut().enumerate().take(len as usize) {
        *byte = name.add(i as u32)?.read()?;
    }
    NAMES.lock()[which] = (b, len as usize);
    Ok(0)
}

/// sethostname (74): root only (`CAP_SYS_ADMIN`), at most 64 bytes.
pub fn sethostname(name: UserPtr<u8>, len: u32) -> SysResult {
    set_name(0, name, len)
}

/// setdomainname (121): as sethostname.
pub fn setdomainname(name: UserPtr<u8>, len: u32) -> SysResult {
    set_name(1, name, len)
}

/// uname: six 65-byte fields.
pub fn uname(buf: UserPtr<[u8; 390]>) -> SysResult {
    let mut u = [0u8; 390];
    let names = *NAMES.lock();
    let fields: [&[u8]; 6] =
        [SYSNAME.as_bytes(), &names[0].0[..names[0].1], env!("CARGO_PKG_VERSION").as_bytes(), b"#1", b"i686", &names[1].0[..names[1].1]];
    for (i, f) in fields.iter().enumerate() {
        u[i * 65..i * 65 + f.len()].copy_from_slice(f);
    }
    buf.write(u)?;
    Ok(0)
}

/// sysinfo (116): i386 `struct sysinfo` (64 bytes): uptime, load averages scaled by 2^16,
/// memory totals (in bytes when they fit in 32 bits, as Linux then sets `mem_unit` 1; else in
/// pages), processes. The memory figures are /proc/meminfo's (`MemTotal`, `MemFree`,
/// `Shmem`).
pub fn sysinfo(buf: UserPtr<[u32; 16]>) -> SysResult {
    let c = crate::mm::frames::counters();
    let total_kib = crate::fs::proc_sys::mem_total_kib();
    let free_kib = crate::fs::procfs::mem_free_kib();
    let shared_kib = c.shared as u64 * 4;
    let (unit, div) = if total_kib * 1024 <= u32::MAX as u64 { (1u32, 1u64) } else { (4096, 4) };
    let scale = |kib: u64| if unit == 1 { (kib * 1024) as u32 } else { (kib / div) as u32 };
    let load = crate::proc::cpustat::load();
    let procs = crate::proc::sched::with(|s| s.tasks.len().saturating_sub(1)) as u32;
    let mut w = [0u32; 16];
    w[0] = (crate::arch::clock::monotonic_ns() / 1_000_000_000) as u32;
    for i in 0..3 {
        // Linux: avenrun << (SI_LOAD_SHIFT - FSHIFT), SI_LOAD_SHIFT = 16.
        w[1 + i] = (load.avg[i] << (16 - vmcore::loadavg::FSHIFT)) as u32;
    }
    w[4] = scale(total_kib);
    w[5] = scale(free_kib);
    w[6] = scale(shared_kib);
    w[10] = procs.min(u16::MAX as u32);
    w[13] = unit;
    buf.write(w)?;
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
