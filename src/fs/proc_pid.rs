//! Per-process `/proc/PID` files in Linux's formats, as `ps`, `top` and `free` read them:
//! `stat`, `statm`, `status`, `cmdline`, `environ`, `comm`.
//!
//! Fields we have no counterpart for are Linux's value for a process that does not use the
//! feature (no tracer, no namespaces, no seccomp, no swap, no NUMA): 0 or the default.

use crate::mm::aspace::{AddressSpace, ExecLayout};
use crate::proc::sched;
use crate::proc::task::{Pid, State, Task};
use crate::mm::trytext::TryText;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;
use vmcore::errno::Errno;
use vmcore::mspace::{AreaTotals, MSpaceStats};

/// USER_HZ: the unit of `stat`'s times.
const USER_HZ: u64 = 100;

fn ns_to_clock_ticks(ns: u64) -> u64 {
    ns / (1_000_000_000 / USER_HZ)
}

/// A task's state letter and its `status` word.
fn state_of(task: &Task) -> (char, &'static str) {
    let state = task.inner.lock().state;
    match state {
        State::Runnable => ('R', "running"),
        State::Sleeping { .. } | State::Waiting => ('S', "sleeping"),
        State::Stopped => ('T', "stopped"),
        State::Zombie => ('Z', "zombie"),
    }
}

/// The memory view of a task: its space's counters and area totals, and exec's layout (all
/// zero once it has no space: a zombie).
struct MemView {
    stats: MSpaceStats,
    areas: AreaTotals,
    layout: ExecLayout,
    peak: u32,
}

fn mem_view(space: Option<&Arc<AddressSpace>>) -> MemView {
    match space {
        Some(s) => {
            let (stats, areas, peak) = s.read(|m| (m.stats(), m.area_totals(), m.peak_resident()));
            MemView { stats, areas, layout: s.exec_layout(), peak }
        }
        None => MemView { stats: MSpaceStats::default(), areas: AreaTotals::default(), layout: ExecLayout::default(), peak: 0 },
    }
}

/// Signal sets of a task: (thread pending, process pending, blocked, ignored, caught).
fn signal_sets(task: &Task) -> (u64, u64, u64, u64, u64) {
    let (pending, blocked, hand) = {
        let inner = task.inner.lock();
        (inner.sig.pending.set, inner.sig.blocked, inner.sighand.clone())
    };
    let shared = task.group.sig.lock().shared.set;
    let (mut ignored, mut caught) = (0u64, 0u64);
    for (i, a) in hand.all().iter().enumerate() {
        match a.handler {
            0 => {}
            1 => ignored |= 1 << i,
            _ => caught |= 1 << i,
        }
    }
    (pending, shared, blocked, ignored, caught)
}

/// `/proc/PID/stat`: Linux's 52 fields on one line.
pub fn stat(task: &Arc<Task>) -> Result<String, Errno> {
    let (state, _) = state_of(task);
    let (name, parent, space) = {
        let inner = task.inner.lock();
        (crate::mm::trycopy::string(&inner.name)?, inner.parent, inner.aspace.clone())
    };
    let pid = task.group.tgid;
    let usage = crate::proc::usage::process_usage(task);
    let children = task.group.usage.children();
    let m = mem_view(space.as_ref());
    let (pending, shared, blocked, ignored, caught) = signal_sets(task);
    let start = ns_to_clock_ticks(task.usage.start_ns());
    let l = m.layout;
    let mut s = TryText::new();
    let _ = write!(
        s,
        "{pid} ({}) {state} {parent} {} {} 0 -1 4194560 {} {} 0 0 {} {} {} {} 20 0 {} 0 {start} {} {} 4294967295 {} {} {} 0 0 {} {} {} {} 0 0 0 17 0 0 0 0 0 0 {} {} {} {} {} {} {} 0\n",
        &name[..name.len().min(15)],
        task.group.pgid(),
        task.group.sid(),
        usage.minflt,
        children.minflt,
        ns_to_clock_ticks(usage.utime),
        ns_to_clock_ticks(usage.stime),
        ns_to_clock_ticks(children.utime),
        ns_to_clock_ticks(children.stime),
        task.group.live().max(1),
        m.areas.total as u64 * 4096,
        m.stats.p_size + m.stats.s_size,
        l.code.0,
        l.code.1,
        l.stack_start,
        (pending | shared) & 0x7fff_ffff,
        blocked & 0x7fff_ffff,
        ignored & 0x7fff_ffff,
        caught & 0x7fff_ffff,
        l.data.0,
        l.data.1,
        l.brk_start,
        l.args.0,
        l.args.1,
        l.env.0,
        l.env.1,
    );
    s.finish()
}

