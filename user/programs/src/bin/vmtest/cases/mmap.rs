//! mmap: MAP_FIXED, errors, the old struct form, file mappings.

use super::*;

pub(super) static CASES: &[Case] = &[
    case!(map_fixed_replace, OK, ALL, "MAP_FIXED over part of a mapping gives zero pages there, keeps the rest"),
    case!(mmap_errors, OK, ALL, "EINVAL/EEXIST/ENOMEM/EBADF/EACCES from mmap, munmap, mprotect, madvise, mlock"),
    case!(old_mmap, OK, ALL, "old_mmap (syscall 90, struct argument) maps anonymous memory and files"),
    case!(mmap_file, OK, ALL, "private file mappings show the file, offsets work, writes stay private, close keeps them"),
    case!(mmap_file_sigbus, Expect::Signal(sys::SIGBUS), ALL, "touching a file mapping beyond the page holding EOF kills with SIGBUS; the EOF page tail reads zero"),
];

fn map_fixed_replace(_ctx: &Ctx) {
    let a = map(4 * PG);
    fill(a, 4 * PG, 0x77);
    let r = ok!(
        mmap_raw(
            a + PG,
            2 * PG,
            sys::PROT_READ | sys::PROT_WRITE,
            sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | sys::MAP_FIXED,
            -1,
            0
        ),
        "MAP_FIXED"
    );
    check_eq!(r, a + PG, "MAP_FIXED address");
    expect_bytes(a, PG, 0x77, "page 0 kept");
    expect_bytes(a + PG, 2 * PG, 0, "replaced pages are zero");
    expect_bytes(a + 3 * PG, PG, 0x77, "page 3 kept");
    fill(a + PG, 2 * PG, 0x78);
    // Replace with a read-only mapping: writes now fault.
    ok!(
        mmap_raw(
            a + 2 * PG,
            PG,
            sys::PROT_READ,
            sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | sys::MAP_FIXED,
            -1,
            0
        ),
        "MAP_FIXED read-only"
    );
    expect_bytes(a + 2 * PG, PG, 0, "read-only replacement is zero");
    expect_signal(sys::SIGSEGV, "write to the read-only replacement", || {
        // SAFETY: expected to fault.
        unsafe { poke(a + 2 * PG, 1) }
    });
    err!(
        map_at(a, PG, sys::PROT_READ),
        Errno::EEXIST,
        "MAP_FIXED_NOREPLACE over a mapping"
    );
    expect_bytes(a, PG, 0x77, "page 0 after the refused NOREPLACE");
}

fn mmap_errors(ctx: &Ctx) {
    let rw = sys::PROT_READ | sys::PROT_WRITE;
    let anon = sys::MAP_PRIVATE | sys::MAP_ANONYMOUS;
    {
        err!(
            mmap_raw(0, 0, rw, anon, -1, 0),
            Errno::EINVAL,
            "mmap length 0"
        );
        err!(
            mmap_raw(0x1000_0001, PG, rw, anon | sys::MAP_FIXED, -1, 0),
            Errno::EINVAL,
            "MAP_FIXED unaligned"
        );
        err!(
            mmap_raw(0, PG, rw, sys::MAP_ANONYMOUS, -1, 0),
            Errno::EINVAL,
            "neither SHARED nor PRIVATE"
        );
        err!(
            mmap_raw(0, PG, sys::PROT_READ, sys::MAP_PRIVATE, 12345, 0),
            Errno::EBADF,
            "file mapping of a bad fd"
        );
        err!(
            mmap_raw(0, 0xF000_0000, rw, anon, -1, 0),
            Errno::ENOMEM,
            "mmap larger than the address space"
        );
        let fd = open_self(ctx);
        err!(
            mmap_raw(0, PG, rw, sys::MAP_SHARED, fd.0, 0),
            Errno::EACCES,
            "shared writable mapping of an O_RDONLY file"
        );

        let a = map(4 * PG);
        err!(unmap(a + 1, PG), Errno::EINVAL, "munmap unaligned");
        err!(unmap(a, 0), Errno::EINVAL, "munmap length 0");
        ok!(unmap(a + 2 * PG, 2 * PG), "munmap tail");
        ok!(
            unmap(a + 2 * PG, 2 * PG),
            "munmap of an already unmapped range succeeds"
        );
        err!(
            protect(a + 1, PG, sys::PROT_READ),
            Errno::EINVAL,
            "mprotect unaligned"
        );
        err!(
            protect(a + 2 * PG, PG, sys::PROT_READ),
            Errno::ENOMEM,
            "mprotect unmapped"
        );
        err!(
            protect(a, 3 * PG, sys::PROT_READ),
            Errno::ENOMEM,
            "mprotect partly unmapped"
        );
        err!(advise(a, PG, 12345), Errno::EINVAL, "madvise bad advice");
        err!(
            advise(a + 1, PG, sys::MADV_DONTNEED),
            Errno::EINVAL,
            "madvise unaligned"
        );
        err!(
            advise(a + 2 * PG, PG, sys::MADV_DONTNEED),
            Errno::ENOMEM,
            "madvise unmapped"
        );
        ok!(advise(a, 2 * PG, sys::MADV_NORMAL), "madvise NORMAL");
        ok!(advise(a, 2 * PG, sys::MADV_WILLNEED), "madvise WILLNEED");
        err!(sys::mlock(a + 2 * PG, PG), Errno::ENOMEM, "mlock unmapped");
        let mut vec = [0u8; 4];
        match sys::mincore(a + 2 * PG, PG, &mut vec) {
            Err(Errno::ENOMEM) => {}
            Err(Errno::ENOSYS) if !ctx.linux => {}
            other => crate::util::fail(
                core::panic::Location::caller(),
                format_args!("mincore unmapped: {:?}", other),
            ),
        }
    }
}

