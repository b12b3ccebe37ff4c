use super::flags::*;
use super::*;
use proptest::prelude::*;
use std::string::{String, ToString};

/// Formats a call whose string arguments come from a tiny fake user memory.
fn line(nr: u32, args: [u32; 6], result: i32) -> String {
    let mut out = String::new();
    let mut read = |addr: u32| match addr {
        0x1000 => Some("/bin/sh".to_string()),
        0x2000 => Some("/tmp/x".to_string()),
        0x3000 => Some("a\"b\\c\n\t\u{1b}1\u{1b}x".to_string()),
        _ => None,
    };
    format_syscall(&mut out, nr, &args, result, &mut read).unwrap();
    out
}

#[test]
fn memory_calls() {
    let rw = PROT_READ | PROT_WRITE;
    assert_eq!(
        line(SYS_MMAP2, [0, 4096, rw, MAP_PRIVATE | MAP_ANONYMOUS, u32::MAX, 0], 0x4000_0000),
        "mmap2(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x40000000"
    );
    let fixed = MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE;
    assert_eq!(
        line(SYS_MMAP2, [0x0805_0000, 4096, PROT_READ | PROT_EXEC, fixed, 3, 3], 0x0805_0000),
        "mmap2(0x8050000, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x3000) = 0x8050000"
    );
    assert_eq!(
        line(SYS_MMAP2, [0, 4096, PROT_READ | 0x10, MAP_SHARED | MAP_FIXED | 0x800_0000, 3, 0], -12),
        "mmap2(NULL, 4096, PROT_READ|0x10, MAP_SHARED|MAP_FIXED|0x8000000, 3, 0) = -1 ENOMEM (Cannot allocate memory)"
    );
    assert_eq!(
        line(SYS_MMAP2, [0, 1, 0, 0x20, 0, 0], -22).split(" = ").next().unwrap(),
        "mmap2(NULL, 1, PROT_NONE, MAP_ANONYMOUS, 0, 0)"
    );
    assert_eq!(
        line(SYS_MPROTECT, [0x0804_8000, 4096, 0, 0, 0, 0], 0),
        "mprotect(0x8048000, 4096, PROT_NONE) = 0"
    );
    assert_eq!(
        line(SYS_MUNMAP, [0x4000_0000, 8192, 0, 0, 0, 0], 0),
        "munmap(0x40000000, 8192) = 0"
    );
    assert_eq!(line(SYS_BRK, [0; 6], 0x0805_0000), "brk(NULL) = 0x8050000");
    assert_eq!(
        line(SYS_MADVISE, [0x4000_0000, 8192, MADV_DONTNEED, 0, 0, 0], 0),
        "madvise(0x40000000, 8192, MADV_DONTNEED) = 0"
    );
    assert_eq!(
        line(SYS_MADVISE, [0x4000_0000, 1, 77, 0, 0, 0], -22),
        "madvise(0x40000000, 1, 0x4d /* MADV_??? */) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        line(SYS_MREMAP, [0x4000_0000, 4096, 8192, MREMAP_MAYMOVE, 0x5000_0000, 0], 0x4010_0000),
        "mremap(0x40000000, 4096, 8192, MREMAP_MAYMOVE) = 0x40100000"
    );
    assert_eq!(
        line(
            SYS_MREMAP,
            [0x4000_0000, 4096, 8192, MREMAP_MAYMOVE | MREMAP_FIXED, 0x5000_0000, 0],
            0x5000_0000
        ),
        "mremap(0x40000000, 4096, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x50000000) = 0x50000000"
    );
    assert_eq!(
        line(SYS_MLOCKALL, [MCL_CURRENT | MCL_FUTURE, 0, 0, 0, 0, 0], 0),
        "mlockall(MCL_CURRENT|MCL_FUTURE) = 0"
    );
    assert_eq!(line(SYS_MUNLOCKALL, [0; 6], 0), "munlockall() = 0");
    assert_eq!(
        line(SYS_MLOCK, [0x1000, 10, 0, 0, 0, 0], -1),
        "mlock(0x1000, 10) = -1 EPERM (Operation not permitted)"
    );
}

