//! capget (184) and capset (185), as Linux 6.1's `kernel/capability.c`: the header names a
//! version (1: one 32-bit word per set; 2 and 3: two) and a pid; an unknown version is
//! answered with version 3 written back and `EINVAL` (or success when no data pointer was
//! given: how libcap probes). capset changes only the caller's own sets, under Linux's
//! `cap_capset` rules.

use super::uptr::UserPtr;
use super::SysResult;
use crate::proc::cred::{self, CAP_FULL};
use vmcore::errno::Errno;

const V1: u32 = 0x1998_0330;
const V2: u32 = 0x2007_1026;
const V3: u32 = 0x2008_0522;
/// `CAP_SETPCAP`: may add any bounding-set capability to the inheritable set.
const CAP_SETPCAP: u32 = 8;

/// Checks the header's version: how many data words per set it uses.
fn validate(header: UserPtr<[u32; 2]>) -> Result<usize, Errno> {
    let [version, _] = header.read()?;
    match version {
        V1 => Ok(1),
        V2 | V3 => Ok(2),
        _ => {
            header.write([V3, header.read()?[1]])?;
            Err(Errno::EINVAL)
        }
    }
}

/// capget(header, data).
pub fn capget(header: UserPtr<[u32; 2]>, data: u32) -> SysResult {
    let words = match validate(header) {
        Err(Errno::EINVAL) if data == 0 => return Ok(0),
        Err(e) => return Err(e),
        Ok(_) if data == 0 => return Ok(0),
        Ok(w) => w,
    };
    let pid = header.read()?[1] as i32;
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    let c = if pid == 0 || pid as u32 == crate::proc::current().tgid() {
        cred::current()
    } else {
        let task = crate::proc::sched::with(|s| s.tasks.get(&(pid as u32)).cloned()).ok_or(Errno::ESRCH)?;
        cred::of(&task)
    };
    let mut out = [0u32; 6];
    for w in 0..words {
        let part = |set: u64| (set >> (32 * w)) as u32;
        out[3 * w..3 * w + 3].copy_from_slice(&[part(c.cap_effective), part(c.cap_permitted), part(c.cap_inheritable)]);
    }
    if words == 1 {
        UserPtr::<[u32; 3]>::new(data).write([out[0], out[1], out[2]])?;
    } else {
        UserPtr::<[u32; 6]>::new(data).write(out)?;
    }
    Ok(0)
}

/// capset(header, data): the caller's own sets (`EPERM` for another pid).
pub fn capset(header: UserPtr<[u32; 2]>, data: u32) -> SysResult {
    let words = validate(header)?;
    let pid = header.read()?[1];
    if pid != 0 && pid != crate::proc::current().tgid() {
        return Err(Errno::EPERM);
    }
    let raw = if words == 1 {
        let [e, p, i] = UserPtr::<[u32; 3]>::new(data).read()?;
        [e, p, i, 0, 0, 0]
    } else {
        UserPtr::<[u32; 6]>::new(data).read()?
    };
    let set = |k: usize| (u64::from(raw[k]) | (u64::from(raw[3 + k]) << 32)) & CAP_FULL;
    let (effective, permitted, inheritable) = (set(0), set(1), set(2));
    let old = cred::current();
    let subset = |a: u64, b: u64| a & !b == 0;
    if !old.capable(CAP_SETPCAP) && !subset(inheritable, old.cap_inheritable | old.cap_permitted) {
        return Err(Errno::EPERM);
    }
    if !subset(permitted, old.cap_permitted) || !subset(effective, permitted) {
        return Err(Errno::EPERM);
    }
    let mut new = old.prepare()?;
    (new.cap_effective, new.cap_permitted, new.cap_inheritable) = (effective, permitted, inheritable);
    cred::commit(new)?;
    Ok(0)
}
