//! Waiting for several descriptors at once (Linux's fs/select.c): poll (168), ppoll (309) and
//! ppoll_time64 (414), select as _newselect (142), pselect6 (308) and pselect6_time64 (413).
//!
//! One engine, [`wait_ready`]: the first pass asks every file's `FileOps::poll` with a
//! `PollTable`, which joins the queues whose wake-ups may change its readiness; later passes ask
//! without one. Between passes the task sleeps until one of those queues wakes it, a signal
//! comes (`ERESTARTNOHAND`: `EINTR` once a handler runs) or the deadline passes. `select` is
//! the same engine over its three bitmaps.

use super::uptr::UserPtr;
use super::SysResult;
use crate::fs::file::File;
use crate::proc::{self, signals};
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{
    POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDNORM, POLLWRBAND,
    POLLWRNORM,
};

const NS_PER_SEC: u64 = 1_000_000_000;

/// One descriptor to watch.
struct Item {
    /// The open file; `None` for what is reported without asking a file.
    file: Option<Arc<File>>,
    /// Events of interest (`POLLERR | POLLHUP` always included by `poll`).
    events: u32,
    /// What a missing file reports (`POLLNVAL` for a closed descriptor, 0 for a negative one).
    missing: u32,
}

fn no_mem<T>(r: Result<T, alloc::collections::TryReserveError>) -> Result<T, Errno> {
    r.map_err(|_| Errno::ENOMEM)
}

/// One pass: fills `out` with each item's ready events and returns how many items have some.
fn pass(items: &[Item], out: &mut [u32], mut table: Option<&mut crate::fs::poll::PollTable>) -> u32 {
    let mut count = 0;
    for (item, o) in items.iter().zip(out.iter_mut()) {
        *o = match &item.file {
            None => item.missing,
            Some(f) => f.ops().poll(f, table.as_deref_mut()) & item.events,
        };
        if *o != 0 {
            count += 1;
        }
    }
    count
}

/// Waits until an item is ready, a signal is pending or the monotonic clock reaches
/// `deadline` (`None`: never; `Some(0)`: do not wait). Returns the number of ready items with
/// their events in `out`; `ERESTARTNOHAND` when a signal ended the wait.
fn wait_ready(items: &[Item], out: &mut [u32], deadline: Option<u64>) -> Result<u32, Errno> {
    let mut table = crate::fs::poll::PollTable::new();
    let waits = deadline != Some(0);
    let mut count = pass(items, out, waits.then_some(&mut table));
    let until = deadline.unwrap_or(u64::MAX);
    loop {
        if count > 0 {
            return Ok(count);
        }
        if let Some(e) = table.error {
            return Err(e);
        }
        if !waits || proc::timer::now() >= until {
            return Ok(0);
        }
        if signals::signal_pending() {
            return Err(Errno::ERESTARTNOHAND);
        }
        crate::proc::wait::sleep_unless(until, &mut || {
            let ready = items.iter().any(|it| match &it.file {
                None => it.missing != 0,
                Some(f) => f.ops().poll(f, None) & it.events != 0,
            });
            (ready || signals::signal_pending()).then_some(())
        })?;
        count = pass(items, out, None);
    }
}

/// A relative timeout as an absolute monotonic deadline (`Some(0)` for a zero timeout).
fn deadline_after(sec: u64, nsec: u64) -> Option<u64> {
    if sec == 0 && nsec == 0 {
        return Some(0);
    }
    Some(proc::timer::now().saturating_add(sec.saturating_mul(NS_PER_SEC)).saturating_add(nsec))
}

/// The layout of a timeout argument (Linux's `enum poll_time_type`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum TimeLayout {
    /// `struct timeval` of 32-bit words (`_newselect`).
    Timeval,
    /// `struct old_timespec32` (`ppoll`, `pselect6`).
    Timespec32,
    /// `struct __kernel_timespec` (the `_time64` calls).
    Timespec64,
}

