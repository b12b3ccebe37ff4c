//! Pipes: their frames come back (the runner's exact MemFree check after each case), data
//! crosses between processes intact, and poll sees a pipe's states.

use super::*;

pub(super) static CASES: &[Case] = &[
    case!(pipe_frames_return, OK, ALL, "a full pipe (16 pages) closed unread, half read, or left open at exit gives every frame back"),
    case!(pipe_between_processes, OK, ALL, "256 KiB from a child through a pipe arrive in order; EOF after the child exits"),
    case!(pipe_poll_states, OK, ALL, "poll: an empty pipe is writable only, data makes it readable, the writer's close gives POLLHUP"),
];

const O_NONBLOCK: usize = 0o4000;
const POLLIN: u16 = 1;
const POLLOUT: u16 = 4;
const POLLHUP: u16 = 0x10;

pub(super) fn pipe2(flags: usize) -> [i32; 2] {
    let mut fds = [0i32; 2];
    // SAFETY: the kernel writes two descriptors into `fds`.
    ok!(res(unsafe { syscall2(nr::SYS_PIPE2, fds.as_mut_ptr() as usize, flags) }), "pipe2");
    fds
}

/// Writes until the pipe is full; returns the bytes it took.
fn fill(fd: i32) -> usize {
    let chunk = [0x5au8; 4096];
    let mut total = 0;
    loop {
        match sys::write(fd, &chunk) {
            Ok(n) => total += n,
            Err(Errno::EAGAIN) => return total,
            Err(e) => fail(core::panic::Location::caller(), format_args!("write: {}", e)),
        }
    }
}

fn pipe_frames_return(_ctx: &Ctx) {
    let a = pipe2(O_NONBLOCK);
    check_eq!(fill(a[1]), 65536, "a pipe holds 64 KiB");
    ok!(sys::close(a[0]), "close");
    ok!(sys::close(a[1]), "close");
    let b = pipe2(O_NONBLOCK);
    fill(b[1]);
    let mut buf = [0u8; 4096];
    for _ in 0..8 {
        check_eq!(ok!(sys::read(b[0], &mut buf), "read"), 4096, "a page read back");
    }
    ok!(sys::close(b[1]), "close");
    ok!(sys::close(b[0]), "close");
    // Left full and open: the exit closes it.
    let c = pipe2(O_NONBLOCK);
    fill(c[1]);
}

fn pipe_between_processes(_ctx: &Ctx) {
    const TOTAL: usize = 256 * 1024;
    let fds = pipe2(0);
    let child = spawn(|| {
        let _ = sys::close(fds[0]);
        let mut buf = [0u8; 3000];
        let mut at = 0;
        while at < TOTAL {
            let n = buf.len().min(TOTAL - at);
            for (i, b) in buf[..n].iter_mut().enumerate() {
                *b = ((at + i) % 251) as u8;
            }
            if sys::write_all(fds[1], &buf[..n]).is_err() {
                return 1;
            }
            at += n;
        }
        0
    });
    ok!(sys::close(fds[1]), "close");
    let mut buf = [0u8; 5000];
    let mut at = 0;
    loop {
        let n = ok!(sys::read(fds[0], &mut buf), "read");
        if n == 0 {
            break;
        }
        for (i, &b) in buf[..n].iter().enumerate() {
            check_eq!(b, ((at + i) % 251) as u8, "byte {}", at + i);
        }
        at += n;
    }
    check_eq!(at, TOTAL, "bytes through the pipe");
    wait_ok(child, "writer");
    ok!(sys::close(fds[0]), "close");
}

/// poll on one descriptor with a zero timeout: its revents.
fn poll1(fd: i32, events: u16) -> u16 {
    let mut p = [fd as u32, events as u32];
    // SAFETY: `p` is one `struct pollfd` the kernel updates.
    ok!(res(unsafe { syscall3(nr::SYS_POLL, p.as_mut_ptr() as usize, 1, 0) }), "poll");
    (p[1] >> 16) as u16
}

fn pipe_poll_states(_ctx: &Ctx) {
    let fds = pipe2(0);
    check_eq!(poll1(fds[0], POLLIN), 0, "empty read end");
    check_eq!(poll1(fds[1], POLLOUT), POLLOUT, "empty write end");
    ok!(sys::write(fds[1], b"x"), "write");
    check_eq!(poll1(fds[0], POLLIN), POLLIN, "read end with data");
    ok!(sys::close(fds[1]), "close");
    check_eq!(poll1(fds[0], POLLIN), POLLIN | POLLHUP, "data and no writer");
    ok!(sys::close(fds[0]), "close");
}
