//! Path lookup (Linux's `fs/namei.c`): from the root, the working directory or a `*at`
//! directory descriptor, component by component.
//!
//! Each step needs search permission on the directory (root bypasses), `..` at a mount's root
//! goes to the mountpoint's parent and at the process root stays, a mountpoint is entered into
//! the top mount on it, symlinks are followed in the middle always and at the end when asked
//! (at most 40 per lookup, `MAXSYMLINKS`: `ELOOP`). A path is at most 4,095 bytes and a name
//! at most 255 (`ENAMETOOLONG`); a trailing `/` requires a directory. The walk is iterative:
//! a symlink's target is pushed on a stack of path pieces still to walk, so nesting costs heap,
//! not kernel stack.

use super::inode::{Inode, InodeKind, MAY_EXEC};
use super::mount::{self, PathRef};
use crate::proc::cred::Cred;
use alloc::sync::Arc;
use alloc::vec::Vec;
use vmcore::errno::Errno;

/// Most symlinks one lookup follows (`MAXSYMLINKS`).
pub const MAX_LINKS: u32 = 40;
/// Longest name (`NAME_MAX`).
pub const NAME_MAX: usize = 255;
/// Longest path, without its NUL (`PATH_MAX` - 1).
pub const PATH_MAX: usize = 4095;

/// One lookup's state: the process root, the credentials, the symlinks followed so far.
pub struct Walker {
    root: PathRef,
    cred: Arc<Cred>,
    links: u32,
    /// The directory and name of the last component `walk` ended on.
    last: Option<(PathRef, Vec<u8>)>,
    /// The text of the last magic link followed (a name for what it led to).
    magic_name: Option<Vec<u8>>,
}

/// The parent directory of a path and its last component.
pub struct Parent {
    /// The directory.
    pub dir: PathRef,
    /// The last name (`.` and `..` included; empty for `/`).
    pub name: Vec<u8>,
    /// Whether the path ended in `/`.
    pub trailing_slash: bool,
}

impl Parent {
    /// Whether the last component is a plain name (not `.`, `..` or the root).
    pub fn is_normal(&self) -> bool {
        !matches!(self.name.as_slice(), b"" | b"." | b"..")
    }
}

/// Splits off the next component of `path` at `*pos`, skipping slashes.
fn next_component<'a>(path: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    while *pos < path.len() && path[*pos] == b'/' {
        *pos += 1;
    }
    if *pos >= path.len() {
        return None;
    }
    let start = *pos;
    while *pos < path.len() && path[*pos] != b'/' {
        *pos += 1;
    }
    Some(&path[start..*pos])
}

fn has_more(path: &[u8], pos: usize) -> bool {
    path[pos.min(path.len())..].iter().any(|&b| b != b'/')
}

fn owned(bytes: &[u8]) -> Result<Vec<u8>, Errno> {
    let mut v = Vec::new();
    crate::mm::inject::fallible(|| v.try_reserve_exact(bytes.len())).map_err(|_| Errno::ENOMEM)?;
    v.extend_from_slice(bytes);
    Ok(v)
}

/// The target of a symlink inode.
pub fn link_target(inode: &Inode) -> Result<Vec<u8>, Errno> {
    match &inode.kind {
        InodeKind::Symlink(t) => owned(t),
        InodeKind::Proc(p) => p.link_target(),
        _ => Err(Errno::EINVAL),
    }
}

impl Walker {
    /// A lookup by the running process.
    pub fn new() -> Result<Walker, Errno> {
        let root = super::fscontext::current()?.get().root;
        Ok(Walker { root, cred: crate::proc::cred::current(), links: 0, last: None, magic_name: None })
    }

    /// A lookup from `root` with `cred` (for the kernel's own, e.g. starting init).
    pub fn with(root: PathRef, cred: Arc<Cred>) -> Walker {
        Walker { root, cred, links: 0, last: None, magic_name: None }
    }

