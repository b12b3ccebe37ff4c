//! personality (136): the process's execution domain word. Only its address-space bits have
//! an effect here, as on Linux x86: `ADDR_NO_RANDOMIZE` (`setarch -R`) turns address-space
//! randomization off and `ADDR_COMPAT_LAYOUT` (`setarch -L`) selects the legacy bottom-up
//! `mmap` layout, both for the next `execve` of this process and of its children (a set-id exec
//! clears both, and every exec resets the execution-domain byte: `vmcore::setid`)
//! ([`crate::proc::aslr`]). Every other value is stored and returned, as Linux does.

use super::SysResult;
use crate::proc;

/// The argument that only reads the word.
const QUERY: u32 = 0xffff_ffff;

/// personality: returns the old word; sets `persona` unless it is 0xffffffff.
pub fn personality(persona: u32) -> SysResult {
    let group = &proc::current().group;
    let old = group.personality();
    if persona != QUERY {
        group.set_personality(persona);
    }
    Ok(old)
}
