//! `hello [args...]`: greets and prints its argv, one per line; exits 0.
#![no_std]
#![no_main]

use rt::prelude::*;

rt::entry!(main);

fn main(args: Args) -> i32 {
    println!(
        "hello from pid {} (parent {})",
        sys::getpid(),
        sys::getppid()
    );
    for (i, a) in args.iter().enumerate() {
        println!("argv[{}] = \"{}\"", i, Bytes(a));
    }
    0
}
