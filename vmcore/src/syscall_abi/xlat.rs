//! The writers that print flag and constant values by name. The name tables (`PROT_NAMES`
//! etc., `(value, name)` in strace's printing order) come with the values from the `abi`
//! crate's one flag table (`abi::flag_table!`).

use core::fmt;

pub(super) use super::flags::Xlat;

/// The name of `value` in `table`.
pub(super) fn lookup(table: Xlat, value: u32) -> Option<&'static str> {
    table.iter().find(|&&(v, _)| v == value).map(|&(_, name)| name)
}

/// Writes the names of the bits of `value` found in `table`, joined by `|`, then any leftover
/// bits in hex. `prefix` is an already-decoded part (e.g. the access mode) printed first.
pub(super) fn write_bits(
    w: &mut dyn fmt::Write,
    value: u32,
    table: Xlat,
    prefix: Option<&str>,
    zero: &str,
) -> fmt::Result {
    let mut rest = value;
    let mut first = true;
    let mut sep = |w: &mut dyn fmt::Write| -> fmt::Result {
        if !core::mem::take(&mut first) {
            w.write_char('|')?;
        }
        Ok(())
    };
    if let Some(p) = prefix {
        sep(w)?;
        w.write_str(p)?;
    }
    for &(mask, name) in table {
        if mask != 0 && rest & mask == mask {
            sep(w)?;
            w.write_str(name)?;
            rest &= !mask;
        }
    }
    if rest != 0 {
        sep(w)?;
        write!(w, "{rest:#x}")?;
    } else if value == 0 && prefix.is_none() {
        w.write_str(zero)?;
    }
    Ok(())
}

/// Writes the name of `value` in `table`, or `value /* PREFIX_??? */` as strace does.
pub(super) fn write_enum(
    w: &mut dyn fmt::Write,
    value: u32,
    table: Xlat,
    unknown: &str,
) -> fmt::Result {
    match lookup(table, value) {
        Some(name) => w.write_str(name),
        None => write!(w, "{value:#x} /* {unknown} */"),
    }
}

/// Writes a signal number: `SIGTERM`, `SIGRTMIN`, `SIGRT_3`, or the number.
pub(super) fn write_signal(w: &mut dyn fmt::Write, sig: u32) -> fmt::Result {
    match crate::signal::name(sig) {
        Some(name) => w.write_str(name),
        None => write!(w, "{}", sig as i32),
    }
}
