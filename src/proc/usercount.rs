//! Tasks per real user (Linux's `ucounts` `UCOUNT_RLIMIT_NPROC`, formerly
//! `user_struct->processes`): what fork compares with `RLIMIT_NPROC`, kept as a count instead
//! of a walk over every task at every fork.
//!
//! A task is charged to its real uid when it is made (fork, clone, the first process) and
//! uncharged when it leaves the task table (reaped, released, or replaced by `de_thread`'s
//! survivor); a change of real uid (`setuid` and friends, through [`super::cred::commit`])
//! moves its charge. Threads count, zombies count until reaped — as Linux counts. Charging a
//! uid not seen before takes an entry in a [`FlatSet`], allocated fallibly (the caller's fork
//! or `setuid` fails with `EAGAIN`, as Linux's `alloc_uid` failure does); uncharging never
//! allocates.

use crate::sync::IrqMutex;
use vmcore::errno::Errno;
use vmcore::flatset::{FlatSet, Keyed};

use super::cred::Id;

/// One user's task count.
struct UserTasks {
    uid: Id,
    tasks: u32,
}

impl Keyed for UserTasks {
    type Key = Id;
    fn key(&self) -> Id {
        self.uid
    }
}

/// The counts of every user with a task.
static COUNTS: IrqMutex<FlatSet<UserTasks>> = IrqMutex::new(FlatSet::new());

/// One more task of user `uid`; `EAGAIN` if the user's entry cannot be allocated.
pub fn charge(uid: Id) -> Result<(), Errno> {
    let mut counts = COUNTS.lock();
    if let Some(u) = counts.get_mut(&uid) {
        u.tasks += 1;
        return Ok(());
    }
    crate::mm::inject::fallible(|| counts.reserve(1)).map_err(|_| Errno::EAGAIN)?;
    let inserted = counts.insert(UserTasks { uid, tasks: 1 });
    debug_assert!(matches!(inserted, Ok(None)), "a reserved insert of a new uid");
    Ok(())
}

/// One task of user `uid` fewer (a task charged to it left the table).
pub fn uncharge(uid: Id) {
    let mut counts = COUNTS.lock();
    let Some(u) = counts.get_mut(&uid) else {
        debug_assert!(false, "uncharging user {uid}, who has no task");
        return;
    };
    u.tasks -= 1;
    if u.tasks == 0 {
        counts.remove(&uid);
        counts.settle();
    }
}

/// Tasks of user `uid` (alive or waiting to be reaped).
pub fn tasks_of(uid: Id) -> u32 {
    COUNTS.lock().get(&uid).map_or(0, |u| u.tasks)
}