/// Reads a timeout: `None` for a NULL pointer (wait forever); `EINVAL` if negative.
fn read_timeout(addr: u32, layout: TimeLayout) -> Result<Option<Option<u64>>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let (sec, nsec) = match layout {
        TimeLayout::Timeval => {
            let [s, us] = UserPtr::<[i32; 2]>::new(addr).read()?;
            let (s, us) = (s as i64, us as i64);
            if s < 0 || us < 0 {
                return Err(Errno::EINVAL);
            }
            (s + us / 1_000_000, (us % 1_000_000) * 1000)
        }
        TimeLayout::Timespec32 => {
            let [s, ns] = UserPtr::<[i32; 2]>::new(addr).read()?;
            (s as i64, ns as i64)
        }
        TimeLayout::Timespec64 => {
            let [lo, hi, ns, _] = UserPtr::<[u32; 4]>::new(addr).read()?;
            ((u64::from(lo) | u64::from(hi) << 32) as i64, ns as i32 as i64)
        }
    };
    if sec < 0 || !(0..NS_PER_SEC as i64).contains(&nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(Some(deadline_after(sec as u64, nsec as u64)))
}

/// Linux's `poll_select_finish`: writes the time left back (not for a zero timeout); a
/// pointer that cannot take it turns a restart into `EINTR`.
fn write_back(addr: u32, layout: TimeLayout, deadline: Option<Option<u64>>, ret: SysResult) -> SysResult {
    let Some(Some(deadline)) = deadline else { return ret };
    if addr == 0 || deadline == 0 {
        return ret;
    }
    let left = deadline.saturating_sub(proc::timer::now());
    let (sec, nsec) = (left / NS_PER_SEC, left % NS_PER_SEC);
    let written = match layout {
        TimeLayout::Timeval => UserPtr::<[u32; 2]>::new(addr).write([sec as u32, (nsec / 1000) as u32]),
        TimeLayout::Timespec32 => UserPtr::<[u32; 2]>::new(addr).write([sec as u32, nsec as u32]),
        TimeLayout::Timespec64 => UserPtr::<[u32; 4]>::new(addr).write([sec as u32, (sec >> 32) as u32, nsec as u32, 0]),
    };
    match (written, ret) {
        (Err(_), Err(Errno::ERESTARTNOHAND)) => Err(Errno::EINTR),
        (_, r) => r,
    }
}

/// Reads a `sigset_t` argument and installs it as the blocked mask until the call returns
/// (or, when a signal interrupted it, until the handler's frame is built: `saved_mask`, as
/// `sigsuspend`). `EINVAL` unless `size` is 8.
fn install_mask(addr: u32, size: u32) -> Result<bool, Errno> {
    if addr == 0 {
        return Ok(false);
    }
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let [lo, hi] = UserPtr::<[u32; 2]>::new(addr).read()?;
    let old = signals::set_blocked(u64::from(lo) | u64::from(hi) << 32);
    proc::current().inner.lock().sig.saved_mask = Some(old);
    Ok(true)
}

/// Linux's `restore_saved_sigmask_unless(ret == -ERESTARTNOHAND)`.
fn restore_mask(installed: bool, ret: &SysResult) {
    if !installed || *ret == Err(Errno::ERESTARTNOHAND) {
        return;
    }
    let saved = proc::current().inner.lock().sig.saved_mask.take();
    if let Some(old) = saved {
        signals::set_blocked(old);
    }
}

/// The `struct pollfd` array (`fd`, `events`, `revents` as i32, i16, i16) of `poll`: its
/// files and events.
fn read_pollfds(ufds: u32, nfds: u32) -> Result<Vec<Item>, Errno> {
    if nfds > proc::limits::current_cur(proc::limits::RLIMIT_NOFILE) {
        return Err(Errno::EINVAL);
    }
    let mut items = Vec::new();
    no_mem(crate::mm::inject::fallible(|| items.try_reserve_exact(nfds as usize)))?;
    let files = proc::current().files()?;
    let base = UserPtr::<[u32; 2]>::new(ufds);
    for i in 0..nfds {
        let [fd, ev] = base.add(i)?.read()?;
        let events = (ev & 0xffff) | POLLERR | POLLHUP;
        let item = if (fd as i32) < 0 {
            Item { file: None, events, missing: 0 }
        } else {
            match files.get(fd) {
                Ok(f) => Item { file: Some(f), events, missing: 0 },
                Err(_) => Item { file: None, events, missing: POLLNVAL },
            }
        };
        items.push(item);
    }
    Ok(items)
}

