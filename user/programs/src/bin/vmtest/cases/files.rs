//! Files: `openat` relative to a directory descriptor, to the working directory, and its
//! errors (the file system itself is the files issue's; these are the calls glibc makes).

use super::*;
use core::ffi::CStr;
use rt::fs::CBuf;

pub(super) static CASES: &[Case] = &[
    case!(openat_dirfd, OK, ALL, "openat resolves a relative path against a directory fd, ignores the fd for an absolute path; ENOTDIR, EBADF, ENOENT as Linux"),
    case!(tmpfs_file_lifecycle, OK, ALL, "a file in /tmp, unlinked once created, written, mapped shared and private, read back, closed while mapped: its pages and the kernel heap it used come back (the leak check)"),
];

fn path_call(nr: u32, path: &CStr, arg: usize) -> Result<usize, Errno> {
    // SAFETY: the kernel reads the NUL-terminated path.
    res(unsafe { syscall2(nr, path.as_ptr() as usize, arg) })
}

/// 16 pages written through write(), then seen through a shared and a private mapping; the
/// name goes right after the create (so a case killed half-way, as under fault injection,
/// leaves nothing behind), the data stays until the last descriptor and mapping.
fn tmpfs_file_lifecycle(_ctx: &Ctx) {
    const PAGES: usize = 16;
    let file = c"/tmp/vmtest-lifecycle";
    let fd = ok!(sys::open(file, sys::O_CREAT | sys::O_RDWR | sys::O_EXCL, 0o644), "create");
    ok!(path_call(nr::SYS_UNLINK, file, 0), "unlink while open");
    err!(sys::open(file, sys::O_RDONLY, 0), Errno::ENOENT, "the name is gone");
    check_eq!(ok!(sys::fstat64(fd), "fstat64").st_nlink, 0, "no links left");
    let mut page = [0u8; 4096];
    for i in 0..PAGES {
        page.fill(i as u8 + 1);
        check_eq!(ok!(sys::write(fd, &page), "write"), 4096, "a whole page written");
    }
    check_eq!(ok!(sys::fstat64(fd), "fstat64").st_size, (PAGES * 4096) as i64, "size after the writes");
    // SAFETY: no MAP_FIXED, so nothing is replaced.
    let shared = ok!(unsafe { sys::mmap2(0, PAGES * 4096, sys::PROT_READ, sys::MAP_SHARED, fd, 0) }, "mmap shared");
    // SAFETY: as above.
    let private = ok!(unsafe { sys::mmap2(0, PAGES * 4096, sys::PROT_READ | sys::PROT_WRITE, sys::MAP_PRIVATE, fd, 0) }, "mmap private");
    for i in 0..PAGES {
        // SAFETY: both areas map the whole file readable.
        let (a, b) = unsafe { (peek(shared + i * 4096 + 7), peek(private + i * 4096 + 4095)) };
        check_eq!(a, i as u8 + 1, "shared mapping sees the written page");
        check_eq!(b, i as u8 + 1, "private mapping sees the written page");
    }
    // SAFETY: the private area is ours and writable.
    unsafe { poke(private, 0xEE) };
    let mut back = [0u8; 16];
    ok!(sys::lseek(fd, 5 * 4096, sys::SEEK_SET), "lseek");
    check_eq!(ok!(sys::read(fd, &mut back), "read"), 16, "read the unlinked file");
    check_eq!(back[0], 6, "its data is there");
    check_eq!(ok!(sys::read(fd, &mut back), "read"), 16, "read on");
    ok!(sys::close(fd), "close");
    // SAFETY: the shared area is still mapped readable.
    check_eq!(unsafe { peek(shared + 3 * 4096) }, 4, "a mapping keeps the unlinked, closed file");
    // SAFETY: the areas were mapped above and nothing else lives there.
    unsafe {
        ok!(sys::munmap(shared, PAGES * 4096), "munmap shared");
        ok!(sys::munmap(private, PAGES * 4096), "munmap private");
    }
}

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
