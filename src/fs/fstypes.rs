//! The file system types `mount` knows: `proc`, `tmpfs` (`size=`, `nr_inodes=`, `mode=`) and
//! `devtmpfs` (one shared instance, as Linux, holding the standard device nodes).

use super::create::{self, NewNode};
use super::inode::{Inode, SuperBlock, PROC_MAGIC};
use super::mount::{self, PathRef};
use super::stat::S_IFCHR;
use crate::proc::cred::Cred;
use alloc::sync::Arc;
use spin::Once;
use vmcore::errno::Errno;

/// The nodes devtmpfs starts with: name, mode, device.
const DEV_NODES: &[(&[u8], u32, (u32, u32))] = &[
    (b"null", 0o666, (1, 3)),
    (b"zero", 0o666, (1, 5)),
    (b"full", 0o666, (1, 7)),
    (b"random", 0o666, (1, 8)),
    (b"urandom", 0o666, (1, 9)),
    (b"tty", 0o666, (5, 0)),
    (b"console", 0o600, (5, 1)),
    (b"ttyS0", 0o660, (4, 64)),
];

static DEVTMPFS: Once<(Arc<SuperBlock>, Arc<Inode>)> = Once::new();
static PROC_SB: Once<Arc<SuperBlock>> = Once::new();

/// The devtmpfs instance, made with its nodes on first use.
fn devtmpfs() -> Result<(Arc<SuperBlock>, Arc<Inode>), Errno> {
    if let Some(d) = DEVTMPFS.get() {
        return Ok(d.clone());
    }
    let (sb, root) = super::tmpfs::new_instance(super::tmpfs::default_pages(), super::tmpfs::default_inodes(), 0o755)?;
    let m = mount::Mount { id: 0, sb: sb.clone(), root: root.clone(), parent: None };
    let m = crate::mm::inject::fallible(|| Arc::try_new(m)).map_err(|_| Errno::ENOMEM)?;
    let here = PathRef { mount: m, inode: root.clone() };
    let cred = Cred::root();
    for &(name, mode, rdev) in DEV_NODES {
        create::create(&here, name, S_IFCHR | mode, NewNode::Special(rdev), &cred)?;
    }
    Ok(DEVTMPFS.call_once(|| (sb, root)).clone())
}

/// Parses a size option: bytes with an optional k, m or g suffix, or a percentage of RAM.
fn parse_size(v: &[u8]) -> Result<u64, Errno> {
    let s = core::str::from_utf8(v).map_err(|_| Errno::EINVAL)?;
    let (num, mul) = match s.as_bytes().last() {
        Some(b'k' | b'K') => (&s[..s.len() - 1], 1u64 << 10),
        Some(b'm' | b'M') => (&s[..s.len() - 1], 1 << 20),
        Some(b'g' | b'G') => (&s[..s.len() - 1], 1 << 30),
        Some(b'%') => {
            let pct: u64 = s[..s.len() - 1].parse().map_err(|_| Errno::EINVAL)?;
            let total = crate::mm::frames::counters().total as u64 * 4096;
            return Ok(total * pct / 100);
        }
        _ => (s, 1),
    };
    num.parse::<u64>().ok().and_then(|n| n.checked_mul(mul)).ok_or(Errno::EINVAL)
}

/// A new instance of `fstype` with the comma-separated `options`, and its root directory.
pub fn instance(fstype: &[u8], options: &[u8]) -> Result<(Arc<SuperBlock>, Arc<Inode>), Errno> {
    match fstype {
        b"proc" => {
            let sb = match PROC_SB.get() {
                Some(sb) => sb.clone(),
                None => {
                    let sb = SuperBlock::new(PROC_MAGIC, 0, u64::MAX)?;
                    PROC_SB.call_once(|| sb).clone()
                }
            };
            let root = super::procfs::ProcNode::root(&sb)?;
            Ok((sb, root))
        }
        b"devtmpfs" => devtmpfs(),
        b"tmpfs" => {
            let (mut pages, mut inodes, mut mode) = (super::tmpfs::default_pages(), super::tmpfs::default_inodes(), 0o1777);
            for opt in options.split(|&b| b == b',').filter(|o| !o.is_empty()) {
                let (key, val) = match opt.iter().position(|&b| b == b'=') {
                    Some(i) => (&opt[..i], &opt[i + 1..]),
                    None => (opt, &opt[..0]),
                };
                match key {
                    b"size" => pages = parse_size(val)?.div_ceil(4096),
                    b"nr_inodes" => inodes = parse_size(val)?,
                    b"mode" => {
                        let s = core::str::from_utf8(val).map_err(|_| Errno::EINVAL)?;
                        mode = u32::from_str_radix(s, 8).map_err(|_| Errno::EINVAL)? & 0o7777;
                    }
                    _ => return Err(Errno::EINVAL),
                }
            }
            if pages == 0 {
                pages = u64::MAX; // size=0: unlimited, as Linux
            }
            if inodes == 0 {
                inodes = u64::MAX;
            }
            super::tmpfs::new_instance(pages, inodes, mode)
        }
        _ => Err(Errno::ENODEV),
    }
}