/// The engine for `poll` and `ppoll`: waits, then stores each `revents`.
fn do_poll(ufds: u32, nfds: u32, deadline: Option<u64>) -> SysResult {
    let items = read_pollfds(ufds, nfds)?;
    let mut out = Vec::new();
    no_mem(crate::mm::inject::fallible(|| out.try_reserve_exact(items.len())))?;
    out.resize(items.len(), 0u32);
    let count = wait_ready(&items, &mut out, deadline)?;
    drop(items);
    // Word 1 of a pollfd holds `events` (low half) and `revents` (high half).
    let base = UserPtr::<u32>::new(ufds);
    for (i, &rev) in out.iter().enumerate() {
        let slot = base.add(2 * i as u32 + 1)?;
        let events = slot.read()? & 0xffff;
        slot.write(events | (rev & 0xffff) << 16)?;
    }
    Ok(count)
}

/// poll (168): `timeout` in milliseconds, negative for none. Interrupted by a signal it
/// fails with `EINTR` if a handler runs, else `restart_syscall` resumes it with the same
/// deadline (Linux's `ERESTART_RESTARTBLOCK` and `do_restart_poll`).
pub fn poll(ufds: u32, nfds: u32, timeout_ms: i32) -> SysResult {
    let deadline = if timeout_ms < 0 {
        None
    } else {
        let ms = timeout_ms as u64;
        deadline_after(ms / 1000, (ms % 1000) * 1_000_000)
    };
    restartable_poll(ufds, nfds, deadline)
}

fn restartable_poll(ufds: u32, nfds: u32, deadline: Option<u64>) -> SysResult {
    let ret = do_poll(ufds, nfds, deadline);
    if ret != Err(Errno::ERESTARTNOHAND) {
        return ret;
    }
    let task = proc::current();
    let mut inner = task.inner.lock();
    inner.sig.restart_poll = Some((ufds, nfds, deadline.unwrap_or(u64::MAX)));
    inner.sig.restart_until = 0;
    Err(Errno::ERESTART_RESTARTBLOCK)
}

/// `restart_syscall` of an interrupted `poll`: the same descriptors, the same deadline.
pub fn resume_poll(ufds: u32, nfds: u32, deadline: u64) -> SysResult {
    restartable_poll(ufds, nfds, (deadline != u64::MAX).then_some(deadline))
}

/// ppoll (309) and ppoll_time64 (414): a timespec timeout (written back with the time left)
/// and a signal mask installed for the wait.
pub fn ppoll(ufds: u32, nfds: u32, tsp: u32, sigmask: u32, sigsetsize: u32, time64: bool) -> SysResult {
    let layout = if time64 { TimeLayout::Timespec64 } else { TimeLayout::Timespec32 };
    let deadline = read_timeout(tsp, layout)?;
    let installed = install_mask(sigmask, sigsetsize)?;
    let ret = do_poll(ufds, nfds, deadline.unwrap_or(None));
    restore_mask(installed, &ret);
    write_back(tsp, layout, deadline, ret)
}

/// `select`'s events (Linux's `POLLIN_SET`, `POLLOUT_SET`, `POLLEX_SET`).
const IN_SET: u32 = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const OUT_SET: u32 = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const EX_SET: u32 = POLLPRI;

/// Reads an `fd_set` of `words` 32-bit words (zeros for NULL).
fn read_set(addr: u32, words: usize) -> Result<Vec<u32>, Errno> {
    let mut v = Vec::new();
    no_mem(crate::mm::inject::fallible(|| v.try_reserve_exact(words)))?;
    for i in 0..words {
        v.push(if addr == 0 { 0 } else { UserPtr::<u32>::new(addr).add(i as u32)?.read()? });
    }
    Ok(v)
}

