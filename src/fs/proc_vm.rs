//! The memory views of `/proc` (issue 12): `/proc/PID/smaps`, `/proc/PID/status` (its
//! identity and `Vm*` lines, Linux's format) and the `Mlocked` count of `/proc/meminfo`.

use crate::mm::aspace::AddressSpace;
use crate::mm::phys::KernelPhys;
use crate::proc::sched;
use crate::proc::task::{Pid, State};
use alloc::string::String;
use alloc::sync::Arc;
use core::fmt::Write;
use vmcore::errno::Errno;
use vmcore::mspace::kib;

fn space_of(pid: Pid) -> Result<Option<Arc<AddressSpace>>, Errno> {
    let task = sched::with(|s| s.tasks.get(&pid).cloned()).ok_or(Errno::ENOENT)?;
    let space = task.inner.lock().aspace.clone();
    Ok(space)
}

/// `/proc/PID/smaps`.
pub fn smaps(pid: Pid) -> Result<String, Errno> {
    let mut s = String::new();
    if let Some(a) = space_of(pid)? {
        a.edit(|sp, t, p| (sp.write_smaps(&mut s, &*t, &*p), None)).map_err(|_| Errno::ENOMEM)?;
    }
    Ok(s)
}

/// Locked pages of every address space (`Mlocked` of `/proc/meminfo`, in pages).
pub fn mlocked_pages() -> u64 {
    let mut seen: alloc::vec::Vec<crate::mm::aspace::SpaceId> = alloc::vec::Vec::new();
    let mut n = 0u64;
    for (_, space) in crate::proc::address_spaces() {
        if seen.contains(&space.id()) || seen.try_reserve(1).is_err() {
            continue;
        }
        seen.push(space.id());
        n += u64::from(space.edit(|sp, t, p: &mut KernelPhys| (sp.locked_resident(&*t, &*p), None)));
    }
    n
}

/// `/proc/PID/status`: identity, then the memory lines (`VmLck` = pages of locked areas, as
/// Linux's `mm->locked_vm`).
pub fn status(pid: Pid) -> Result<String, Errno> {
    let task = sched::with(|s| s.tasks.get(&pid).cloned()).ok_or(Errno::ENOENT)?;
    let (name, state, parent, space) = {
        let inner = task.inner.lock();
        let state = match inner.state {
            State::Runnable => "R (running)",
            State::Sleeping { .. } | State::Waiting => "S (sleeping)",
            State::Zombie => "Z (zombie)",
            State::Stopped => "T (stopped)",
        };
        (inner.name.clone(), state, inner.parent, inner.aspace.clone())
    };
    let cred = crate::proc::cred::of(&task);
    let mut s = String::new();
    let _ = writeln!(s, "Name:\t{name}");
    let _ = writeln!(s, "State:\t{state}");
    let _ = writeln!(s, "Tgid:\t{}", task.tgid());
    let _ = writeln!(s, "Pid:\t{}", task.pid());
    let _ = writeln!(s, "PPid:\t{parent}");
    let _ = writeln!(s, "Uid:\t{}\t{}\t{}\t{}", cred.uid, cred.euid, cred.suid, cred.euid);
    let _ = writeln!(s, "Gid:\t{}\t{}\t{}\t{}", cred.gid, cred.egid, cred.sgid, cred.egid);
    if let Some(a) = space {
        let (st, locked, peak, data) = a.read(|sp| (sp.stats(), sp.locked_pages(), sp.peak_resident(), sp.data_pages()));
        let line = |s: &mut String, n: &str, kb: u64| {
            let _ = writeln!(s, "{:<8}{:>8} kB", alloc::format!("{n}:"), kb);
        };
        line(&mut s, "VmSize", kib(st.v_size));
        line(&mut s, "VmLck", kib(locked));
        line(&mut s, "VmPin", 0);
        line(&mut s, "VmHWM", kib(peak.max(st.p_size + st.s_size)));
        line(&mut s, "VmRSS", kib(st.p_size + st.s_size));
        line(&mut s, "RssAnon", kib(st.p_size));
        line(&mut s, "RssFile", 0);
        line(&mut s, "RssShmem", kib(st.s_size));
        line(&mut s, "VmData", kib(data));
        line(&mut s, "VmPTE", kib(st.page_tables));
        line(&mut s, "VmSwap", 0);
    }
    Ok(s)
}
