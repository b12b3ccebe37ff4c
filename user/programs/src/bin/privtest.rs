//! `privtest`: ring 3 must not be able to use privileged instructions, kernel segments or
//! kernel memory, and `into`/`bound` traps are SIGSEGV as on Linux. Each case runs in a forked child that must be killed by SIGSEGV, exactly as
//! on Linux (where this binary passes too). Prints one line per case and `N passed, N failed`;
//! exits with the number of failures.
#![no_std]
#![no_main]

use core::arch::asm;
use rt::prelude::*;

rt::entry!(main);

const SIGSEGV: i32 = 11;
const KERNEL_TEXT: usize = 0xC010_0000;

fn cli() {
    // SAFETY: deliberately privileged: must trap.
    unsafe { asm!("cli") }
}
fn sti() {
    // SAFETY: deliberately privileged: must trap.
    unsafe { asm!("sti") }
}
fn hlt() {
    // SAFETY: deliberately privileged: must trap.
    unsafe { asm!("hlt") }
}
fn port_in() {
    // SAFETY: port I/O needs IOPL or an I/O bitmap grant: must trap.
    unsafe { asm!("in al, 0x80", out("al") _) }
}
fn port_out() {
    // SAFETY: as above.
    unsafe { asm!("out 0x80, al", in("al") 0u8) }
}
fn lgdt() {
    let table = [0u16; 3];
    // SAFETY: deliberately privileged: must trap.
    unsafe { asm!("lgdt [{}]", in(reg) table.as_ptr()) }
}
fn lidt() {
    let table = [0u16; 3];
    // SAFETY: deliberately privileged: must trap.
    unsafe { asm!("lidt [{}]", in(reg) table.as_ptr()) }
}
fn write_cr3() {
    // SAFETY: deliberately privileged: must trap.
    unsafe { asm!("mov cr3, {}", in(reg) 0u32) }
}
fn read_cr0() {
    // SAFETY: deliberately privileged: must trap.
    unsafe { asm!("mov {}, cr0", out(reg) _) }
}
fn load_kernel_data_segment() {
    // SAFETY: selector 0x10 is a DPL-0 segment: loading it at CPL 3 must trap.
    unsafe { asm!("mov {tmp:x}, ds", "push {tmp}", "mov {sel:x}, 0x10", "mov ds, {sel:x}", "pop {tmp}", "mov ds, {tmp:x}", tmp = out(reg) _, sel = out(reg) _) }
}
fn int_to_kernel_gate() {
    // SAFETY: vector 13's gate has DPL 0: `int 13` from ring 3 must trap (#GP).
    unsafe { asm!("int 13") }
}
fn read_kernel_memory() {
    // SAFETY: deliberately reads the kernel half: must fault.
    let v = unsafe { (KERNEL_TEXT as *const u32).read_volatile() };
    println!("read {:#x} from kernel memory", v);
}
fn write_kernel_memory() {
    // SAFETY: deliberately writes the kernel half: must fault.
    unsafe { (KERNEL_TEXT as *mut u32).write_volatile(0) }
}
fn execute_kernel_memory() {
    // SAFETY: deliberately jumps into the kernel half: the fetch must fault.
    let f: extern "C" fn() = unsafe { core::mem::transmute(KERNEL_TEXT) };
    f()
}
fn into_overflow() {
    // SAFETY: sets OF (0x7f + 1 overflows a signed byte) and executes `into`: #OF, which
    // Linux answers with SIGSEGV.
    unsafe { asm!("mov al, 0x7f", "add al, 1", "into", out("al") _) }
}
fn bound_out_of_range() {
    let bounds = [0i32, 1];
    // SAFETY: 5 lies outside [0, 1]: `bound` raises #BR, which Linux answers with SIGSEGV.
    unsafe { asm!("bound {v}, [{b}]", v = in(reg) 5i32, b = in(reg) bounds.as_ptr()) }
}

const CASES: &[(&str, fn())] = &[
    ("cli", cli),
    ("sti", sti),
    ("hlt", hlt),
    ("in_port", port_in),
    ("out_port", port_out),
    ("lgdt", lgdt),
    ("lidt", lidt),
    ("mov_to_cr3", write_cr3),
    ("mov_from_cr0", read_cr0),
    ("load_kernel_data_segment", load_kernel_data_segment),
    ("int_to_a_kernel_only_gate", int_to_kernel_gate),
    ("read_kernel_memory", read_kernel_memory),
    ("write_kernel_memory", write_kernel_memory),
    ("execute_kernel_memory", execute_kernel_memory),
    ("into_overflow", into_overflow),
    ("bound_out_of_range", bound_out_of_range),
];

fn run(case: fn()) -> Result<i32, Errno> {
    match sys::fork()? {
        Fork::Child => {
            case();
            sys::exit(0)
        }
        Fork::Parent(pid) => Ok(sys::waitpid(pid as i32, 0)?.1),
    }
}

fn main(_args: Args) -> i32 {
    let (mut passed, mut failed) = (0, 0);
    for (name, case) in CASES {
        match run(*case) {
            Ok(status) if sys::wifsignaled(status) && sys::wtermsig(status) == SIGSEGV => {
                println!("test {} ... ok", name);
                passed += 1;
            }
            Ok(status) => {
                println!("test {} ... FAILED ({}, expected killed by SIGSEGV)", name, rt::WaitStatus(status));
                failed += 1;
            }
            Err(e) => {
                println!("test {} ... FAILED (fork: {})", name, e);
                failed += 1;
            }
        }
    }
    println!("{} passed, {} failed", passed, failed);
    failed
}
