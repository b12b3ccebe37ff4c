//! The test cases. Each runs in a forked child of the runner; it reports failure by exiting
//! non-zero (the `check!` family prints the reason and exits 1) and success by returning
//! (exit 0), unless the case's `expect` says it must be killed by a signal.
//!
//! Cases use raw addresses (`peek`/`poke`/`fill`) rather than Rust references for memory whose
//! mapping they change, so faults are the only thing that can happen to them.
//!
//! One file per area; each holds its cases' functions and its own `CASES` table (one `case!`
//! line per case: name, expected end, where it runs, what it proves). `AREAS` lists the areas
//! in the order the cases run. A new case goes into its area's file, function and table line.

// What every area file gets with `use super::*`.
use crate::util::*;
use crate::{check, check_eq, err, note, ok};
use rt::prelude::*;
use rt::sys::{nr, syscall1, syscall2, syscall3, syscall4};
use rt::WaitStatus;

/// The outcome the runner requires from a case's process.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Exit(i32),
    Signal(i32),
}

/// Where a case runs.
#[derive(Clone, Copy)]
pub enum Runs {
    Everywhere,
    /// Skipped on Linux, with the reason printed.
    OurKernelOnly(&'static str),
}

pub struct Case {
    pub name: &'static str,
    pub expect: Expect,
    pub runs: Runs,
    /// One line: what the case proves (printed by `--list`, repeated in the README).
    pub what: &'static str,
    pub run: fn(&Ctx),
}

const OK: Expect = Expect::Exit(0);
const SEGV: Expect = Expect::Signal(sys::SIGSEGV);
const ALL: Runs = Runs::Everywhere;

macro_rules! case {
    ($name:ident, $expect:expr, $runs:expr, $what:expr) => {
        Case {
            name: stringify!($name),
            expect: $expect,
            runs: $runs,
            what: $what,
            run: $name,
        }
    };
}

mod bad_pointers;
mod brk;
mod cow;
mod files;
mod fpu;
mod creds;
mod futex;
mod kernel;
mod limits;
mod madvise_mlock;
mod mmap;
mod mremap;
mod msync;
mod oom;
mod persona;
mod pipes;
mod process;
mod protection;
mod selftest;
mod signals;
mod stack;
mod threads;
mod tls;
mod time;

pub use cow::probe_bss;
pub use fpu::probe_fpu;
pub use limits::probe_limits;
pub use persona::probe_persona;
pub use process::probe;
pub use selftest::SELFTESTS;
pub use threads::probe_ids;
pub use tls::probe_tls;
pub use signals::probe_signals;

/// The cases by area, in the order they run and `--list` shows them. Each area's file holds
/// its table entries next to the case functions.
static AREAS: &[&[Case]] = &[
    brk::CASES,
    cow::CASES,
    process::CASES,
    persona::CASES,
    protection::CASES,
    mremap::CASES,
    mmap::CASES,
    madvise_mlock::CASES,
    msync::CASES,
    stack::CASES,
    kernel::CASES,
    bad_pointers::CASES,
    oom::CASES,
    fpu::CASES,
    tls::CASES,
    creds::CASES,
    limits::CASES,
    time::CASES,
    signals::CASES,
    futex::CASES,
    threads::CASES,
    files::CASES,
    pipes::CASES,
];

/// Every case (not the self-tests), in order.
pub fn all() -> impl Iterator<Item = &'static Case> {
    AREAS.iter().flat_map(|area| area.iter())
}
