//! prctl (172): the process attributes glibc programs and BusyBox set: the thread's name
//! (`PR_SET_NAME`/`PR_GET_NAME`, Linux's 16-byte `comm`), the dumpable flag, no_new_privs,
//! `PR_CAPBSET_READ` (libcap asks it how many capabilities exist).
//! Other options are `EINVAL`, as Linux answers an option it does not know.

use super::uptr::UserPtr;
use super::SysResult;
use crate::proc;
use vmcore::errno::Errno;

const PR_GET_DUMPABLE: u32 = 3;
const PR_SET_DUMPABLE: u32 = 4;
const PR_SET_NAME: u32 = 15;
const PR_CAPBSET_READ: u32 = 23;
const PR_GET_NAME: u32 = 16;
const PR_SET_NO_NEW_PRIVS: u32 = 38;
const PR_GET_NO_NEW_PRIVS: u32 = 39;

/// Linux's `TASK_COMM_LEN`: a name is at most 15 bytes and a NUL.
pub const TASK_COMM_LEN: usize = 16;

/// prctl.
pub fn prctl(option: u32, arg2: u32, arg3: u32, arg4: u32, arg5: u32) -> SysResult {
    let task = proc::current();
    match option {
        PR_SET_NAME => {
            let mut name = [0u8; TASK_COMM_LEN];
            // The name is read byte by byte up to its NUL or 15 bytes, like strncpy_from_user.
            let mut len = 0;
            while len < TASK_COMM_LEN - 1 {
                let b: u8 = UserPtr::<u8>::new(arg2).add(len as u32)?.read()?;
                if b == 0 {
                    break;
                }
                name[len] = b;
                len += 1;
            }
            let name = core::str::from_utf8(&name[..len]).unwrap_or("?");
            let mut owned = alloc::string::String::new();
            crate::mm::inject::fallible(|| owned.try_reserve(name.len())).map_err(|_| Errno::ENOMEM)?;
            owned.push_str(name);
            task.inner.lock().name = owned;
            Ok(0)
        }
        PR_GET_NAME => {
            let mut out = [0u8; TASK_COMM_LEN];
            {
                let inner = task.inner.lock();
                let n = inner.name.len().min(TASK_COMM_LEN - 1);
                out[..n].copy_from_slice(&inner.name.as_bytes()[..n]);
            }
            UserPtr::<[u8; TASK_COMM_LEN]>::new(arg2).write(out)?;
            Ok(0)
        }
        PR_GET_DUMPABLE => Ok(u32::from(proc::current_aspace().ok_or(Errno::EINVAL)?.dumpable())),
        PR_SET_DUMPABLE => {
            if arg2 > 1 {
                return Err(Errno::EINVAL);
            }
            proc::current_aspace().ok_or(Errno::EINVAL)?.set_dumpable(arg2 == 1);
            Ok(0)
        }
        PR_SET_NO_NEW_PRIVS => {
            if arg2 != 1 || arg3 != 0 || arg4 != 0 || arg5 != 0 {
                return Err(Errno::EINVAL);
            }
            let cred = task.cred.lock().clone();
            if !cred.no_new_privs {
                let mut new = cred.prepare()?;
                new.no_new_privs = true;
                proc::cred::commit(new)?;
            }
            Ok(0)
        }
        PR_GET_NO_NEW_PRIVS => {
            if arg2 != 0 || arg3 != 0 || arg4 != 0 || arg5 != 0 {
                return Err(Errno::EINVAL);
            }
            Ok(u32::from(task.cred.lock().no_new_privs))
        }
        // The bounding set is every capability (nothing drops from it here).
        PR_CAPBSET_READ if arg2 <= 40 => Ok(1),
        _ => Err(Errno::EINVAL),
    }
}
