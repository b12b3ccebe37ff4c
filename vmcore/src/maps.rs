//! `/proc/PID/maps` text, byte for byte as Linux's `show_map_vma` writes it on i386.
//!
//! Each line is
//! ```text
//! format!("{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {} ", start, end, r, w, x, p_or_s,
//!         offset, major, minor, inode)
//! ```
//! (note the trailing space, which Linux also prints), then — only when the area has a name —
//! padding and the name, then `\n`.
//!
//! **Column rule.** Linux calls `seq_setwidth(m, 25 + sizeof(void *) * 6 - 1)` before the
//! prefix and `seq_pad(m, ' ')` before the name: spaces up to that width (if the prefix is
//! shorter), then one more space. With 4-byte pointers the width is 48, so the name starts at
//! column `max(prefix_len + 1, 49)` (0-based), [`NAME_COLUMN`]; a long prefix (large inode or
//! offset) is followed by exactly two spaces (its own trailing one plus `seq_pad`'s). On a
//! 64-bit kernel the same rule gives column 73.
//!
//! Fields: perms are `r`/`w`/`x` from `READ`/`WRITE`/`EXEC`, then `s` when the area is
//! shared (`MAYSHARE`, which Linux tests, or `SHARED`) else `p`. The offset is the file offset
//! of the area's start for file mappings, the physical address for [`Backing::Physical`]
//! (Linux prints `vm_pgoff << PAGE_SHIFT`, and `vm_pgoff` is the pfn there), 0 otherwise.
//! Device and inode are the file's, `00:00 0` otherwise. The name is the file's path (a `\n`
//! in it is escaped as `\012`, like `seq_path`), else the [`VmaName`] label (`[heap]`,
//! `[stack]`, or a custom name verbatim).

use core::fmt::{self, Write};

use crate::tree::VmaTree;
use crate::vma::{Backing, VmFlags, Vma, VmaName};

/// Column (0-based) where a name starts unless the prefix is longer: `25 + 4 * 6` on i386.
pub const NAME_COLUMN: usize = 25 + core::mem::size_of::<u32>() * 6;

/// Writes the whole `/proc/PID/maps` text for `tree`.
pub fn write_maps<W: Write>(out: &mut W, tree: &VmaTree) -> fmt::Result {
    tree.iter().try_for_each(|vma| write_maps_line(out, vma))
}

/// Writes the line for one area, including its `\n`.
pub fn write_maps_line<W: Write>(out: &mut W, vma: &Vma) -> fmt::Result {
    let mut out = Counting { inner: out, count: 0 };
    let (offset, (major, minor), ino) = match &vma.backing {
        Backing::File { file, offset, .. } => (*offset, file.dev(), file.ino()),
        Backing::Physical { base } => (u64::from(base.as_u32()), (0, 0), 0),
        Backing::Anonymous => (0, (0, 0), 0),
    };
    let flag = |f: VmFlags, c: char| if vma.flags.contains(f) { c } else { '-' };
    write!(
        out,
        "{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {} ",
        vma.start_addr().as_u32(),
        vma.end().as_u32(),
        flag(VmFlags::READ, 'r'),
        flag(VmFlags::WRITE, 'w'),
        flag(VmFlags::EXEC, 'x'),
        if vma.flags.is_shared() { 's' } else { 'p' },
        offset,
        major,
        minor,
        ino,
    )?;
    match (&vma.backing, &vma.name) {
        (Backing::File { file, .. }, _) => {
            pad(&mut out)?;
            write_escaped(&mut out, file.path())?;
            if file.is_unlinked() {
                out.write_str(" (deleted)")?; // as Linux's d_path of an unlinked file
            }
        }
        (_, VmaName::None) => {}
        (_, name) => {
            pad(&mut out)?;
            out.write_str(name.label().expect("invariant: only VmaName::None has no label"))?;
        }
    }
    out.write_char('\n')
}

/// Writes the first line of `/proc/PID/smaps_rollup` (Linux's `show_smaps_rollup`): the span
/// from `start` to `end` with no flags, offset, device or inode, padded like a maps line, then
/// `[rollup]`.
pub fn write_rollup_header<W: Write>(out: &mut W, start: u32, end: u32) -> fmt::Result {
    let mut out = Counting { inner: out, count: 0 };
    write!(out, "{start:08x}-{end:08x} ---p 00000000 00:00 0 ")?;
    pad(&mut out)?;
    out.write_str("[rollup]\n")
}

/// `seq_pad(m, ' ')` with the i386 width: spaces up to column `NAME_COLUMN - 1`, then one.
fn pad<W: Write>(out: &mut Counting<'_, W>) -> fmt::Result {
    let spaces = (NAME_COLUMN - 1).saturating_sub(out.count) + 1;
    (0..spaces).try_for_each(|_| out.write_char(' '))
}

/// Writes a path, escaping `\n` as `\012` like `seq_path(m, path, "\n")`.
fn write_escaped<W: Write>(out: &mut W, path: &str) -> fmt::Result {
    for (i, part) in path.split('\n').enumerate() {
        if i > 0 {
            out.write_str("\\012")?;
        }
        out.write_str(part)?;
    }
    Ok(())
}

/// A writer that counts the bytes written through it.
struct Counting<'a, W> {
    inner: &'a mut W,
    count: usize,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.count += s.len();
        self.inner.write_str(s)
    }
}

#[cfg(test)]
mod tests;
