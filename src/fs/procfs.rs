//! `/proc`: files generated when opened, in Linux's formats.
//!
//! - `/proc/meminfo` — `MemTotal`, `MemFree`, `MemAvailable`, `Shared`... Our `MemFree` counts
//!   free frames plus the kernel heap's free bytes (heap pages are kept once mapped, so a heap
//!   that grew is not memory lost): it comes back exactly when every object a test made is
//!   freed, which is what the ring-3 leak checks compare.
//! - `/proc/self/maps`, `/proc/PID/maps` — the address space in `/proc/PID/maps` format.
//! - `/proc/ps` — one line per process: pid, parent, state, name (the shell's `ps`).

use super::inode::{Inode, InodeKind, InodeMeta, SuperBlock};
use super::stat::{S_IFDIR, S_IFLNK, S_IFREG};
use alloc::sync::Arc;
use crate::mm::{frames, heap, trycopy, trytext::TryText};
use crate::proc::sched;
use crate::proc::task::Pid;
use alloc::string::String;
use alloc::vec::Vec;
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
    let mut s = TryText::new();
    if let Some(a) = aspace {
        let _ = a.write_maps(&mut s);
    }
    s.finish()
}

/// What a `/proc` path names.
pub enum Node {
    /// A "magic" symlink (`/proc/PID/fd/N`): its text, and the place it leads to when
    /// followed (the open file itself, even if renamed or deleted), if the file has one.
    Magic(Vec<u8>, Option<super::mount::PathRef>, u32),
    /// A directory and its entries with their `d_type`.
    Dir(Vec<(String, u8)>),
    /// A file, generated now.
    Generated(Vec<u8>),
    /// A writable file and its value, read now (`super::proc_tunable`).
    Tunable(super::proc_tunable::Tunable, Vec<u8>),
    /// A symbolic link and its target.
    Symlink(Vec<u8>),
    /// `/proc/PID/pagemap`, generated as it is read.
    Pagemap(crate::proc::task::Pid),
    /// `/proc/kpagecount` or `/proc/kpageflags`, generated as they are read.
    Kpage(super::proc_kpage::Kpage),
}

const DT_DIR: u8 = 4;
const DT_REG: u8 = 8;
const DT_LNK: u8 = 10;

fn names(list: &[(&str, u8)]) -> Result<Vec<(String, u8)>, Errno> {
    trycopy::try_collect(list.iter().map(|&(n, t)| Ok((trycopy::string(n)?, t))))
}

/// The executable's path of process `pid` (`/proc/PID/exe`).
fn exe(pid: Pid) -> Result<Vec<u8>, Errno> {
    let task = sched::with(|s| s.tasks.get(&pid).cloned()).ok_or(Errno::ENOENT)?;
    let exe = task.inner.lock().exe.clone();
    trycopy::to_vec(&exe.ok_or(Errno::ENOENT)?)
}

/// The working directory of process `pid` (`/proc/PID/cwd`).
fn cwd(pid: Pid) -> Result<Vec<u8>, Errno> {
    let task = sched::with(|s| s.tasks.get(&pid).cloned()).ok_or(Errno::ENOENT)?;
    let fs = task.inner.lock().fs.clone().ok_or(Errno::ENOENT)?;
    let st = fs.get();
    super::namei::path_of(&st.cwd, &st.root)
}

/// The open files of process `pid`, as `/proc/PID/fd` lists them.
fn fds(pid: Pid) -> Result<Vec<(String, u8)>, Errno> {
    let task = sched::with(|s| s.tasks.get(&pid).cloned()).ok_or(Errno::ENOENT)?;
    let files = task.files()?;
    files.with(|t| trycopy::try_collect(t.open_fds().map(|fd| Ok((crate::try_format!("{fd}")?, DT_LNK)))))
}

/// `/proc/PID/fd/N`: the file's name (with ` (deleted)` once it has no links) and its place.
fn fd_link(pid: Pid, fd: &str) -> Result<Node, Errno> {
    let fd: u32 = fd.parse().map_err(|_| Errno::ENOENT)?;
    let task = sched::with(|s| s.tasks.get(&pid).cloned()).ok_or(Errno::ENOENT)?;
    let file = task.files()?.get(fd).map_err(|_| Errno::ENOENT)?;
    let at = file.path().cloned();
    let mut text = match (file.ops().name(), &at) {
        (Some(n), _) => trycopy::to_vec(n.as_bytes())?,
        (None, Some(p)) => {
            let root = super::fscontext::current()?.get().root;
            super::namei::path_of(p, &root)?
        }
        // The terminal's files carry no path: their device numbers name them.
        (None, None) => match file.stat().map(|st| st.rdev) {
            Ok(crate::tty::CONSOLE) => trycopy::to_vec(b"/dev/console")?,
            Ok(crate::tty::TTYS0) => trycopy::to_vec(b"/dev/ttyS0")?,
            Ok(crate::tty::TTY_DEV) => trycopy::to_vec(b"/dev/tty")?,
            _ => trycopy::to_vec(b"anon_inode:[unknown]")?,
        },
    };
    if at.as_ref().is_some_and(|p| p.inode.meta.lock().nlink == 0) {
        text.try_reserve(10).map_err(|_| Errno::ENOMEM)?;
        text.extend_from_slice(b" (deleted)");
    }
    // Linux's mode: read and search for a readable file, write and search for a writable one.
    let mode = if file.readable() { 0o500 } else { 0 } | if file.writable() { 0o300 } else { 0 };
    Ok(Node::Magic(text, at, mode))
}

