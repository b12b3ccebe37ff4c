//! personality (136): the query, `ADDR_NO_RANDOMIZE` (`setarch -R`) inherited by fork and kept
//! by exec, and the identical layouts it gives two exec'd children (issue 14).

use super::*;
use rt::sys::{ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC};

pub(super) static CASES: &[Case] = &[
    case!(personality_no_randomize, OK, ALL, "personality(0xffffffff) only reads; ADDR_NO_RANDOMIZE survives fork and exec, two exec'd children get the same layout"),
];

/// The argument that only reads the word.
const QUERY: u32 = 0xffff_ffff;
/// The descriptor the exec'd probe reports on (the pipe's write end, moved there).
const REPORT_FD: i32 = 20;

/// `vmtest --probe-persona`: writes the exec'd image's personality word, stack pointer, the
/// address of a fresh one-page mapping and its break to `REPORT_FD` as four words.
pub fn probe_persona() -> i32 {
    let words = [sys::personality(QUERY).unwrap_or(0), sp() as u32, map(PG) as u32, sys::brk(0) as u32];
    let mut bytes = [0u8; 16];
    for (chunk, w) in bytes.chunks_mut(4).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    if sys::write_all(REPORT_FD, &bytes).is_ok() { 0 } else { 1 }
}

/// Runs `vmtest --probe-persona` in a child and returns its four words.
fn exec_probe(ctx: &Ctx, read_fd: i32) -> [u32; 4] {
    let pid = spawn(|| {
        let argv = [c"probe-persona".as_ptr() as *const u8, c"--probe-persona".as_ptr() as *const u8, core::ptr::null()];
        let envp: [*const u8; 1] = [core::ptr::null()];
        let e = sys::execve(ctx.self_path.as_cstr(), &argv, &envp);
        eprintln!("    execve {}: {}", Bytes(ctx.self_path.as_bytes()), e);
        99
    });
    wait_ok(pid, "the exec'd --probe-persona");
    let mut bytes = [0u8; 16];
    check_eq!(sys::read(read_fd, &mut bytes), Ok(16), "the probe's report");
    let word = |i: usize| u32::from_le_bytes([bytes[4 * i], bytes[4 * i + 1], bytes[4 * i + 2], bytes[4 * i + 3]]);
    [word(0), word(1), word(2), word(3)]
}

fn personality_no_randomize(ctx: &Ctx) {
    let before = ok!(sys::personality(QUERY), "personality(0xffffffff)");
    check_eq!(sys::personality(QUERY), Ok(before), "a second query (the first changed nothing)");
    // In a child, so the runner keeps its word.
    let pid = spawn(|| {
        let want = before | ADDR_NO_RANDOMIZE;
        check_eq!(sys::personality(want), Ok(before), "setting ADDR_NO_RANDOMIZE returns the old word");
        check_eq!(sys::personality(QUERY), Ok(want), "the word after setting it");
        let child = spawn(|| if sys::personality(QUERY) == Ok(want) { 0 } else { 1 });
        wait_ok(child, "a forked child inherits ADDR_NO_RANDOMIZE");
        let [rd, wr] = super::pipes::pipe2(0);
        // SAFETY: dup2 of a descriptor of ours onto an unused number; no memory effects.
        ok!(res(unsafe { syscall2(nr::SYS_DUP2, wr as usize, REPORT_FD as usize) }), "dup2");
        let a = exec_probe(ctx, rd);
        let b = exec_probe(ctx, rd);
        check_eq!(a[0], want, "the personality after exec");
        check_eq!(a, b, "two exec'd children's [personality, sp, mmap, brk] without randomization");
        // Any other word is stored and returned as it is (Linux's set_personality).
        check_eq!(sys::personality(READ_IMPLIES_EXEC), Ok(want), "the word before READ_IMPLIES_EXEC");
        check_eq!(sys::personality(QUERY), Ok(READ_IMPLIES_EXEC), "the word after READ_IMPLIES_EXEC");
        0
    });
    wait_ok(pid, "the child setting ADDR_NO_RANDOMIZE");
    check_eq!(sys::personality(QUERY), Ok(before), "the runner's word after its child set one");
}
