//! Flag and constant values of the i386 system-call ABI that the system-call layer decodes.

/// `PROT_READ`.
pub const PROT_READ: u32 = 0x1;
/// `PROT_WRITE`.
pub const PROT_WRITE: u32 = 0x2;
/// `PROT_EXEC`.
pub const PROT_EXEC: u32 = 0x4;
/// `PROT_GROWSDOWN`: `mprotect` extends the change down to the start of a growsdown area.
pub const PROT_GROWSDOWN: u32 = 0x0100_0000;

/// `MAP_SHARED`.
pub const MAP_SHARED: u32 = 0x1;
/// `MAP_PRIVATE`.
pub const MAP_PRIVATE: u32 = 0x2;
/// `MAP_SHARED_VALIDATE`: shared, and unknown flags are an error.
pub const MAP_SHARED_VALIDATE: u32 = 0x3;
/// Mask of the mapping type (`MAP_TYPE`).
pub const MAP_TYPE: u32 = 0xf;
/// `MAP_FIXED`.
pub const MAP_FIXED: u32 = 0x10;
/// `MAP_ANONYMOUS`.
pub const MAP_ANONYMOUS: u32 = 0x20;
/// `MAP_GROWSDOWN`.
pub const MAP_GROWSDOWN: u32 = 0x100;
/// `MAP_DENYWRITE` (ignored by Linux).
pub const MAP_DENYWRITE: u32 = 0x800;
/// `MAP_EXECUTABLE` (ignored by Linux).
pub const MAP_EXECUTABLE: u32 = 0x1000;
/// `MAP_LOCKED`.
pub const MAP_LOCKED: u32 = 0x2000;
/// `MAP_NORESERVE`.
pub const MAP_NORESERVE: u32 = 0x4000;
/// `MAP_POPULATE`.
pub const MAP_POPULATE: u32 = 0x8000;
/// `MAP_NONBLOCK`.
pub const MAP_NONBLOCK: u32 = 0x10000;
/// `MAP_STACK`.
pub const MAP_STACK: u32 = 0x20000;
/// `MAP_HUGETLB`.
pub const MAP_HUGETLB: u32 = 0x40000;
/// `MAP_FIXED_NOREPLACE`.
pub const MAP_FIXED_NOREPLACE: u32 = 0x10_0000;

/// `O_RDONLY`.
pub const O_RDONLY: u32 = 0;
/// `O_WRONLY`.
pub const O_WRONLY: u32 = 1;
/// `O_RDWR`.
pub const O_RDWR: u32 = 2;
/// Mask of the access mode (`O_ACCMODE`).
pub const O_ACCMODE: u32 = 3;
/// `O_CREAT`.
pub const O_CREAT: u32 = 0x40;
/// `O_EXCL`.
pub const O_EXCL: u32 = 0x80;
/// `O_NOCTTY`.
pub const O_NOCTTY: u32 = 0x100;
/// `O_TRUNC`.
pub const O_TRUNC: u32 = 0x200;
/// `O_APPEND`.
pub const O_APPEND: u32 = 0x400;
/// `O_NONBLOCK`.
pub const O_NONBLOCK: u32 = 0x800;
/// `O_LARGEFILE` (glibc's `open64` sets it on i386).
pub const O_LARGEFILE: u32 = 0x8000;
/// `O_DIRECTORY`.
pub const O_DIRECTORY: u32 = 0x10000;
/// `O_NOFOLLOW`.
pub const O_NOFOLLOW: u32 = 0x20000;
/// `O_CLOEXEC`.
pub const O_CLOEXEC: u32 = 0x80000;
/// `O_TMPFILE` (includes `O_DIRECTORY`).
pub const O_TMPFILE: u32 = 0x41_0000;

/// `MREMAP_MAYMOVE`.
pub const MREMAP_MAYMOVE: u32 = 1;
/// `MREMAP_FIXED`: the fifth argument is the new address.
pub const MREMAP_FIXED: u32 = 2;
/// `MREMAP_DONTUNMAP`.
pub const MREMAP_DONTUNMAP: u32 = 4;

/// `MCL_CURRENT`.
pub const MCL_CURRENT: u32 = 1;
/// `MCL_FUTURE`.
pub const MCL_FUTURE: u32 = 2;
/// `MCL_ONFAULT`.
pub const MCL_ONFAULT: u32 = 4;

/// `MADV_NORMAL`.
pub const MADV_NORMAL: u32 = 0;
/// `MADV_DONTNEED`: drop the pages; private anonymous memory reads back as zero.
pub const MADV_DONTNEED: u32 = 4;
/// `MADV_FREE`.
pub const MADV_FREE: u32 = 8;
/// `MADV_DONTFORK`.
pub const MADV_DONTFORK: u32 = 10;
/// `MADV_DOFORK`.
pub const MADV_DOFORK: u32 = 11;
/// `MADV_WIPEONFORK`.
pub const MADV_WIPEONFORK: u32 = 18;
/// `MADV_KEEPONFORK`.
pub const MADV_KEEPONFORK: u32 = 19;

/// `LINUX_REBOOT_MAGIC1`, the first argument `reboot` requires.
pub const LINUX_REBOOT_MAGIC1: u32 = 0xfee1_dead;
/// `LINUX_REBOOT_MAGIC2`, one of the accepted second arguments.
pub const LINUX_REBOOT_MAGIC2: u32 = 672_274_793;
/// `LINUX_REBOOT_CMD_RESTART`.
pub const LINUX_REBOOT_CMD_RESTART: u32 = 0x0123_4567;
/// `LINUX_REBOOT_CMD_HALT`.
pub const LINUX_REBOOT_CMD_HALT: u32 = 0xcdef_0123;
/// `LINUX_REBOOT_CMD_POWER_OFF`.
pub const LINUX_REBOOT_CMD_POWER_OFF: u32 = 0x4321_fedc;
/// `LINUX_REBOOT_CMD_RESTART2`: the fourth argument is a command string.
pub const LINUX_REBOOT_CMD_RESTART2: u32 = 0xa1b2_c3d4;