/// `/proc/PID/statm`: size resident shared text lib data dt, in pages.
pub fn statm(task: &Arc<Task>) -> Result<String, Errno> {
    let space = task.inner.lock().aspace.clone();
    let m = mem_view(space.as_ref());
    crate::try_format!(
        "{} {} {} {} 0 {} 0\n",
        m.areas.total,
        m.stats.p_size + m.stats.s_size,
        m.stats.s_size,
        m.areas.exec,
        m.areas.data + m.areas.stack
    )
}

/// `/proc/PID/status`: the fields `ps`, `top` and people read, in Linux 6.1's order.
pub fn status(task: &Arc<Task>) -> Result<String, Errno> {
    let (state, word) = state_of(task);
    let (name, parent, space, fds) = {
        let inner = task.inner.lock();
        (crate::mm::trycopy::string(&inner.name)?, inner.parent, inner.aspace.clone(), inner.files.clone())
    };
    let cred = task.cred.lock().clone();
    let m = mem_view(space.as_ref());
    let (pending, shared, blocked, ignored, caught) = signal_sets(task);
    let usage = task.usage.own(false, None);
    let kib = |pages: u32| pages as u64 * 4;
    let mut s = TryText::new();
    let _ = writeln!(s, "Name:\t{}", &name[..name.len().min(15)]);
    let _ = writeln!(s, "State:\t{state} ({word})");
    let _ = writeln!(s, "Tgid:\t{}", task.group.tgid);
    let _ = writeln!(s, "Ngid:\t0");
    let _ = writeln!(s, "Pid:\t{}", task.pid());
    let _ = writeln!(s, "PPid:\t{parent}");
    let _ = writeln!(s, "TracerPid:\t0");
    let _ = writeln!(s, "Uid:\t{}\t{}\t{}\t{}", cred.uid, cred.euid, cred.suid, cred.fsuid);
    let _ = writeln!(s, "Gid:\t{}\t{}\t{}\t{}", cred.gid, cred.egid, cred.sgid, cred.fsgid);
    let _ = writeln!(s, "FDSize:\t{}", fds.map_or(0, |f| f.with(|t| t.slots())).next_power_of_two().max(64));
    let _ = write!(s, "Groups:\t");
    for g in &cred.groups {
        let _ = write!(s, "{g} ");
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "NStgid:\t{}", task.group.tgid);
    let _ = writeln!(s, "NSpid:\t{}", task.pid());
    let _ = writeln!(s, "NSpgid:\t{}", task.group.pgid());
    let _ = writeln!(s, "NSsid:\t{}", task.group.sid());
    if space.is_some() {
        let rss = m.stats.p_size + m.stats.s_size;
        let _ = writeln!(s, "VmPeak:\t{:>8} kB", kib(m.areas.total));
        let _ = writeln!(s, "VmSize:\t{:>8} kB", kib(m.areas.total));
        let _ = writeln!(s, "VmLck:\t{:>8} kB", kib(m.areas.locked));
        let _ = writeln!(s, "VmPin:\t{:>8} kB", 0);
        let _ = writeln!(s, "VmHWM:\t{:>8} kB", kib(m.peak.max(rss)));
        let _ = writeln!(s, "VmRSS:\t{:>8} kB", kib(rss));
        let _ = writeln!(s, "RssAnon:\t{:>8} kB", kib(m.stats.p_size));
        let _ = writeln!(s, "RssFile:\t{:>8} kB", 0);
        let _ = writeln!(s, "RssShmem:\t{:>8} kB", kib(m.stats.s_size));
        let _ = writeln!(s, "VmData:\t{:>8} kB", kib(m.areas.data));
        let _ = writeln!(s, "VmStk:\t{:>8} kB", kib(m.areas.stack));
        let _ = writeln!(s, "VmExe:\t{:>8} kB", kib(m.areas.exec));
        let _ = writeln!(s, "VmLib:\t{:>8} kB", 0);
        let _ = writeln!(s, "VmPTE:\t{:>8} kB", kib(m.stats.page_tables));
        let _ = writeln!(s, "VmSwap:\t{:>8} kB", 0);
        // Ours: the rest of the kernel memory charged to the process (crate::proc::kmem).
        let _ = writeln!(s, "VmKernel:\t{:>8} kB", crate::proc::kmem::charge(task, space.as_deref()).other / 1024);
    }
    let _ = writeln!(s, "Threads:\t{}", task.group.live().max(1));
    let _ = writeln!(s, "SigQ:\t0/{}", crate::proc::limits::of(task).cur(crate::proc::limits::RLIMIT_SIGPENDING));
    let _ = writeln!(s, "SigPnd:\t{pending:016x}");
    let _ = writeln!(s, "ShdPnd:\t{shared:016x}");
    let _ = writeln!(s, "SigBlk:\t{blocked:016x}");
    let _ = writeln!(s, "SigIgn:\t{ignored:016x}");
    let _ = writeln!(s, "SigCgt:\t{caught:016x}");
    let caps: u64 = if cred.euid == 0 { 0x0000_01ff_ffff_ffff } else { 0 };
    let _ = writeln!(s, "CapInh:\t{:016x}", 0);
    let _ = writeln!(s, "CapPrm:\t{caps:016x}");
    let _ = writeln!(s, "CapEff:\t{caps:016x}");
    let _ = writeln!(s, "CapBnd:\t{:016x}", 0x0000_01ff_ffff_ffffu64);
    let _ = writeln!(s, "CapAmb:\t{:016x}", 0);
    let _ = writeln!(s, "NoNewPrivs:\t{}", u8::from(cred.no_new_privs));
    let _ = writeln!(s, "Seccomp:\t0");
    let _ = writeln!(s, "voluntary_ctxt_switches:\t{}", usage.nvcsw);
    let _ = writeln!(s, "nonvoluntary_ctxt_switches:\t{}", usage.nivcsw);
    s.finish()
}