    /// The directory and name the last `walk` ended on (none for `/` or a path ending in
    /// `.` or `..`).
    pub fn take_last(&mut self) -> Option<(PathRef, Vec<u8>)> {
        self.last.take()
    }

    /// The text of the last magic link `walk` followed.
    pub fn take_magic_name(&mut self) -> Option<Vec<u8>> {
        self.magic_name.take()
    }

    /// The process root.
    pub fn root(&self) -> &PathRef {
        &self.root
    }

    /// The credentials permission checks use.
    pub fn cred(&self) -> &Arc<Cred> {
        &self.cred
    }

    /// `..` from `cur`.
    fn dotdot(&self, cur: &PathRef) -> PathRef {
        let mut cur = cur.clone();
        loop {
            if cur.same(&self.root) {
                return cur;
            }
            if cur.is_mount_root() {
                match &cur.mount.parent {
                    Some(at) => {
                        cur = at.clone();
                        continue;
                    }
                    None => return cur,
                }
            }
            let parent = match &cur.inode.kind {
                // An entry right below the mount's root: the root itself (the one instance).
                InodeKind::Proc(p) if !p.rel().contains('/') => Some(cur.mount.root.clone()),
                InodeKind::Proc(p) => p.parent(&cur.inode.sb).ok(),
                _ => cur.inode.dir().and_then(|d| d.read().parent.upgrade()),
            };
            return match parent {
                Some(p) => PathRef { mount: cur.mount.clone(), inode: p },
                None => cur,
            };
        }
    }

    /// One step from the directory `cur` to its entry `name`, entering mounts.
    pub fn step(&mut self, cur: &PathRef, name: &[u8]) -> Result<PathRef, Errno> {
        if !cur.inode.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        cur.inode.permission(&self.cred, MAY_EXEC)?;
        match name {
            b"." => return Ok(cur.clone()),
            b".." => return Ok(self.dotdot(cur)),
            _ => {}
        }
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let child = lookup_child(cur, name)?;
        let mut next = PathRef { mount: cur.mount.clone(), inode: child };
        while let Some(m) = mount::mounted_on(&next) {
            next = PathRef { inode: m.root.clone(), mount: m };
        }
        Ok(next)
    }

    /// Resolves `path` from `start` (the root for an absolute path); the last component's
    /// symlink is followed when `follow`. `ENOENT` for an empty path.
    pub fn walk(&mut self, start: &PathRef, path: &[u8], follow: bool) -> Result<PathRef, Errno> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        let must_be_dir = path.last() == Some(&b'/');
        let mut cur = if path[0] == b'/' { self.root.clone() } else { start.clone() };
        // Path pieces still to walk, innermost symlink target last.
        let mut stack: Vec<(Vec<u8>, usize)> = Vec::new();
        crate::mm::inject::fallible(|| stack.try_reserve(4)).map_err(|_| Errno::ENOMEM)?;
        stack.push((owned(path)?, 0));
        while let Some((piece, mut pos)) = stack.pop() {
            let Some(name) = next_component(&piece, &mut pos) else { continue };
            let last = !has_more(&piece, pos) && stack.iter().all(|(p, at)| !has_more(p, *at));
            let next = self.step(&cur, name)?;
            let is_link = next.inode.is_symlink();
            let record = last && !matches!(name, b"." | b"..");
            let name = if record { Some(owned(name)?) } else { None };
            stack.push((piece, pos));
            if is_link && (!last || follow || must_be_dir) {
                self.links += 1;
                if self.links > MAX_LINKS {
                    return Err(Errno::ELOOP);
                }
                if let InodeKind::Proc(p) = &next.inode.kind {
                    if let Some(at) = p.magic() {
                        // /proc/PID/fd/N: the open file itself, whatever its name now.
                        self.last = None;
                        self.magic_name = Some(p.link_target()?);
                        cur = at.clone();
                        continue;
                    }
                }
                let target = link_target(&next.inode)?;
                if target.is_empty() {
                    return Err(Errno::ENOENT);
                }
                if target[0] == b'/' {
                    cur = self.root.clone();
                }
                crate::mm::inject::fallible(|| stack.try_reserve(1)).map_err(|_| Errno::ENOMEM)?;
                stack.push((target, 0));
                continue;
            }
            self.last = name.map(|n| (cur.clone(), n));
            self.magic_name = None;
            cur = next;
        }
        if must_be_dir && !cur.inode.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(cur)
    }

    /// Resolves all of `path` but its last component (following symlinks), which it returns.
    /// `ENOENT` for an empty path.
    pub fn walk_parent(&mut self, start: &PathRef, path: &[u8]) -> Result<Parent, Errno> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        let end = path.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
        let trailing_slash = end < path.len();
        let cut = path[..end].iter().rposition(|&b| b == b'/');
        let (dir_part, name) = match cut {
            Some(i) => (&path[..i + 1], &path[i + 1..end]),
            None => (&path[..0], &path[..end]),
        };
        let dir = if dir_part.is_empty() {
            start.clone()
        } else {
            self.walk(start, dir_part, true)?
        };
        if !dir.inode.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        Ok(Parent { dir, name: owned(name)?, trailing_slash })
    }
}

