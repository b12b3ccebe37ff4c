//! AF_UNIX socket pairs (always `SOCK_NONBLOCK`, so no read or write can hang the batch):
//! socketpair through socketcall and the direct call, with junk families, types and
//! protocols; send/recv with `MSG_DONTWAIT`; shutdown; listen/accept on whatever descriptor;
//! socketcall with junk call numbers and argument blocks.

use super::*;

/// Types with their flags: the three AF_UNIX types, SOCK_RAW, junk.
const TYPES: [u32; 6] = [1, 2, 5, 3, 4, 0x1_0001];

impl Fz<'_> {
    pub(super) fn op_socket(&mut self) {
        let fd = self.fd() as u32;
        let flags = self.rng.pick(&[0, MSG_DONTWAIT, MSG_DONTWAIT | MSG_NOSIGNAL, MSG_PEEK, 0xFFFF_FFFF]) | MSG_DONTWAIT;
        let len = self.rng.pick(&[0, 1, 100, PG, 3 * PG]);
        let direct = self.rng.chance(1, 2);
        // (call, direct number, its argument words)
        let (call, number, args): (u32, u32, [u32; 6]) = match self.rng.below(6) {
            0 | 1 => {
                let mut two = [u32::MAX; 2];
                let sv = if self.rng.chance(1, 10) { self.bad_dst() } else { two.as_mut_ptr() as u32 };
                let family = self.rng.pick(&[AF_UNIX, AF_UNIX, 0, 200]);
                let ty = self.rng.pick(&TYPES) | SOCK_NONBLOCK | self.rng.pick(&[0, SOCK_CLOEXEC]);
                let proto = self.rng.pick(&[0, 0, 1, 7]);
                let a = [family, ty, proto, sv, 0, 0];
                let r = if direct { sc!(self, nr::SYS_SOCKETPAIR, a) } else { sc!(self, nr::SYS_SOCKETCALL, [8, a.as_ptr() as u32, 0, 0, 0, 0]) };
                let two = core::hint::black_box(two);
                if !is_err(r) && sv == two.as_ptr() as u32 {
                    for &e in &two {
                        if (e as usize) < FDS {
                            self.fds[e as usize] = Kind::File;
                        }
                    }
                }
                return;
            }
            2 => (11, nr::SYS_SENDTO, [fd, self.src(), len, flags, 0, 0]),
            3 => (12, nr::SYS_RECVFROM, [fd, self.dst(len), len, flags, 0, 0]),
            4 => (13, nr::SYS_SHUTDOWN, [fd, self.rng.pick(&[0, 1, 2, 3]), 0, 0, 0, 0]),
            _ => match self.rng.below(3) {
                0 => (4, nr::SYS_LISTEN, [fd, 1, 0, 0, 0, 0]),
                1 => (18, nr::SYS_ACCEPT4, [fd, 0, 0, self.rng.pick(&[0, SOCK_NONBLOCK, 0x10]), 0, 0]),
                _ => (self.rng.pick(&[0, 1, 2, 21, 0xFFFF_FFFF]), nr::SYS_SOCKET, [self.rng.pick(&[0, 46, 200]), 1, 0, 0, 0, 0]),
            },
        };
        // Never print: the console is 0..3.
        if (0..3).contains(&fd) {
            return;
        }
        if direct {
            sc0!(self, number, args);
        } else {
            let block = if self.rng.chance(1, 8) { self.bad_src() } else { args.as_ptr() as u32 };
            sc0!(self, nr::SYS_SOCKETCALL, [call, block, 0, 0, 0, 0]);
            core::hint::black_box(&args);
        }
    }
}