/// Resolves a path under `/proc` (relative to its root: `""`, `meminfo`, `self/maps`...).
pub fn lookup(rest: &str) -> Result<Node, Errno> {
    let parts: Vec<&str> = trycopy::try_collect(rest.split('/').filter(|p| !p.is_empty()).map(Ok))?;
    let pid_of = |p: &str| -> Result<Pid, Errno> {
        let pid = p.parse::<Pid>().map_err(|_| Errno::ENOENT)?;
        sched::with(|s| s.tasks.get(&pid).is_some_and(|t| t.pid() != 0)).then_some(pid).ok_or(Errno::ENOENT)
    };
    match parts.as_slice() {
        [] => {
            let list = names(&[
                ("cpuinfo", DT_REG),
                ("filesystems", DT_REG),
                ("kpagecount", DT_REG),
                ("kpageflags", DT_REG),
                ("mounts", DT_REG),
                ("loadavg", DT_REG),
                ("meminfo", DT_REG),
                ("ps", DT_REG),
                ("self", DT_LNK),
                ("stat", DT_REG),
                ("sys", DT_DIR),
                ("uptime", DT_REG),
                ("vmstat", DT_REG),
            ])?;
            // Then one directory per task: listed from the task table by a cursor as the
            // directory is read (`DirFile`), never copied whole here.
            Ok(Node::Dir(list))
        }
        ["meminfo"] => Ok(Node::Generated(super::proc_sys::meminfo()?.into_bytes())),
        ["uptime"] => Ok(Node::Generated(super::proc_sys::uptime()?.into_bytes())),
        ["loadavg"] => Ok(Node::Generated(super::proc_sys::loadavg()?.into_bytes())),
        ["stat"] => Ok(Node::Generated(super::proc_sys::stat()?.into_bytes())),
        ["cpuinfo"] => Ok(Node::Generated(super::proc_sys::cpuinfo()?.into_bytes())),
        ["vmstat"] => Ok(Node::Generated(super::proc_sys::vmstat()?.into_bytes())),
        ["filesystems"] => Ok(Node::Generated(super::proc_sys::filesystems()?.into_bytes())),
        ["mounts"] => Ok(Node::Generated(mounts()?)),
        ["kpagecount"] => Ok(Node::Kpage(super::proc_kpage::Kpage::Count)),
        ["kpageflags"] => Ok(Node::Kpage(super::proc_kpage::Kpage::Flags)),
        ["sys", rest @ ..] => match super::proc_sys::sysctl_dir(rest) {
            Some(list) => Ok(Node::Dir(trycopy::try_collect(list.iter().map(|s| Ok((trycopy::string(s)?, if rest.is_empty() { DT_DIR } else { DT_REG }))))?)),
            None => match super::proc_tunable::Tunable::sysctl(rest) {
                Some(t) => Ok(Node::Tunable(t, t.read()?.into_bytes())),
                None => super::proc_sys::sysctl(rest).map(|v| Node::Generated(v.into_bytes())).ok_or(Errno::ENOENT),
            },
        },
        ["ps"] => Ok(Node::Generated(super::proc_pid::ps()?.into_bytes())),
        ["self"] => Ok(Node::Symlink(crate::try_format!("{}", crate::proc::current().tgid())?.into_bytes())),
        [p] => {
            pid_of(p)?;
            Ok(Node::Dir(names(&[
                ("cmdline", DT_REG),
                ("comm", DT_REG),
                ("cwd", DT_LNK),
                ("environ", DT_REG),
                ("exe", DT_LNK),
                ("fd", DT_DIR),
                ("maps", DT_REG),
                ("mounts", DT_REG),
                ("oom_score", DT_REG),
                ("oom_score_adj", DT_REG),
                ("pagemap", DT_REG),
                ("smaps", DT_REG),
                ("smaps_rollup", DT_REG),
                ("stat", DT_REG),
                ("statm", DT_REG),
                ("status", DT_REG),
            ])?))
        }
        [p, "fd"] => Ok(Node::Dir(fds(pid_of(p)?)?)),
        [p, "fd", n] => fd_link(pid_of(p)?, n),
        [p, "maps"] => Ok(Node::Generated(maps(pid_of(p)?)?.into_bytes())),
        [p, "mounts"] => {
            pid_of(p)?;
            Ok(Node::Generated(mounts()?))
        }
        [p, "smaps"] => Ok(Node::Generated(super::proc_vm::smaps(pid_of(p)?)?.into_bytes())),
        [p, "smaps_rollup"] => Ok(Node::Generated(super::proc_vm::smaps_rollup(pid_of(p)?)?.into_bytes())),
        [p, "pagemap"] => Ok(Node::Pagemap(pid_of(p)?)),
        [p, "oom_score_adj"] => pid_of(p).map(super::proc_tunable::Tunable::OomScoreAdj).and_then(|t| Ok(Node::Tunable(t, t.read()?.into_bytes()))),
        [p, "exe"] => Ok(Node::Symlink(exe(pid_of(p)?)?)),
        [p, "cwd"] => Ok(Node::Symlink(cwd(pid_of(p)?)?)),
        [p, file] => {
            // pid_of takes the scheduler's lock itself: never inside sched::with.
            let pid = pid_of(p)?;
            let task = sched::with(|s| s.tasks.get(&pid).cloned()).ok_or(Errno::ENOENT)?;
            let bytes = match *file {
                "stat" => super::proc_pid::stat(&task)?.into_bytes(),
                "statm" => super::proc_pid::statm(&task)?.into_bytes(),
                "status" => super::proc_pid::status(&task)?.into_bytes(),
                "comm" => super::proc_pid::comm(&task)?.into_bytes(),
                "oom_score" => super::proc_tunable::oom_score(&task),
                "cmdline" => super::proc_pid::cmdline(&task)?,
                "environ" => super::proc_pid::environ(&task)?,
                _ => return Err(Errno::ENOENT),
            };
            Ok(Node::Generated(bytes))
        }
        _ => Err(Errno::ENOENT),
    }
}

