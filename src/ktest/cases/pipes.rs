//! Pipes from the kernel side: the FIFO open rules that do not wait, and every frame of a
//! pipe's ring given back when the last end closes.

use crate::fs::pipe::{open_fifo, Pipe};
use crate::mm::frames;
use crate::{check, check_eq, ktest};
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, POLLHUP, POLLIN, POLLOUT};

ktest!(fn fifo_open_rules_and_frames_back() {
    let before = frames::counters();
    let pipe = Pipe::new().expect("a pipe");
    check_eq!(open_fifo(&pipe, O_WRONLY | O_NONBLOCK).err(), Some(Errno::ENXIO));
    let r = open_fifo(&pipe, O_RDONLY | O_NONBLOCK).expect("a non-blocking reader opens alone");
    // No writer has come yet: no POLLHUP.
    check_eq!(r.ops().poll(&r, None), 0);
    let w = open_fifo(&pipe, O_WRONLY | O_NONBLOCK).expect("a writer with a reader");
    check_eq!(w.ops().poll(&w, None), POLLOUT | vmcore::syscall_abi::flags::POLLWRNORM);
    let data = [7u8; 10000];
    check_eq!(w.ops().splice_write(&w, &data, &mut 0), Ok(10000));
    check_eq!(pipe.available(), 10000);
    check!(frames::counters().free < before.free, "the data took frames");
    drop(w);
    check_eq!(r.ops().poll(&r, None) & (POLLIN | POLLHUP), POLLIN | POLLHUP);
    let rw = open_fifo(&pipe, O_RDWR).expect("O_RDWR never waits");
    drop(r);
    check_eq!(pipe.available(), 10000);
    drop(rw);
    // The last end closed: the data and the spare frame are gone.
    check_eq!(pipe.available(), 0);
    drop(pipe);
    check_eq!(frames::counters(), before);
    Ok(())
});
