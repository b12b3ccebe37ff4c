//! Files: `openat` relative to a directory descriptor, to the working directory, and its
//! errors (the file system itself is the files issue's; these are the calls glibc makes).

use super::*;
use core::ffi::CStr;
use rt::fs::CBuf;

pub(super) static CASES: &[Case] = &[
    case!(openat_dirfd, OK, ALL, "openat resolves a relative path against a directory fd, ignores the fd for an absolute path; ENOTDIR, EBADF, ENOENT as Linux"),
];

fn openat(dirfd: i32, path: &CStr, flags: usize) -> Result<i32, Errno> {
    // SAFETY: the kernel reads the NUL-terminated path.
    res(unsafe { syscall4(nr::SYS_OPENAT, dirfd as usize, path.as_ptr() as usize, flags, 0) }).map(|fd| fd as i32)
}

fn openat_dirfd(ctx: &Ctx) {
    let me = ctx.self_path.as_bytes();
    let cut = me.iter().rposition(|&b| b == b'/').unwrap_or(0);
    let dir = CBuf::<256>::from_parts(&[if cut == 0 { b"/" } else { &me[..cut] }]).expect("short path");
    let name = CBuf::<256>::from_parts(&[&me[cut + 1..]]).expect("short name");
    let size = ok!(sys::fstat64(open_self(ctx).0), "fstat64 of the program").st_size;

    let dirfd = ok!(sys::open(dir.as_cstr(), sys::O_RDONLY | sys::O_DIRECTORY, 0), "open the program's directory");
    let fd = ok!(openat(dirfd, name.as_cstr(), sys::O_RDONLY), "openat(dirfd, name)");
    check_eq!(ok!(sys::fstat64(fd), "fstat64").st_size, size, "openat found the program");
    ok!(sys::close(fd), "close");
    if me.first() == Some(&b'/') {
        let fd = ok!(openat(9999, ctx.self_path.as_cstr(), sys::O_RDONLY), "openat(bad fd, absolute path)");
        ok!(sys::close(fd), "close");
    }
    let file = ok!(openat(rt::abi::flags::AT_FDCWD, ctx.self_path.as_cstr(), sys::O_RDONLY), "openat(AT_FDCWD, the program)");
    err!(openat(file, name.as_cstr(), sys::O_RDONLY), Errno::ENOTDIR, "openat relative to a regular file");
    err!(openat(9999, name.as_cstr(), sys::O_RDONLY), Errno::EBADF, "openat relative to a closed fd");
    err!(openat(dirfd, c"no-such-file-here", sys::O_RDONLY), Errno::ENOENT, "openat of a missing name");
    err!(openat(dirfd, c"", sys::O_RDONLY), Errno::ENOENT, "openat of an empty path");
    ok!(sys::close(file), "close");
    ok!(sys::close(dirfd), "close");
}
