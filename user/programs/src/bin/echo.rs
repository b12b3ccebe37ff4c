//! `echo [args...]`: prints its arguments separated by spaces, then a newline.
#![no_std]
#![no_main]

use rt::io::FdWriter;
use rt::prelude::*;

rt::entry!(main);

fn main(args: Args) -> i32 {
    let mut w = FdWriter::new(1);
    for (i, a) in args.iter().skip(1).enumerate() {
        if i > 0 {
            w.write_bytes(b" ");
        }
        w.write_bytes(a);
    }
    w.write_bytes(b"\n");
    w.flush();
    0
}