/// `/proc/mounts`: one line per mount, `source mountpoint type options 0 0`, mountpoints as
/// the caller's root sees them (Linux's `show_vfsmnt`).
fn mounts() -> Result<Vec<u8>, Errno> {
    let root = super::fscontext::current()?.get().root;
    let mut out = Vec::new();
    for m in super::mount::all()? {
        let point = match &m.parent {
            None => trycopy::to_vec(b"/")?,
            Some(at) => super::namei::path_of(at, &root)?,
        };
        let label = &m.label;
        let line = [&label.source[..], b" ", &point, b" ", &label.fstype[..], b" rw,relatime 0 0\n"];
        out.try_reserve(line.iter().map(|p| p.len()).sum()).map_err(|_| Errno::ENOMEM)?;
        line.iter().for_each(|p| out.extend_from_slice(p));
    }
    Ok(out)
}

/// A `/proc` inode's identity: its path below the mount.
pub struct ProcNode {
    rel: String,
    node: Node,
}

/// A stable inode number for a `/proc` path (FNV-1a), above the root's 1.
fn ino_of(rel: &str) -> u64 {
    if rel.is_empty() {
        return 1;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in rel.as_bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    (h >> 33) | 2
}

/// The inode number `name` in the open `/proc` directory `dir` has.
pub fn name_ino(dir: &super::mount::PathRef, name: &str) -> u64 {
    match &dir.inode.kind {
        InodeKind::Proc(p) => join(&p.rel, name).map_or(0, |rel| ino_of(&rel)),
        _ => 0,
    }
}

fn join(rel: &str, name: &str) -> Result<String, Errno> {
    if rel.is_empty() { trycopy::string(name) } else { crate::try_format!("{rel}/{name}") }
}

impl ProcNode {
    /// The root of a procfs mount.
    pub fn root(sb: &Arc<SuperBlock>) -> Result<Arc<Inode>, Errno> {
        make(sb, String::new(), Node::Dir(Vec::new()))
    }
    /// `st_size`: 0, as Linux's generated files.
    pub fn size(&self) -> u64 {
        0
    }
    /// Whether this directory lists the tasks after its own entries (the root: one directory
    /// per task, read from the task table as the listing goes, see [`next_task_entry`]).
    pub fn lists_tasks(&self) -> bool {
        self.rel.is_empty()
    }
    /// The entries of a directory, now (the root's own entries only, see [`Self::lists_tasks`]).
    pub fn list(&self) -> Result<Vec<(String, u8)>, Errno> {
        match lookup(&self.rel)? {
            Node::Dir(list) => Ok(list),
            _ => Err(Errno::ENOTDIR),
        }
    }
    /// The entry `name` of this directory, generated.
    pub fn lookup_child(&self, sb: &Arc<SuperBlock>, name: &[u8]) -> Result<Arc<Inode>, Errno> {
        let name = core::str::from_utf8(name).map_err(|_| Errno::ENOENT)?;
        let rel = join(&self.rel, name)?;
        let node = lookup(&rel)?;
        make(sb, rel, node)
    }
    /// A symlink's target.
    pub fn link_target(&self) -> Result<Vec<u8>, Errno> {
        match &self.node {
            Node::Symlink(t) | Node::Magic(t, _, _) => trycopy::to_vec(t),
            _ => Err(Errno::EINVAL),
        }
    }
    /// The path below the mount (`""` for its root, `1/fd`...).
    pub fn rel(&self) -> &str {
        &self.rel
    }
    /// The directory holding this entry (`..`).
    pub fn parent(&self, sb: &Arc<SuperBlock>) -> Result<Arc<Inode>, Errno> {
        let up = self.rel.rsplit_once('/').map_or("", |(dir, _)| dir);
        let node = lookup(up)?;
        make(sb, trycopy::string(up)?, node)
    }
    /// Where a magic link leads, when followed.
    pub fn magic(&self) -> Option<&super::mount::PathRef> {
        match &self.node {
            Node::Magic(_, at, _) => at.as_ref(),
            _ => None,
        }
    }
    /// The process whose `pagemap` this is.
    pub fn pagemap_pid(&self) -> Option<crate::proc::task::Pid> {
        match self.node {
            Node::Pagemap(pid) => Some(pid),
            _ => None,
        }
    }
    /// The writable value this file is.
    pub fn tunable(&self) -> Option<super::proc_tunable::Tunable> {
        match self.node {
            Node::Tunable(t, _) => Some(t),
            _ => None,
        }
    }
    /// Which of `/proc/kpagecount` and `/proc/kpageflags` this is.
    pub fn kpage(&self) -> Option<super::proc_kpage::Kpage> {
        match self.node {
            Node::Kpage(k) => Some(k),
            _ => None,
        }
    }
    /// A file's contents (generated at lookup, which open follows at once).
    pub fn contents(&self) -> Option<&[u8]> {
        match &self.node {
            Node::Generated(b) | Node::Tunable(_, b) => Some(b),
            _ => None,
        }
    }
}

/// The owner of a process's 0400 files (Linux's `task_dump_owner`): its effective ids while
/// its space is dumpable, root's otherwise (after a change of credentials, a set-id exec).
fn dump_owner(pid: Pid) -> (u32, u32) {
    let Some(task) = sched::with(|s| s.tasks.get(&pid).cloned()) else { return (0, 0) };
    let dumpable = task.inner.lock().aspace.as_ref().is_some_and(|a| a.dumpable());
    let cred = crate::proc::cred::of(&task);
    if dumpable { (cred.euid, cred.egid) } else { (0, 0) }
}

/// The first task directory of the root at or above pid `at`: (pid, its name as digits in a
/// buffer, the name's length). Looks up one entry under the scheduler's lock; copies nothing.
pub fn next_task_entry(at: Pid) -> Option<(Pid, [u8; 10], usize)> {
    let pid = sched::with(|s| s.next_pid(at, |t| t.pid() != 0))?;
    let mut digits = [0u8; 10];
    let mut n = pid;
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[..len].reverse();
    Some((pid, digits, len))
}

fn make(sb: &Arc<SuperBlock>, rel: String, node: Node) -> Result<Arc<Inode>, Errno> {
    let (mode, nlink) = match &node {
        Node::Dir(_) => (S_IFDIR | 0o555, 2),
        Node::Generated(_) => (S_IFREG | 0o444, 1),
        Node::Tunable(..) => (S_IFREG | 0o644, 1),
        Node::Symlink(_) => (S_IFLNK | 0o777, 1),
        Node::Magic(_, _, mode) => (S_IFLNK | mode, 1),
        Node::Pagemap(_) | Node::Kpage(_) => (S_IFREG | 0o400, 1),
    };
    let ino = ino_of(&rel);
    let (uid, gid) = match node {
        Node::Pagemap(pid) | Node::Tunable(super::proc_tunable::Tunable::OomScoreAdj(pid), _) => dump_owner(pid),
        _ => (0, 0),
    };
    let meta = InodeMeta { mode, nlink, uid, gid, ..InodeMeta::default() };
    Inode::new_proc(sb, ino, meta, ProcNode { rel, node })
}
