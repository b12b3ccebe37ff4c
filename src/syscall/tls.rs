//! Thread-local storage: `set_thread_area` (243) and `get_thread_area` (244) with Linux's
//! `struct user_desc` and its three GDT slots 6..=8 (`arch/x86/kernel/tls.c`).

use super::uptr::{Plain, UserPtr};
use super::SysResult;
use crate::arch::gdt;
use crate::arch::trap::TrapFrame;
use crate::proc::uaddrs;
use vmcore::errno::Errno;
use vmcore::tls::{TlsDesc, UserDesc, TLS_MAX, TLS_MIN};

// SAFETY: four u32 fields, repr(C), no padding; every bit pattern is a valid UserDesc.
unsafe impl Plain for UserDesc {}

/// set_thread_area: installs `u_info`'s descriptor in the slot it names, or in the first
/// free one (writing its number back) when `entry_number` is -1. Linux's order of checks:
/// EFAULT reading, EINVAL for a descriptor `tls_desc_okay` refuses, ESRCH when no slot is
/// free, EFAULT writing the number back, EINVAL for a number outside 6..=8.
pub fn set_thread_area(u_info: UserPtr<UserDesc>, frame: &mut TrapFrame) -> SysResult {
    let info = u_info.read()?;
    if !info.is_okay() {
        return Err(Errno::EINVAL);
    }
    let mut idx = info.entry_number;
    if idx == u32::MAX {
        let free = uaddrs::with_current(|t| t.tls.iter().position(|d| TlsDesc(*d).is_empty()));
        idx = TLS_MIN + free.ok_or(Errno::ESRCH)? as u32;
        u_info.write(UserDesc { entry_number: idx, ..info })?;
    }
    if !(TLS_MIN..=TLS_MAX).contains(&idx) {
        return Err(Errno::EINVAL);
    }
    let desc = TlsDesc::from_user(&info);
    let tls = uaddrs::with_current(|t| {
        t.tls[(idx - TLS_MIN) as usize] = desc.0;
        t.tls
    });
    gdt::load_tls(&tls);
    if desc.is_empty() {
        // A user segment register selecting the slot just freed can no longer be loaded:
        // Linux's return to user mode fails to reload it and loads the null selector instead.
        for sel in [&mut frame.gs, &mut frame.fs, &mut frame.es, &mut frame.ds] {
            if *sel & 0xffff & !3 == idx << 3 {
                *sel = 0;
            }
        }
    }
    Ok(0)
}

/// get_thread_area: the fields of slot `entry_number` (6..=8, else EINVAL).
pub fn get_thread_area(u_info: UserPtr<UserDesc>) -> SysResult {
    // Linux reads only the entry number (the first word) before writing the whole struct.
    let idx = UserPtr::<u32>::new(u_info.addr()).read()?;
    if !(TLS_MIN..=TLS_MAX).contains(&idx) {
        return Err(Errno::EINVAL);
    }
    let desc = uaddrs::with_current(|t| TlsDesc(t.tls[(idx - TLS_MIN) as usize]));
    u_info.write(desc.to_user(idx))?;
    Ok(0)
}