/// The engine of the select family: `n` descriptors, three optional sets.
fn do_select(n: i32, inp: u32, outp: u32, exp: u32, deadline: Option<u64>) -> SysResult {
    if n < 0 {
        return Err(Errno::EINVAL);
    }
    let n = (n as u32).min(proc::limits::NR_OPEN);
    let words = n.div_ceil(32) as usize;
    let sets = [read_set(inp, words)?, read_set(outp, words)?, read_set(exp, words)?];
    let files = proc::current().files()?;
    let mut items = Vec::new();
    let mut fds = Vec::new();
    for fd in 0..n {
        let (w, bit) = ((fd / 32) as usize, 1u32 << (fd % 32));
        let wanted = [IN_SET, OUT_SET, EX_SET]
            .iter()
            .zip(sets.iter())
            .filter(|(_, s)| s[w] & bit != 0)
            .fold(0, |acc, (ev, _)| acc | ev);
        if wanted == 0 {
            continue;
        }
        let file = files.get(fd)?;
        no_mem(crate::mm::inject::fallible(|| items.try_reserve(1)))?;
        no_mem(crate::mm::inject::fallible(|| fds.try_reserve(1)))?;
        items.push(Item { file: Some(file), events: wanted, missing: 0 });
        fds.push(fd);
    }
    drop(files);
    let mut out = Vec::new();
    no_mem(crate::mm::inject::fallible(|| out.try_reserve_exact(items.len())))?;
    out.resize(items.len(), 0u32);
    wait_ready(&items, &mut out, deadline)?;
    drop(items);
    // Each set keeps the bits of its ready descriptors; the count is of bits.
    let mut res = [read_set(0, words)?, read_set(0, words)?, read_set(0, words)?];
    let mut count = 0;
    for (&fd, &rev) in fds.iter().zip(out.iter()) {
        let (w, bit) = ((fd / 32) as usize, 1u32 << (fd % 32));
        for (k, ev) in [IN_SET, OUT_SET, EX_SET].iter().enumerate() {
            if sets[k][w] & bit != 0 && rev & ev != 0 {
                res[k][w] |= bit;
                count += 1;
            }
        }
    }
    for (addr, set) in [inp, outp, exp].into_iter().zip(res.iter()) {
        if addr != 0 {
            for (i, &word) in set.iter().enumerate() {
                UserPtr::<u32>::new(addr).add(i as u32)?.write(word)?;
            }
        }
    }
    Ok(count)
}

/// _newselect (142): `struct timeval` timeout, written back with the time left.
pub fn select(n: i32, inp: u32, outp: u32, exp: u32, tvp: u32) -> SysResult {
    let deadline = read_timeout(tvp, TimeLayout::Timeval)?;
    let ret = do_select(n, inp, outp, exp, deadline.unwrap_or(None));
    write_back(tvp, TimeLayout::Timeval, deadline, ret)
}

/// pselect6 (308) and pselect6_time64 (413): a timespec timeout (written back) and, through
/// the sixth argument `{ const sigset_t *ss; size_t ss_len; }`, a signal mask for the wait.
pub fn pselect6(n: i32, inp: u32, outp: u32, exp: u32, tsp: u32, sig: u32, time64: bool) -> SysResult {
    let layout = if time64 { TimeLayout::Timespec64 } else { TimeLayout::Timespec32 };
    let deadline = read_timeout(tsp, layout)?;
    let (mask, size) = if sig == 0 {
        (0, 0)
    } else {
        let [m, s] = UserPtr::<[u32; 2]>::new(sig).read()?;
        (m, s)
    };
    let installed = install_mask(mask, size)?;
    let ret = do_select(n, inp, outp, exp, deadline.unwrap_or(None));
    restore_mask(installed, &ret);
    write_back(tsp, layout, deadline, ret)
}
