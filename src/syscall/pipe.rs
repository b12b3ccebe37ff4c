//! pipe (42), pipe2 (331), and sendfile (187) / sendfile64 (239): data from a file into a pipe
//! or another file without passing through user memory.

use super::file::file;
use super::uptr::UserPtr;
use super::SysResult;
use crate::fs::file::File;
use alloc::sync::Arc;
use crate::proc;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{O_APPEND, O_CLOEXEC, O_DIRECT, O_NONBLOCK, POLLOUT};

/// pipe: `pipe2` without flags.
pub fn pipe(fds: UserPtr<[u32; 2]>) -> SysResult {
    pipe2(fds, 0)
}

/// pipe2: a pipe's read and write ends on the two lowest free descriptors, `fds[0]` reading.
/// Flags: `O_CLOEXEC`, `O_NONBLOCK`, `O_DIRECT` (packet mode); anything else is `EINVAL`
/// (Linux's `O_NOTIFICATION_PIPE` included: watch queues are left out).
pub fn pipe2(fds: UserPtr<[u32; 2]>, flags: u32) -> SysResult {
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    let (rd, wr) = crate::fs::pipe::pipe_pair(flags)?;
    install_pair(rd, wr, flags & O_CLOEXEC != 0, fds)
}

/// Installs two new files on the two lowest free descriptors and stores their numbers at
/// `fds` (`pipe2`, `socketpair`); nothing stays installed if that fails.
pub(super) fn install_pair(a: Arc<File>, b: Arc<File>, cloexec: bool, fds: UserPtr<[u32; 2]>) -> SysResult {
    let files = proc::current().files()?;
    let limit = proc::limits::current_cur(proc::limits::RLIMIT_NOFILE);
    let (r, w) = files.with(|t| {
        let r = t.install_from(0, a, cloexec, limit)?;
        match t.install_from(0, b, cloexec, limit) {
            Ok(w) => Ok((r, w)),
            Err(e) => {
                let _ = t.take(r);
                Err(e)
            }
        }
    })?;
    if let Err(e) = fds.write([r, w]) {
        let _ = files.close(r);
        let _ = files.close(w);
        return Err(e);
    }
    Ok(0)
}

/// Most bytes one transfer moves (`MAX_RW_COUNT`).
const MAX_RW_COUNT: u32 = i32::MAX as u32 & !0xfff;

/// Bytes per trip (a page: one pipe slot).
const CHUNK: u64 = 4096;

/// The transfer of sendfile: `count` bytes from `input` at `*pos` to `output`. A pipe as
/// output takes what fits once it has room (Linux's `splice_file_to_pipe`): the first chunk
/// may wait, later ones stop when the pipe is full.
fn transfer(input: &File, output: &File, pos: &mut u64, count: u32) -> Result<u32, Errno> {
    // On the heap: a pipe destination bounces through a page of stack of its own.
    let mut chunk = alloc::vec::Vec::new();
    crate::mm::inject::fallible(|| chunk.try_reserve_exact(CHUNK as usize)).map_err(|_| Errno::ENOMEM)?;
    chunk.resize(CHUNK as usize, 0u8);
    let mut done = 0u32;
    let mut out_pos = output.pos();
    while done < count {
        if done > 0 && output.ops().poll(output, None) & POLLOUT == 0 {
            break;
        }
        let want = (CHUNK - *pos % CHUNK).min(u64::from(count - done)) as usize;
        let got = match input.ops().splice_read(input, &mut chunk[..want], pos) {
            Ok(0) => break,
            Ok(n) => n as usize,
            Err(e) => return if done > 0 { Ok(done) } else { Err(e) },
        };
        let mut sent = 0;
        while sent < got {
            match output.ops().splice_write(output, &chunk[sent..got], &mut out_pos) {
                Ok(n) => sent += n as usize,
                Err(e) => {
                    *pos -= (got - sent) as u64;
                    output.set_pos(out_pos);
                    let done = done + sent as u32;
                    return if done > 0 { Ok(done) } else { Err(e) };
                }
            }
        }
        done += got as u32;
    }
    if output.ops().seekable() {
        output.set_pos(out_pos);
    }
    Ok(done)
}

/// What sendfile's offset pointer holds.
#[derive(Clone, Copy)]
enum OffsetPtr {
    /// `off_t *` (sendfile): offsets past 2^31 - 1 are `EOVERFLOW`.
    Old(u32),
    /// `loff_t *` (sendfile64).
    Wide(u32),
}

fn sendfile_common(out_fd: u32, in_fd: u32, offset: Option<OffsetPtr>, count: u32) -> SysResult {
    let input = file(in_fd)?;
    if !input.readable() {
        return Err(Errno::EBADF);
    }
    let max = match offset {
        Some(OffsetPtr::Old(_)) => i32::MAX as u64,
        _ => i64::MAX as u64,
    };
    let mut pos = match offset {
        None => input.pos(),
        Some(p) => {
            if !input.ops().seekable() {
                return Err(Errno::ESPIPE);
            }
            match p {
                OffsetPtr::Old(a) => UserPtr::<i32>::new(a).read()? as i64 as u64,
                OffsetPtr::Wide(a) => {
                    let [lo, hi] = UserPtr::<[u32; 2]>::new(a).read()?;
                    u64::from(lo) | u64::from(hi) << 32
                }
            }
        }
    };
    if pos > i64::MAX as u64 {
        return Err(Errno::EINVAL);
    }
    let mut count = count.min(MAX_RW_COUNT);
    let output = file(out_fd)?;
    if !output.writable() {
        return Err(Errno::EBADF);
    }
    if output.ops().seekable() && output.status_flags() & O_APPEND != 0 {
        return Err(Errno::EINVAL);
    }
    if pos + u64::from(count) > max {
        if pos >= max {
            return Err(Errno::EOVERFLOW);
        }
        count = (max - pos) as u32;
    }
    let result = if count == 0 { Ok(0) } else { transfer(&input, &output, &mut pos, count) };
    match offset {
        None => input.set_pos(pos),
        Some(OffsetPtr::Old(a)) => UserPtr::<u32>::new(a).write(pos as u32)?,
        Some(OffsetPtr::Wide(a)) => UserPtr::<[u32; 2]>::new(a).write([pos as u32, (pos >> 32) as u32])?,
    }
    result
}

/// sendfile (187): `off_t` offset.
pub fn sendfile(out_fd: u32, in_fd: u32, offset: u32, count: u32) -> SysResult {
    sendfile_common(out_fd, in_fd, (offset != 0).then_some(OffsetPtr::Old(offset)), count)
}

/// sendfile64 (239): `loff_t` offset.
pub fn sendfile64(out_fd: u32, in_fd: u32, offset: u32, count: u32) -> SysResult {
    sendfile_common(out_fd, in_fd, (offset != 0).then_some(OffsetPtr::Wide(offset)), count)
}
