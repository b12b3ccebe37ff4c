//! The robust-futex list, walked when a task exits or execs (Linux's `exit_robust_list` and
//! `handle_futex_death`, `kernel/futex/core.c`).
//!
//! User space (glibc's robust mutexes) links every robust mutex it holds into a list whose
//! head it registered with `set_robust_list`:
//!
//! ```text
//! struct robust_list_head { struct robust_list *next; long futex_offset; struct robust_list *list_op_pending; };
//! ```
//!
//! Each entry's futex word is at `entry + futex_offset`; bit 0 of a pointer marks a PI futex.
//! For every word whose owner TID is the dying task, the kernel sets `FUTEX_OWNER_DIED`
//! (keeping `FUTEX_WAITERS`, clearing the TID) and wakes one waiter if there were any, so
//! another thread or process can take the mutex over. A fault ends the walk, and at most
//! [`ROBUST_LIST_LIMIT`] entries are visited, so a circular list cannot hang the exit.
//!
//! The read-modify-write of a word is atomic because the kernel is not preempted and runs on
//! one CPU (Linux uses a user-space cmpxchg).

use super::task::Pid;
use crate::syscall::uptr::UserPtr;

/// Most list entries visited (Linux's `ROBUST_LIST_LIMIT`).
pub const ROBUST_LIST_LIMIT: u32 = 2048;
/// `sizeof(struct robust_list_head)` on i386: what `set_robust_list` insists on.
pub const ROBUST_LIST_HEAD_SIZE: u32 = 12;
/// The owner died holding the lock.
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// Some thread waits in the kernel.
pub const FUTEX_WAITERS: u32 = 0x8000_0000;
/// The owner's TID.
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;

/// Why a walk step stopped: a user address could not be read or written.
struct Fault;

fn read(addr: u32) -> Result<u32, Fault> {
    UserPtr::<u32>::new(addr).read().map_err(|_| Fault)
}

/// Reads a list pointer: the address with bit 0 cleared and whether bit 0 (PI) was set
/// (Linux's `fetch_robust_entry`).
fn fetch_entry(at: u32) -> Result<(u32, bool), Fault> {
    let v = read(at)?;
    Ok((v & !1, v & 1 != 0))
}

/// Walks the list whose head is at `head` for the dying task `tid`.
pub fn exit_robust_list(head: u32, tid: Pid) {
    let Ok((mut entry, mut pi)) = fetch_entry(head) else { return };
    let Ok(futex_offset) = read(head.wrapping_add(4)) else { return };
    let Ok((pending, pending_pi)) = fetch_entry(head.wrapping_add(8)) else { return };
    let mut limit = ROBUST_LIST_LIMIT;
    while entry != head {
        let next = fetch_entry(entry);
        if entry != pending && handle_futex_death(entry.wrapping_add(futex_offset), tid, pi, false).is_err() {
            return;
        }
        let Ok((next_entry, next_pi)) = next else { return };
        entry = next_entry;
        pi = next_pi;
        limit -= 1;
        if limit == 0 {
            break;
        }
    }
    if pending != 0 {
        let _ = handle_futex_death(pending.wrapping_add(futex_offset), tid, pending_pi, true);
    }
}

/// Linux's `handle_futex_death` for the word at `uaddr`.
fn handle_futex_death(uaddr: u32, tid: Pid, pi: bool, pending_op: bool) -> Result<(), Fault> {
    if !uaddr.is_multiple_of(4) {
        return Err(Fault);
    }
    let uval = read(uaddr)?;
    let owner = uval & FUTEX_TID_MASK;
    if pending_op && !pi && owner == 0 {
        // The owner released the word but died before waking anyone: wake one now.
        futex_wake_after_release(uaddr);
        return Ok(());
    }
    if owner != tid {
        return Ok(());
    }
    let mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    UserPtr::<u32>::new(uaddr).write(mval).map_err(|_| Fault)?;
    if !pi && uval & FUTEX_WAITERS != 0 {
        futex_wake_after_release(uaddr);
    }
    Ok(())
}

/// Wakes one waiter on the futex word at `uaddr` of the current address space (shared key:
/// Linux's `futex_wake(uaddr, FLAGS_SHARED, 1, FUTEX_BITSET_MATCH_ANY)`), after a robust
/// futex's owner died or a `clear_child_tid` word was zeroed.
pub fn futex_wake_after_release(uaddr: u32) {
    // Linux ignores the result (a bad address wakes nobody).
    let _ = super::futex::futex_wake(uaddr, 1);
}
