//! `/proc`: files generated when opened, in Linux's formats.
//!
//! - `/proc/meminfo` — `MemTotal`, `MemFree`, `MemAvailable`, `Shared`... Our `MemFree` counts
//!   free frames plus the kernel heap's free bytes (heap pages are kept once mapped, so a heap
//!   that grew is not memory lost): it comes back exactly when every object a test made is
//!   freed, which is what the ring-3 leak checks compare.
//! - `/proc/self/maps`, `/proc/PID/maps` — the address space in `/proc/PID/maps` format.
//! - `/proc/ps` — one line per process: pid, parent, state, name (the shell's `ps`).

use super::Node;
use crate::mm::{frames, heap};
use crate::proc::sched;
use crate::proc::task::{Pid, State};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;
use vmcore::errno::Errno;

/// Free memory in KiB as `MemFree` reports it.
pub fn mem_free_kib() -> u64 {
    let c = frames::counters();
    let h = heap::stats();
    c.free as u64 * 4 + (h.size - h.used) as u64 / 1024
}

fn maps(pid: Pid) -> Result<String, Errno> {
    let task = sched::with(|s| s.tasks.get(&pid).cloned()).ok_or(Errno::ENOENT)?;
    let aspace = task.inner.lock().aspace.clone();
    let mut s = String::new();
    if let Some(a) = aspace {
        let _ = a.write_maps(&mut s);
    }
    Ok(s)
}

fn ps() -> String {
    let now = crate::arch::pit::ticks();
    let mut s = String::from("  PID  PPID STATE        NAME\n");
    let tasks: Vec<_> = sched::with(|s| s.tasks.values().cloned().collect());
    for t in tasks.iter().filter(|t| t.pid() != 0) {
        let inner = t.inner.lock();
        let state = match inner.state {
            State::Runnable => String::from("run"),
            State::Sleeping { until } => alloc::format!("sleep({}ms)", until.saturating_sub(now) * 1000 / crate::arch::pit::HZ as u64),
            State::Waiting => String::from("wait"),
            State::Zombie => String::from("zombie"),
            State::Stopped => String::from("stopped"),
        };
        let _ = writeln!(s, "{:>5} {:>5} {:<12} {}", t.pid(), inner.parent, state, inner.name);
    }
    s
}

/// Resolves a path under `/proc`.
pub fn lookup(path: &str) -> Result<Node, Errno> {
    let rest = path.strip_prefix("/proc").unwrap_or("").trim_matches('/');
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let me = crate::proc::current_pid();
    let pid_of = |p: &str| -> Result<Pid, Errno> {
        if p == "self" { Ok(me) } else { p.parse::<Pid>().map_err(|_| Errno::ENOENT) }
    };
    match parts.as_slice() {
        [] => {
            let mut names: Vec<String> = ["cpuinfo", "filesystems", "loadavg", "meminfo", "ps", "self", "stat", "sys", "uptime", "vmstat"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            names.extend(sched::with(|s| s.pids()).into_iter().filter(|&p| p != 0).map(|p| p.to_string()));
            Ok(Node::Dir(names))
        }
        ["meminfo"] => Ok(Node::Generated(super::proc_sys::meminfo().into_bytes())),
        ["uptime"] => Ok(Node::Generated(super::proc_sys::uptime().into_bytes())),
        ["loadavg"] => Ok(Node::Generated(super::proc_sys::loadavg().into_bytes())),
        ["stat"] => Ok(Node::Generated(super::proc_sys::stat().into_bytes())),
        ["cpuinfo"] => Ok(Node::Generated(super::proc_sys::cpuinfo().into_bytes())),
        ["vmstat"] => Ok(Node::Generated(super::proc_sys::vmstat().into_bytes())),
        ["filesystems"] => Ok(Node::Generated(super::proc_sys::filesystems().into_bytes())),
        ["sys", rest @ ..] => match super::proc_sys::sysctl_dir(rest) {
            Some(names) => Ok(Node::Dir(names.iter().map(|s| s.to_string()).collect())),
            None => super::proc_sys::sysctl(rest).map(|v| Node::Generated(v.into_bytes())).ok_or(Errno::ENOENT),
        },
        ["ps"] => Ok(Node::Generated(ps().into_bytes())),
        [p] => {
            let pid = pid_of(p)?;
            let names = ["cmdline", "comm", "environ", "maps", "pagemap", "smaps", "stat", "statm", "status"];
            sched::with(|s| s.tasks.contains_key(&pid)).then(|| Node::Dir(names.iter().map(|n| n.to_string()).collect())).ok_or(Errno::ENOENT)
        }
        [p, "maps"] => Ok(Node::Generated(maps(pid_of(p)?)?.into_bytes())),
        [p, "smaps"] => Ok(Node::Generated(super::proc_vm::smaps(pid_of(p)?)?.into_bytes())),
        [p, "pagemap"] => Ok(Node::Pagemap(pid_of(p)?)),
        [p, file] => {
            let task = sched::with(|s| s.tasks.get(&pid_of(p)?).cloned().ok_or(Errno::ENOENT))?;
            let bytes = match *file {
                "stat" => super::proc_pid::stat(&task).into_bytes(),
                "statm" => super::proc_pid::statm(&task).into_bytes(),
                "status" => super::proc_pid::status(&task).into_bytes(),
                "comm" => super::proc_pid::comm(&task).into_bytes(),
                "cmdline" => super::proc_pid::cmdline(&task)?,
                "environ" => super::proc_pid::environ(&task)?,
                _ => return Err(Errno::ENOENT),
            };
            Ok(Node::Generated(bytes))
        }
        _ => Err(Errno::ENOENT),
    }
}
