//! An strace-like trace of system calls on the serial console.
//!
//! `strace` on the kernel command line traces every process, `strace=NAME` only processes
//! whose program is named NAME. Each call is one line, formatted like strace:
//! `[3 sh] mmap2(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x40000000`.
//! Calls that do not return (exit, a successful execve's old image) print their arguments first.
//!
//! Without `strace`, `log=debug` still records every call that fails, in the same format
//! ([`failed`]); the dispatcher asks for it only on its error path, after one check of the level.

use crate::proc::{self, current_name};
use crate::syscall::uptr::UserPtr;
use alloc::string::String;
use core::sync::atomic::{AtomicBool, Ordering};
use spin::Once;
use vmcore::syscall_abi::{format_call, format_result};

static ON: AtomicBool = AtomicBool::new(false);
static FILTER: Once<Option<String>> = Once::new();

/// Reads `strace` / `strace=NAME` from the command line.
pub fn init() {
    if let Some(v) = crate::cmdline::get("strace") {
        FILTER.call_once(|| if v.is_empty() { None } else { Some(String::from(v)) });
        ON.store(true, Ordering::Relaxed);
    }
}

/// Whether any tracing is on.
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

fn wanted(name: &str) -> bool {
    match FILTER.get() {
        Some(Some(f)) => f == name,
        _ => true,
    }
}

fn read_str(addr: u32) -> Option<String> {
    let bytes = UserPtr::<u8>::new(addr).read_cstr(256).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The call's text, formatted before it runs (its string arguments may not survive it).
pub fn before(nr: u32, args: &[u32; 6]) -> Option<String> {
    let name = current_name();
    if !wanted(&name) {
        return None;
    }
    let mut line = alloc::format!("[{} {}] ", proc::current_pid(), name);
    let _ = format_call(&mut line, nr, args, &mut read_str);
    if matches!(nr, vmcore::syscall_abi::SYS_EXIT | vmcore::syscall_abi::SYS_EXIT_GROUP) {
        crate::kprintln!("{line} = ?");
        return None;
    }
    Some(line)
}

/// Prints the call with its result.
pub fn after(mut line: String, nr: u32, result: u32) {
    let _ = format_result(&mut line, nr, result as i32);
    crate::kprintln!("{line}");
}

/// `log=debug`: one record for a call that failed, formatted as strace prints it
/// (`[3 sh] openat(-100, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)`). Pointer
/// arguments are read after the call, so a string the call changed shows its new contents.
pub fn failed(nr: u32, args: &[u32; 6], result: u32) {
    let mut line = alloc::format!("[{} {}] ", proc::current_pid(), current_name());
    let _ = format_call(&mut line, nr, args, &mut read_str);
    let _ = format_result(&mut line, nr, result as i32);
    log::debug!("{line}");
}
