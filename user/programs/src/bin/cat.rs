//! `cat [files...]`: copies each file (or stdin when none is given) to stdout.
#![no_std]
#![no_main]

use rt::fs::Fd;
use rt::prelude::*;

rt::entry!(main);

fn copy(fd: i32) -> Result<(), Errno> {
    let mut buf = [0u8; 4096];
    loop {
        match sys::read(fd, &mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => sys::write_all(1, &buf[..n])?,
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
}

fn main(args: Args) -> i32 {
    if args.len() < 2 {
        return match copy(0) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("cat: stdin: {}", e);
                1
            }
        };
    }
    let mut status = 0;
    for i in 1..args.len() {
        let path = args.get_cstr(i).unwrap_or(c"");
        let res = Fd::open(path, sys::O_RDONLY).and_then(|fd| copy(fd.0));
        if let Err(e) = res {
            eprintln!("cat: {}: {}", Bytes(path.to_bytes()), e);
            status = 1;
        }
    }
    status
}