/// Reads `[start, end)` of a task's memory (its argument or environment strings), at most a
/// page as Linux's `proc_pid_cmdline_read` pages through it; empty without a space.
fn strings(task: &Arc<Task>, pick: impl Fn(&ExecLayout) -> (u32, u32)) -> Result<Vec<u8>, Errno> {
    let Some(space) = task.inner.lock().aspace.clone() else { return Ok(Vec::new()) };
    let (start, end) = pick(&space.exec_layout());
    let len = end.saturating_sub(start).min(128 * 1024) as usize;
    let mut out = Vec::new();
    crate::mm::inject::fallible(|| out.try_reserve_exact(len)).map_err(|_| Errno::ENOMEM)?;
    out.resize(len, 0);
    let got = space.peek(vmcore::addr::VirtAddr::new(start), &mut out);
    out.truncate(got);
    Ok(out)
}

/// `/proc/PID/cmdline`: the argument strings with their NULs.
pub fn cmdline(task: &Arc<Task>) -> Result<Vec<u8>, Errno> {
    strings(task, |l| l.args)
}

/// `/proc/PID/environ`: the environment strings with their NULs.
pub fn environ(task: &Arc<Task>) -> Result<Vec<u8>, Errno> {
    strings(task, |l| l.env)
}

/// `/proc/PID/comm`: the name and a newline.
pub fn comm(task: &Arc<Task>) -> Result<String, Errno> {
    let name = crate::mm::trycopy::string(&task.inner.lock().name)?;
    crate::try_format!("{}\n", &name[..name.len().min(15)])
}

/// `sleep(Nms)`, the state `/proc/ps` shows for a sleeper, padded to the formatter's width
/// without building a `String`.
pub struct Sleep(pub u64);

impl core::fmt::Display for Sleep {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "sleep({}ms)", self.0)?;
        let len = 10 + self.0.checked_ilog10().unwrap_or(0) as usize;
        for _ in len..f.width().unwrap_or(0) {
            f.write_str(" ")?;
        }
        Ok(())
    }
}

/// `/proc/ps`: one line per process: pid, parent, state, name (the shell's `ps`).
pub fn ps() -> Result<String, Errno> {
    let now = crate::arch::pit::ticks();
    let mut s = TryText::new();
    let _ = writeln!(s, "  PID  PPID STATE        NAME");
    // One task at a time from the table (a cursor), not a copy of it.
    let next = |at: Pid| sched::with(|s| s.next_pid(at, |t| t.pid() != 0).and_then(|p| s.tasks.get(&p).cloned()));
    for t in core::iter::successors(next(0), |t| next(t.pid() + 1)) {
        let inner = t.inner.lock();
        let _ = write!(s, "{:>5} {:>5} ", t.pid(), inner.parent);
        let _ = match inner.state {
            State::Runnable => write!(s, "{:<12}", "run"),
            State::Sleeping { until } => write!(s, "{:<12}", Sleep(until.saturating_sub(now) * 1000 / crate::arch::pit::HZ as u64)),
            State::Waiting => write!(s, "{:<12}", "wait"),
            State::Zombie => write!(s, "{:<12}", "zombie"),
            State::Stopped => write!(s, "{:<12}", "stopped"),
        };
        let _ = writeln!(s, " {}", inner.name);
    }
    s.finish()
}
