//! The writable `/proc` files: `/proc/sys/kernel/threads-max`, `/proc/sys/kernel/pid_max`
//! (mode 0644, root's: others get `EACCES` at open) and `/proc/PID/oom_score_adj` (owned by
//! the process's owner), with `/proc/PID/oom_score` beside it.
//!
//! A write is parsed as Linux's `proc_dointvec_minmax` parses it (leading blanks, an optional
//! sign, decimal digits, then only blanks or a newline); a value outside the file's range is
//! `EINVAL`, as are bytes that are not a number. Each `write` sets the value whole, whatever
//! the offset (Linux's strict mode writes at offset 0).

use super::file::{File, FileOps};
use super::inode::Inode;
use super::stat::Stat;
use crate::proc::task::{Pid, Task};
use crate::proc::{sched, tasklimit};
use crate::syscall::uptr::UserBuf;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use vmcore::errno::Errno;
use vmcore::oom::{OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN};

/// A writable `/proc` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tunable {
    /// `/proc/sys/kernel/threads-max`: [1, FUTEX_TID_MASK] (Linux's `sysctl_max_threads`).
    ThreadsMax,
    /// `/proc/sys/kernel/pid_max`: [RESERVED_PIDS + 1, PID_MAX_LIMIT] = [301, 32768] on i386.
    PidMax,
    /// `/proc/PID/oom_score_adj`: [-1000, 1000]; below 0 only for root (Linux: below the
    /// process's `oom_score_adj_min`, 0, without `CAP_SYS_RESOURCE`).
    OomScoreAdj(Pid),
}

impl Tunable {
    /// The `/proc/sys` file at `path` (below `/proc/sys`), if it is writable.
    pub fn sysctl(path: &[&str]) -> Option<Tunable> {
        match path {
            ["kernel", "threads-max"] => Some(Tunable::ThreadsMax),
            ["kernel", "pid_max"] => Some(Tunable::PidMax),
            _ => None,
        }
    }

    /// The value as the file reads.
    pub fn read(self) -> Result<String, Errno> {
        let v = match self {
            Tunable::ThreadsMax => i64::from(tasklimit::max_threads()),
            Tunable::PidMax => i64::from(tasklimit::pid_max()),
            Tunable::OomScoreAdj(pid) => i64::from(task(pid)?.group.oom_score_adj.load(Ordering::Relaxed)),
        };
        Ok(alloc::format!("{v}\n"))
    }

    /// Sets the value from what was written.
    fn write(self, text: &[u8]) -> Result<(), Errno> {
        let v = parse(text)?;
        let v32 = i32::try_from(v).map_err(|_| Errno::EINVAL)?;
        match self {
            Tunable::ThreadsMax => tasklimit::set_max_threads(v32),
            Tunable::PidMax => tasklimit::set_pid_max(v32),
            Tunable::OomScoreAdj(pid) => {
                if !(OOM_SCORE_ADJ_MIN..=OOM_SCORE_ADJ_MAX).contains(&v32) {
                    return Err(Errno::EINVAL);
                }
                if v32 < 0 && crate::proc::cred::of(&crate::proc::current()).euid != 0 {
                    return Err(Errno::EACCES);
                }
                task(pid)?.group.oom_score_adj.store(v32, Ordering::Relaxed);
                Ok(())
            }
        }
    }
}

fn task(pid: Pid) -> Result<Arc<Task>, Errno> {
    sched::with(|s| s.tasks.get(&pid).cloned()).ok_or(Errno::ESRCH)
}

/// Linux's `proc_get_long` on a whole write: blanks, `[-]digits`, then blanks only.
fn parse(text: &[u8]) -> Result<i64, Errno> {
    let s = core::str::from_utf8(text).map_err(|_| Errno::EINVAL)?;
    let s = s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\0');
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Errno::EINVAL);
    }
    s.parse::<i64>().map_err(|_| Errno::EINVAL)
}

/// `/proc/PID/oom_score`: Linux's `proc_oom_score` from the killer's view of the process.
pub fn oom_score(task: &Task) -> Vec<u8> {
    let total = crate::proc::oom::total_pages();
    let score = crate::proc::oom::candidate(task).map_or(0, |c| vmcore::oom::oom_score(&c, total));
    alloc::format!("{score}\n").into_bytes()
}

/// An open writable `/proc` file: the value when opened, for reading; writes set it.
pub struct TunableFile {
    tunable: Tunable,
    text: Vec<u8>,
    stat: Stat,
}

impl TunableFile {
    /// Opens `tunable`, read as `text`, for the `/proc` inode `inode`.
    pub fn new(tunable: Tunable, text: Vec<u8>, inode: &Inode) -> TunableFile {
        TunableFile { tunable, text, stat: inode.stat() }
    }
}

/// Longest write taken (a number and some blanks; Linux's `TMPBUFLEN` is 22).
const MAX_WRITE: usize = 64;

impl FileOps for TunableFile {
    fn read(&self, _f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        super::kinds::read_bytes(&self.text, buf, pos)
    }
    fn write(&self, _f: &File, buf: UserBuf, pos: &mut u64) -> Result<u32, Errno> {
        let n = (buf.len() as usize).min(MAX_WRITE);
        let mut text = [0u8; MAX_WRITE];
        buf.read_at(0, &mut text[..n])?;
        self.tunable.write(&text[..n])?;
        *pos += buf.len() as u64;
        Ok(buf.len())
    }
    fn seekable(&self) -> bool {
        true
    }
    fn size(&self) -> u64 {
        self.text.len() as u64
    }
    fn stat(&self, _f: &File) -> Result<Stat, Errno> {
        Ok(self.stat)
    }
}
