//! Copies on the kernel heap with a way to fail (`ENOMEM`), for the paths a process reaches:
//! what `to_vec`, `clone` and `collect` do, with the room reserved first.

use alloc::string::String;
use alloc::vec::Vec;
use vmcore::errno::Errno;

/// `bytes.to_vec()`, fallibly.
pub fn to_vec<T: Clone>(items: &[T]) -> Result<Vec<T>, Errno> {
    let mut v = Vec::new();
    v.try_reserve_exact(items.len()).map_err(|_| Errno::ENOMEM)?;
    v.extend_from_slice(items);
    Ok(v)
}

/// `String::from(s)`, fallibly.
pub fn string(s: &str) -> Result<String, Errno> {
    let mut out = String::new();
    out.try_reserve_exact(s.len()).map_err(|_| Errno::ENOMEM)?;
    out.push_str(s);
    Ok(out)
}

/// `String::from_utf8_lossy(bytes).into_owned()`, fallibly: invalid sequences become U+FFFD.
pub fn lossy_string(bytes: &[u8]) -> Result<String, Errno> {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        let bad = if chunk.invalid().is_empty() { "" } else { "\u{FFFD}" };
        out.try_reserve(chunk.valid().len() + bad.len()).map_err(|_| Errno::ENOMEM)?;
        out.push_str(chunk.valid());
        out.push_str(bad);
    }
    Ok(out)
}

/// `iter.collect::<Vec<_>>()` for an iterator of known length, fallibly.
pub fn collect<T>(iter: impl ExactSizeIterator<Item = T>) -> Result<Vec<T>, Errno> {
    let mut v = Vec::new();
    v.try_reserve_exact(iter.len()).map_err(|_| Errno::ENOMEM)?;
    v.extend(iter);
    Ok(v)
}

/// Appends `item` to `v`, fallibly.
pub fn push<T>(v: &mut Vec<T>, item: T) -> Result<(), Errno> {
    v.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
    v.push(item);
    Ok(())
}

/// `iter.collect::<Result<Vec<_>, _>>()`, fallibly: each item's room is reserved before it is
/// added.
pub fn try_collect<T>(iter: impl Iterator<Item = Result<T, Errno>>) -> Result<Vec<T>, Errno> {
    let mut v = Vec::new();
    for item in iter {
        push(&mut v, item?)?;
    }
    Ok(v)
}
