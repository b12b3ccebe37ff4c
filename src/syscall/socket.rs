//! Sockets: socketpair (360) of AF_UNIX (the only family here; no networking), send/recv
//! through sendto (369) / recvfrom (371), shutdown (373), listen (363) and accept4 (364) with
//! Linux's answers for a connected pair, socket (359) refusing every family, and socketcall
//! (102), the multiplexer glibc uses on i386.
//!
//! Left out: `socket(AF_UNIX)`, bind, connect, the socket options, sendmsg/recvmsg and names
//! (`-ENOSYS`); `MSG_PEEK` and `MSG_OOB` (`EOPNOTSUPP`).

use super::file::file;
use super::uptr::{UserBuf, UserPtr};
use super::SysResult;
use crate::fs::file::File;
use alloc::sync::Arc;
use vmcore::errno::Errno;
use vmcore::syscall_abi::flags::{
    AF_UNIX, MSG_OOB, MSG_PEEK, NPROTO, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_MAX, SOCK_NONBLOCK,
    SOCK_RAW, SOCK_SEQPACKET, SOCK_STREAM, SOCK_TYPE_MASK,
};

/// The socket open on `fd`: `EBADF`, or `ENOTSOCK` for other files.
fn socket_file(fd: u32) -> Result<Arc<File>, Errno> {
    let f = file(fd)?;
    match f.ops().socket() {
        Some(_) => Ok(f),
        None => Err(Errno::ENOTSOCK),
    }
}