#[test]
fn file_calls() {
    let ro = O_RDONLY | O_LARGEFILE | O_CLOEXEC;
    assert_eq!(
        line(SYS_OPEN, [0x1000, ro, 0, 0, 0, 0], 3),
        "open(\"/bin/sh\", O_RDONLY|O_LARGEFILE|O_CLOEXEC) = 3"
    );
    assert_eq!(
        line(SYS_OPEN, [0x2000, O_WRONLY | O_CREAT | O_TRUNC, 0o644, 0, 0, 0], 4),
        "open(\"/tmp/x\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4"
    );
    assert_eq!(
        line(SYS_OPEN, [0x2000, O_RDWR | O_TMPFILE, 0, 0, 0, 0], 5),
        "open(\"/tmp/x\", O_RDWR|O_TMPFILE, 000) = 5"
    );
    assert_eq!(
        line(SYS_OPEN, [0x1234, 0, 0, 0, 0, 0], -14),
        "open(0x1234, O_RDONLY) = -1 EFAULT (Bad address)"
    );
    assert_eq!(
        line(SYS_OPEN, [0, O_DIRECTORY, 0, 0, 0, 0], -2),
        "open(NULL, O_RDONLY|O_DIRECTORY) = -1 ENOENT (No such file or directory)"
    );
    assert_eq!(
        line(SYS_OPEN, [0x3000, 0, 0, 0, 0, 0], -2).split(" = ").next().unwrap(),
        r#"open("a\"b\\c\n\t\0331\33x", O_RDONLY)"#
    );
    assert_eq!(line(SYS_MKDIR, [0x2000, 7, 0, 0, 0, 0], 0), "mkdir(\"/tmp/x\", 007) = 0");
    assert_eq!(line(SYS_ACCESS, [0x1000, 0, 0, 0, 0, 0], 0), "access(\"/bin/sh\", F_OK) = 0");
    assert_eq!(line(SYS_ACCESS, [0x1000, 5, 0, 0, 0, 0], 0), "access(\"/bin/sh\", R_OK|X_OK) = 0");
    assert_eq!(line(SYS_WRITE, [1, 0x0804_a000, 6, 0, 0, 0], 6), "write(1, 0x804a000, 6) = 6");
    assert_eq!(
        line(SYS_CLOSE, [9, 0, 0, 0, 0, 0], -9),
        "close(9) = -1 EBADF (Bad file descriptor)"
    );
    assert_eq!(
        line(SYS_LSEEK, [3, u32::MAX, 2, 0, 0, 0], -22),
        "lseek(3, -1, SEEK_END) = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(line(SYS_FSTAT64, [3, 0xbfff_f000, 0, 0, 0, 0], 0), "fstat64(3, 0xbffff000) = 0");
    assert_eq!(
        line(SYS_EXECVE, [0x1000, 0xbfff_f000, 0xbfff_f010, 0, 0, 0], 0),
        "execve(\"/bin/sh\", 0xbffff000, 0xbffff010) = 0"
    );
}

#[test]
fn process_calls() {
    assert_eq!(line(SYS_EXIT_GROUP, [0; 6], 0), "exit_group(0) = ?");
    assert_eq!(line(SYS_EXIT, [u32::MAX, 0, 0, 0, 0, 0], 0), "exit(-1) = ?");
    assert_eq!(line(SYS_GETPID, [7; 6], 1), "getpid() = 1");
    assert_eq!(line(SYS_SCHED_YIELD, [0; 6], 0), "sched_yield() = 0");
    assert_eq!(line(SYS_KILL, [12, 9, 0, 0, 0, 0], 0), "kill(12, SIGKILL) = 0");
    assert_eq!(line(SYS_KILL, [1, 0, 0, 0, 0, 0], -3), "kill(1, 0) = -1 ESRCH (No such process)");
    assert_eq!(line(SYS_KILL, [1, 34, 0, 0, 0, 0], 0), "kill(1, SIGRT_2) = 0");
    assert_eq!(
        line(SYS_WAIT4, [u32::MAX, 0xbfff_f000, 1 | 0x4000_0000, 0, 0, 0], 0),
        "wait4(-1, 0xbffff000, WNOHANG|__WALL, NULL) = 0"
    );
    assert_eq!(
        line(SYS_WAITPID, [u32::MAX, 0, 0, 0, 0, 0], -10),
        "waitpid(-1, NULL, 0) = -1 ECHILD (No child processes)"
    );
    assert_eq!(
        line(
            SYS_REBOOT,
            [LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF, 0, 0, 0],
            0
        ),
        "reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF) = 0"
    );
    assert_eq!(
        line(SYS_REBOOT, [LINUX_REBOOT_MAGIC1, 1, LINUX_REBOOT_CMD_RESTART2, 0x1000, 0, 0], -22),
        "reboot(LINUX_REBOOT_MAGIC1, 0x1 /* LINUX_REBOOT_MAGIC_??? */, LINUX_REBOOT_CMD_RESTART2, \"/bin/sh\") = -1 EINVAL (Invalid argument)"
    );
    assert_eq!(
        line(SYS_CLOCK_GETTIME, [1, 0xbfff_f000, 0, 0, 0, 0], 0),
        "clock_gettime(CLOCK_MONOTONIC, 0xbffff000) = 0"
    );
    assert_eq!(
        line(SYS_RT_SIGPROCMASK, [2, 0, 0xbfff_f000, 8, 0, 0], 0),
        "rt_sigprocmask(SIG_SETMASK, NULL, 0xbffff000, 8) = 0"
    );
}

#[test]
fn unknown_calls_and_errors() {
    assert_eq!(
        line(999, [1, 2, 3, 4, 5, 6], -38),
        "syscall_999(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)"
    );
    assert_eq!(line(SYS_GETPID, [0; 6], -300), "getpid() = -1 (errno 300)");
    assert_eq!(line(SYS_GETPID, [0; 6], -4096), "getpid() = -4096");
    assert_eq!(
        line(SYS_MMAP2, [0; 6], 0xb7f0_0000_u32 as i32).rsplit(" = ").next().unwrap(),
        "0xb7f00000"
    );
}

proptest! {
    #[test]
    fn formatting_never_panics(nr in 0u32..400, args in any::<[u32; 6]>(), result in any::<i32>(), text in ".{0,20}") {
        let mut out = String::new();
        let mut read = |a: u32| a.is_multiple_of(2).then(|| text.clone());
        format_syscall(&mut out, nr, &args, result, &mut read).unwrap();
        prop_assert!(out.contains(" = "));
        let shown = name(nr).unwrap_or("syscall_");
        prop_assert!(out.starts_with(shown));
    }
}
