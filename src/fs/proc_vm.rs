//! The memory views of `/proc` (issue 12): `/proc/PID/smaps` and `smaps_rollup`, `/proc/PID/status` (its
//! identity and `Vm*` lines, Linux's format) and the `Mlocked` count of `/proc/meminfo`.

use crate::mm::aspace::AddressSpace;
use crate::proc::sched;
use crate::proc::task::Pid;
use crate::mm::trytext::TryText;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;

fn space_of(pid: Pid) -> Result<Option<Arc<AddressSpace>>, Errno> {
    let task = sched::with(|s| s.tasks.get(&pid).cloned()).ok_or(Errno::ENOENT)?;
    let space = task.inner.lock().aspace.clone();
    Ok(space)
}

/// `/proc/PID/smaps`.
pub fn smaps(pid: Pid) -> Result<String, Errno> {
    let mut s = TryText::new();
    if let Some(a) = space_of(pid)? {
        a.edit(|sp, t, p| (sp.write_smaps(&mut s, &*t, &*p), None)).map_err(|_| Errno::ENOMEM)?;
    }
    s.finish()
}

/// `/proc/PID/smaps_rollup`.
pub fn smaps_rollup(pid: Pid) -> Result<String, Errno> {
    let mut s = TryText::new();
    if let Some(a) = space_of(pid)? {
        a.edit(|sp, t, p| (sp.write_smaps_rollup(&mut s, &*t, &*p), None)).map_err(|_| Errno::ENOMEM)?;
    }
    s.finish()
}

/// Every address space once (threads share theirs); none when the list finds no room.
pub fn distinct_spaces() -> Vec<Arc<AddressSpace>> {
    crate::proc::distinct_address_spaces().unwrap_or_default()
}

/// Locked pages of every address space (`Mlocked` of `/proc/meminfo`, in pages).
pub fn mlocked_pages() -> u64 {
    distinct_spaces().iter().map(|space| u64::from(space.edit(|sp, t, p| (sp.locked_resident(&*t, &*p), None)))).sum()
}
