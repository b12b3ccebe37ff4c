//! getrandom (355): bytes from the kernel's CSPRNG ([`crate::random`]), as Linux 6.1's
//! `drivers/char/random.c`.

use super::uptr::UserBuf;
use super::SysResult;
use crate::arch::usercopy;
use crate::proc::{sched, signals};
use vmcore::addr::PAGE_SIZE;
use vmcore::errno::Errno;

/// Don't block (the generator never blocks here: it is seeded at boot).
pub const GRND_NONBLOCK: u32 = 1;
/// The "blocking pool": since Linux 5.6 the same generator.
pub const GRND_RANDOM: u32 = 2;
/// Don't wait for the generator to be seeded.
pub const GRND_INSECURE: u32 = 4;
/// Largest read Linux serves in one call (`MAX_RW_COUNT`); longer requests are truncated.
pub const MAX_RW_COUNT: u32 = 0x7fff_f000;
/// Bytes generated per copy (Linux's ChaCha block).
const BLOCK: u32 = 64;

/// getrandom: fills `[buf, buf + len)`. A fault part-way returns the bytes of the whole blocks
/// written before it (EFAULT if none); a fatal signal pending stops a long request after a
/// multiple of the page size.
pub fn getrandom(buf: u32, len: u32, flags: u32) -> SysResult {
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_INSECURE | GRND_RANDOM) == GRND_INSECURE | GRND_RANDOM
    {
        return Err(Errno::EINVAL);
    }
    let len = len.min(MAX_RW_COUNT);
    if len == 0 {
        return Ok(0);
    }
    if !usercopy::range_ok(buf, len) {
        return Err(Errno::EFAULT);
    }
    let mut done = 0u32;
    let mut block = [0u8; BLOCK as usize];
    while done < len {
        // Linux's get_random_bytes_user: 64-byte blocks from the start of the buffer; a block
        // that faults counts nothing, and the call returns what the blocks before it wrote.
        let n = (len - done).min(BLOCK);
        crate::random::fill(&mut block[..n as usize]);
        let chunk = UserBuf::new(buf + done, n);
        if chunk.check(true).and_then(|()| chunk.write_at(0, &block[..n as usize])).is_err() {
            break;
        }
        done += n;
        if done.is_multiple_of(PAGE_SIZE) && done < len {
            if signals::signal_pending() {
                break;
            }
            if sched::quantum_expired() {
                sched::schedule();
            }
        }
    }
    block.fill(0);
    if done == 0 { Err(Errno::EFAULT) } else { Ok(done) }
}