/// The entry `name` of the directory `dir` (`ENOENT` if absent).
pub fn lookup_child(dir: &PathRef, name: &[u8]) -> Result<Arc<Inode>, Errno> {
    match &dir.inode.kind {
        InodeKind::Dir(d) => d.read().get(name).cloned().ok_or(Errno::ENOENT),
        InodeKind::Proc(p) => p.lookup_child(&dir.inode.sb, name),
        _ => Err(Errno::ENOTDIR),
    }
}

/// The absolute path of `at` as seen from `root` (Linux's `d_path`), e.g. for `getcwd`.
/// `ENOENT` once the directory has been removed.
pub fn path_of(at: &PathRef, root: &PathRef) -> Result<Vec<u8>, Errno> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut cur = at.clone();
    loop {
        if cur.same(root) {
            break;
        }
        if cur.is_mount_root() {
            match &cur.mount.parent {
                Some(p) => {
                    cur = p.clone();
                    continue;
                }
                None => break,
            }
        }
        if let InodeKind::Proc(p) = &cur.inode.kind {
            // A /proc entry knows its path below the mount: its components, then the mount.
            for comp in p.rel().rsplit('/').filter(|c| !c.is_empty()) {
                crate::mm::inject::fallible(|| names.try_reserve(1)).map_err(|_| Errno::ENOMEM)?;
                names.push(owned(comp.as_bytes())?);
            }
            cur = PathRef { inode: cur.mount.root.clone(), mount: cur.mount.clone() };
            continue;
        }
        let (parent, name) = match cur.inode.dir() {
            Some(d) => {
                let d = d.read();
                (d.parent.upgrade(), owned(&d.name)?)
            }
            None => return Err(Errno::ENOTDIR),
        };
        let Some(parent) = parent else { break };
        crate::mm::inject::fallible(|| names.try_reserve(1)).map_err(|_| Errno::ENOMEM)?;
        names.push(name);
        cur = PathRef { mount: cur.mount.clone(), inode: parent };
    }
    let mut out = Vec::new();
    let len = names.iter().map(|n| n.len() + 1).sum::<usize>().max(1);
    crate::mm::inject::fallible(|| out.try_reserve_exact(len)).map_err(|_| Errno::ENOMEM)?;
    for n in names.iter().rev() {
        out.push(b'/');
        out.extend_from_slice(n);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    Ok(out)
}

/// The path of a file found by `at` in its directory `dir` under `name` (regular files have
/// no parent link, so this is the directory's path plus the name).
pub fn path_in(dir: &PathRef, name: &[u8], root: &PathRef) -> Result<Vec<u8>, Errno> {
    let mut p = path_of(dir, root)?;
    crate::mm::inject::fallible(|| p.try_reserve(name.len() + 1)).map_err(|_| Errno::ENOMEM)?;
    if p.last() != Some(&b'/') {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    Ok(p)
}
