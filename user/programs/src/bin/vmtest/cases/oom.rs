//! Out of memory: the kernel kills a process, and everything comes back.

use super::*;

pub(super) static CASES: &[Case] = &[
    case!(oom_kill, OK, Runs::OurKernelOnly("would trigger the host's OOM killer"), "touching memory until none is left gets a toucher killed with SIGKILL; all memory comes back"),
];

fn oom_kill(ctx: &Ctx) {
    // Several workers (so that even a machine with more RAM than one 3 GiB address space runs
    // out) map and touch 1 MiB chunks; one whose address space is full sleeps, holding its
    // memory. The kernel must kill one of them with SIGKILL when memory is exhausted; then the
    // rest are killed here and everything must come back (the runner's leak check).
    const WORKERS: usize = 4;
    let mut pids = [0u32; WORKERS];
    for p in pids.iter_mut() {
        *p = spawn(|| {
            loop {
                match sys::mmap_anon(MIB, sys::PROT_READ | sys::PROT_WRITE, sys::MAP_NORESERVE) {
                    Ok(a) => tag_pages(a, MIB / PG, 1),
                    Err(_) => {
                        let b = page_up(sys::brk(0));
                        if sys::brk(b + MIB) == b + MIB {
                            tag_pages(b, MIB / PG, 1);
                        } else {
                            break; // address space full: hold on to the memory
                        }
                    }
                }
            }
            loop {
                sys::sleep_ms(100_000);
            }
        });
    }
    // The first worker to end must have been killed by the kernel with SIGKILL.
    let (first, s) = ok!(sys::waitpid(-1, 0), "waitpid(-1)");
    check!(
        pids.contains(&first),
        "waitpid returned a stranger {}",
        first
    );
    let first_ok = sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGKILL;
    note!(ctx, "worker {} ended: {}", first, WaitStatus(s));
    for &p in pids.iter().filter(|&&p| p != first) {
        let _ = sys::kill(p as i32, sys::SIGKILL);
    }
    for &p in pids.iter().filter(|&&p| p != first) {
        let s = wait(p);
        check!(
            sys::wifsignaled(s) && sys::wtermsig(s) == sys::SIGKILL,
            "worker {}: {}",
            p,
            WaitStatus(s)
        );
    }
    check!(
        first_ok,
        "the first worker to end was not killed by SIGKILL but {}",
        WaitStatus(s)
    );
}