fn old_mmap(ctx: &Ctx) {
    let rw = sys::PROT_READ | sys::PROT_WRITE;
    let a = ok!(
        old_mmap_raw(0, 2 * PG, rw, sys::MAP_PRIVATE | sys::MAP_ANONYMOUS, -1, 0),
        "old_mmap anon"
    );
    check_eq!(a % PG, 0, "alignment");
    expect_bytes(a, 2 * PG, 0, "old_mmap memory is zero");
    fill(a, 2 * PG, 3);
    ok!(unmap(a, 2 * PG), "munmap");
    let fd = open_self(ctx);
    let mut expect = [0u8; 64];
    ok!(sys::lseek(fd.0, PG as isize, sys::SEEK_SET), "lseek");
    check_eq!(ok!(sys::read(fd.0, &mut expect), "read"), 64, "read");
    let m = ok!(
        old_mmap_raw(0, PG, sys::PROT_READ, sys::MAP_PRIVATE, fd.0, PG),
        "old_mmap file at offset 4096"
    );
    for (i, &b) in expect.iter().enumerate() {
        // SAFETY: inside the file mapping.
        check_eq!(unsafe { peek(m + i) }, b, "file byte {}", PG + i);
    }
    err!(
        old_mmap_raw(0, PG, sys::PROT_READ, sys::MAP_PRIVATE, fd.0, 100),
        Errno::EINVAL,
        "old_mmap unaligned offset"
    );
}

fn mmap_file(ctx: &Ctx) {
    let contents = ok!(rt::fs::read_file(ctx.self_path.as_cstr()), "read file");
    let size = contents.len();
    check!(size > 2 * PG, "test file too small ({} bytes)", size);
    let fd = open_self(ctx);
    let st = ok!(sys::fstat64(fd.0), "fstat64");
    let st_size = st.st_size;
    let st_mode = st.st_mode;
    check_eq!(st_size as usize, size, "fstat64 size");
    check_eq!(st_mode & sys::S_IFMT, sys::S_IFREG, "fstat64 regular file");
    let m = ok!(
        mmap_raw(0, size, sys::PROT_READ, sys::MAP_PRIVATE, fd.0, 0),
        "mmap2 file"
    );
    for (i, &b) in contents.iter().enumerate() {
        // SAFETY: inside the mapping (size bytes).
        if unsafe { peek(m + i) } != b {
            crate::util::fail(
                core::panic::Location::caller(),
                format_args!("mapped byte {} differs", i),
            );
        }
    }
    let m1 = ok!(
        mmap_raw(
            0,
            PG,
            sys::PROT_READ | sys::PROT_WRITE,
            sys::MAP_PRIVATE,
            fd.0,
            1
        ),
        "mmap2 pgoff 1, writable private"
    );
    for i in 0..PG.min(size - PG) {
        // SAFETY: inside the mapping.
        check_eq!(
            unsafe { peek(m1 + i) },
            contents[PG + i],
            "byte {} at pgoff 1",
            PG + i
        );
    }
    drop(fd);
    // Mappings survive close; private writes stay private.
    fill(m1, 16, 0xEE);
    expect_bytes(m1, 16, 0xEE, "private write");
    // SAFETY: inside the mapping.
    check_eq!(
        unsafe { peek(m + PG) },
        contents[PG],
        "other mapping of the same page is unaffected"
    );
    let again = ok!(rt::fs::read_file(ctx.self_path.as_cstr()), "re-read file");
    check!(
        again == contents,
        "the file changed after a private mapping was written"
    );
    ok!(unmap(m, size), "munmap");
    ok!(unmap(m1, PG), "munmap");
}

fn mmap_file_sigbus(ctx: &Ctx) {
    let fd = open_self(ctx);
    let size = ok!(sys::fstat64(fd.0), "fstat64").st_size as usize;
    let pages = size.div_ceil(PG);
    let m = ok!(
        mmap_raw(
            0,
            (pages + 2) * PG,
            sys::PROT_READ,
            sys::MAP_PRIVATE,
            fd.0,
            0
        ),
        "mmap beyond EOF"
    );
    if !size.is_multiple_of(PG) {
        expect_bytes(
            m + size,
            pages * PG - size,
            0,
            "tail of the page holding EOF",
        );
    }
    // SAFETY: expected to fault with SIGBUS: a whole page beyond EOF.
    unsafe { peek(m + pages * PG + 8) };
}