/// Splits `socket`'s `type` into the type and its flags (`EINVAL` for unknown flags).
fn split_type(ty: u32) -> Result<(u32, u32), Errno> {
    let flags = ty & !SOCK_TYPE_MASK;
    if flags & !(SOCK_CLOEXEC | SOCK_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    Ok((ty & SOCK_TYPE_MASK, flags))
}

/// Linux's `sock_create` checks up to the family (`EAFNOSUPPORT` when no such family is here).
fn check_family(family: u32, ty: u32) -> Result<(), Errno> {
    if family >= NPROTO {
        return Err(Errno::EAFNOSUPPORT);
    }
    if ty >= SOCK_MAX {
        return Err(Errno::EINVAL);
    }
    if family != AF_UNIX {
        return Err(Errno::EAFNOSUPPORT);
    }
    Ok(())
}

/// socket: no family makes sockets by itself here (AF_UNIX only comes in pairs).
pub fn socket(family: u32, ty: u32, _protocol: u32) -> SysResult {
    let (ty, _) = split_type(ty)?;
    check_family(family, ty)?;
    Err(Errno::EAFNOSUPPORT)
}

/// The AF_UNIX type `ty` and `protocol` make (`unix_create`): `SOCK_RAW` is `SOCK_DGRAM`.
fn unix_type(ty: u32, protocol: u32) -> Result<u32, Errno> {
    if protocol != 0 && protocol != AF_UNIX {
        return Err(Errno::EPROTONOSUPPORT);
    }
    match ty {
        SOCK_STREAM | SOCK_DGRAM | SOCK_SEQPACKET => Ok(ty),
        SOCK_RAW => Ok(SOCK_DGRAM),
        _ => Err(Errno::ESOCKTNOSUPPORT),
    }
}

/// socketpair: a connected pair on the two lowest free descriptors. As Linux, a bad `sv` is
/// `EFAULT` before the family, type and protocol are looked at.
pub fn socketpair(family: u32, ty: u32, protocol: u32, sv: UserPtr<[u32; 2]>) -> SysResult {
    let (ty, flags) = split_type(ty)?;
    let made = check_family(family, ty).and_then(|()| unix_type(ty, protocol));
    let ty = match made {
        Ok(ty) => ty,
        Err(e) => {
            // Linux stores the descriptors first: writing `sv` back shows it is writable.
            sv.write(sv.read()?)?;
            return Err(e);
        }
    };
    let (a, b) = crate::fs::socket::socket_pair(ty, flags & SOCK_NONBLOCK != 0)?;
    super::pipe::install_pair(a, b, flags & SOCK_CLOEXEC != 0, sv)
}

/// A `sockaddr` argument of `sendto`/`recvfrom`'s length: `EINVAL` past `sockaddr_storage`.
fn check_addr_len(len: i32) -> Result<(), Errno> {
    if !(0..=128).contains(&len) {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// sendto: `send` with an address, which a connected stream refuses (`EISCONN`); an address of
/// length 0 is none. Datagram sockets take no address here either (`EISCONN`).
pub fn sendto(fd: u32, buf: UserBuf, flags: u32, addr: u32, addr_len: u32) -> SysResult {
    let f = socket_file(fd)?;
    let sock = f.ops().socket().expect("invariant: socket_file checked");
    buf.check(false)?;
    if addr != 0 && addr_len != 0 {
        check_addr_len(addr_len as i32)?;
        UserBuf::new(addr, addr_len).check(false)?;
        if sock.kind() != SOCK_SEQPACKET {
            return Err(Errno::EISCONN);
        }
    }
    sock.send(&f, buf, flags)
}

/// recvfrom: `recv`; the peer has no name, so an address asked for has length 0.
pub fn recvfrom(fd: u32, buf: UserBuf, flags: u32, addr: u32, addr_len: UserPtr<i32>) -> SysResult {
    let f = socket_file(fd)?;
    let sock = f.ops().socket().expect("invariant: socket_file checked");
    if flags & (MSG_PEEK | MSG_OOB) != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    buf.check(true)?;
    let n = sock.recv(&f, buf, flags)?;
    if addr != 0 {
        if addr_len.read()? < 0 {
            return Err(Errno::EINVAL);
        }
        addr_len.write(0)?;
    }
    Ok(n)
}

/// shutdown: see `SocketEnd::shutdown`.
pub fn shutdown(fd: u32, how: u32) -> SysResult {
    let f = socket_file(fd)?;
    f.ops().socket().expect("invariant: socket_file checked").shutdown(how)?;
    Ok(0)
}

/// listen: a connected pair cannot (`EINVAL`; `EOPNOTSUPP` for datagrams).
pub fn listen(fd: u32, _backlog: u32) -> SysResult {
    let f = socket_file(fd)?;
    match f.ops().socket().expect("invariant: socket_file checked").kind() {
        SOCK_DGRAM => Err(Errno::EOPNOTSUPP),
        _ => Err(Errno::EINVAL),
    }
}

/// accept4: nothing listens here (`EINVAL`; `EOPNOTSUPP` for datagrams).
pub fn accept4(fd: u32, _addr: u32, _addr_len: u32, flags: u32) -> SysResult {
    if flags & !(SOCK_CLOEXEC | SOCK_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    listen(fd, 0)
}

/// Words of arguments each `socketcall` call takes (Linux's `nargs`), indexed by call.
const NARGS: [u8; 21] = [0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4, 6, 6, 2, 5, 5, 3, 3, 4, 5, 4];

/// socketcall: `call`'s arguments are words at `args`. Unknown calls are `EINVAL`.
pub fn socketcall(call: u32, args: UserPtr<u32>) -> SysResult {
    let n = match NARGS.get(call as usize) {
        Some(&n) if call >= 1 => n as u32,
        _ => return Err(Errno::EINVAL),
    };
    let mut a = [0u32; 6];
    for (i, word) in a.iter_mut().enumerate().take(n as usize) {
        *word = args.add(i as u32)?.read()?;
    }
    match call {
        1 => socket(a[0], a[1], a[2]),
        4 => listen(a[0], a[1]),
        5 => accept4(a[0], a[1], a[2], 0),
        8 => socketpair(a[0], a[1], a[2], UserPtr::new(a[3])),
        9 => sendto(a[0], UserBuf::new(a[1], a[2]), a[3], 0, 0),
        10 => recvfrom(a[0], UserBuf::new(a[1], a[2]), a[3], 0, UserPtr::new(0)),
        11 => sendto(a[0], UserBuf::new(a[1], a[2]), a[3], a[4], a[5]),
        12 => recvfrom(a[0], UserBuf::new(a[1], a[2]), a[3], a[4], UserPtr::new(a[5])),
        13 => shutdown(a[0], a[1]),
        18 => accept4(a[0], a[1], a[2], a[3]),
        _ => Err(Errno::ENOSYS),
    }
}
