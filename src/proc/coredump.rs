//! Core dumps (Linux 6.1's `do_coredump`, `fs/coredump.c`, with `core_pattern` "core"): a
//! process killed by a signal whose default action is "core" writes an ELF core file named
//! `core` in its working directory before its memory goes, and its wait status gets the core
//! bit only when the file was made (`coredump_finish`; see below for a cut file).
//!
//! The order is Linux's: the group exit starts with the signal as its status and the other
//! threads are killed (`zap_threads`); the dumping thread waits until they are gone
//! (`coredump_wait`), so the space it reads is quiet; then the file is written
//! ([`super::corefile`]), the status gets 0x80 if it was, and the thread exits as any other.
//! No dump when another group exit or an exec is under way, when the space is not dumpable
//! (`PR_SET_DUMPABLE` 0), when `RLIMIT_CORE` is below a page (ELF's `min_coredump`), when the
//! file cannot be created, or when a fatal signal arrives while waiting.
//!
//! The file: [`vmcore::coredump::layout`] builds the head; each area's dumped part follows,
//! read with [`AddressSpace::peek`] (pages that cannot be read are zeros). A page of zeros is
//! not written but skipped, leaving a hole as Linux's `dump_skip` does for pages that were
//! never touched; holes do not count against `RLIMIT_CORE` (Linux's `cprm->written`). A write
//! that would pass the limit stops the dump there (`dump_emit`): the file stays, short — and
//! the core bit is still set, as Linux's `elf_core_dump` reports a dump once its notes are
//! gathered (measured: a 8 KiB limit gives status 0x86 and a cut file).

use alloc::vec::Vec;

use super::signals;
use super::sigstate::{default_action, DefaultAction, SigInfo};
use super::task::Task;
use super::WaitStatus;
use crate::arch::fpu;
use crate::arch::trap::TrapFrame;
use crate::mm::aspace::AddressSpace;
use vmcore::addr::{VirtAddr, PAGE_SIZE};
use vmcore::coredump::{CoreInput, CoreLayout, PrStatus, PsInfo, TimeVal};
use vmcore::errno::Errno;

/// Ends the current process for `sig` delivered with its default action (`info`, the user
/// registers in `frame`): a "core" signal dumps first when it may. Never returns.
pub fn die(sig: u32, info: Option<&SigInfo>, frame: &TrapFrame) -> ! {
    if default_action(sig) != DefaultAction::Core {
        super::exit_current(WaitStatus::Signaled(sig));
    }
    let task = super::current();
    let group = task.group.clone();
    if !group.start_core_exit(WaitStatus::Signaled(sig), task.pid()) {
        drop(task);
        drop(group);
        super::exit_current(WaitStatus::Signaled(sig));
    }
    let quiet = wait_for_threads(&task);
    let info = info.copied().unwrap_or(SigInfo::from_pid(sig, super::sigstate::SI_KERNEL, 0));
    let dumped = quiet && dump(&task, &info, frame).is_ok();
    group.finish_core_exit(dumped);
    drop(task);
    drop(group);
    super::exit_current(WaitStatus::Signaled(sig))
}

/// Kills the group's other threads and waits until they are gone (Linux's `zap_threads` and
/// `coredump_wait`); false when a fatal signal came meanwhile (the dump is given up).
fn wait_for_threads(task: &Task) -> bool {
    if task.group.live() > 1 {
        super::kill_threads(task);
    }
    loop {
        let done = super::sched::with(|_| {
            if task.group.live() == 1 {
                return true;
            }
            task.inner.lock().state = super::task::State::Waiting;
            false
        });
        if done {
            return true;
        }
        super::sched::schedule();
        if signals::fatal_pending() {
            return false;
        }
    }
}

/// Writes the core file of the current process; `Err` when no file was made (no core bit).
fn dump(task: &Task, info: &SigInfo, frame: &TrapFrame) -> Result<(), Errno> {
    let limit = super::limits::current_cur(super::limits::RLIMIT_CORE);
    if limit < PAGE_SIZE {
        return Err(Errno::EFBIG);
    }
    let space = task.inner.lock().aspace.clone().ok_or(Errno::EINVAL)?;
    if !space.dumpable() {
        return Err(Errno::EPERM);
    }
    let areas = space.edit(|s, t, p| (s.core_areas(&*t, &*p), None)).map_err(|_| Errno::ENOMEM)?;
    let input = gather(task, &space, info, frame)?;
    let layout = vmcore::coredump::layout(&input, &areas).map_err(|_| Errno::ENOMEM)?;
    drop(input);
    drop(areas);
    let mut file = super::corefile::CoreFile::create(u64::from(limit))?;
    // Linux's elf_core_dump reports a dump once the notes are gathered: a write that stops
    // early (the limit, a full file system) leaves a short file and still the core bit.
    if write_memory(&mut file, &layout, &space).is_ok() {
        file.finish();
    }
    Ok(())
}

/// Writes the head and each area's dumped part; stops at the first write that fails.
fn write_memory(file: &mut super::corefile::CoreFile, layout: &CoreLayout, space: &AddressSpace) -> Result<(), Errno> {
    file.emit(&layout.head[..layout.used])?;
    file.skip((layout.head.len() - layout.used) as u64);
    let mut page = Vec::new();
    page.try_reserve_exact(PAGE_SIZE as usize).map_err(|_| Errno::ENOMEM)?;
    page.resize(PAGE_SIZE as usize, 0u8);
    for load in &layout.loads {
        let mut done = 0u32;
        while done < load.len {
            if signals::fatal_pending() {
                return Err(Errno::EINTR); // Linux's dump_interrupted: a SIGKILL ends the dump
            }
            let n = (load.len - done).min(PAGE_SIZE) as usize;
            let got = space.peek(VirtAddr::new(load.vaddr + done), &mut page[..n]);
            page[got..n].fill(0);
            if page[..n].iter().all(|&b| b == 0) {
                file.skip(n as u64);
            } else {
                file.emit(&page[..n])?;
            }
            done += n as u32;
        }
    }
    Ok(())
}

/// The notes' contents: the thread's registers and status, the process, the signal, the
/// auxiliary vector and the FPU registers.
fn gather(task: &Task, space: &AddressSpace, info: &SigInfo, frame: &TrapFrame) -> Result<CoreInput, Errno> {
    let group = &task.group;
    let cred = super::cred::of(task);
    let (name, parent, sigpend, sighold) = {
        let inner = task.inner.lock();
        let mut name = Vec::new();
        name.try_reserve_exact(inner.name.len().min(16)).map_err(|_| Errno::ENOMEM)?;
        name.extend_from_slice(&inner.name.as_bytes()[..inner.name.len().min(16)]);
        (name, inner.parent, inner.sig.pending.set as u32, inner.sig.blocked as u32)
    };
    let usage = if task.is_leader() { super::usage::process_usage(task) } else { task.usage.own(true, None) };
    let children = group.usage.children();
    let tv = |ns: u64| TimeVal { sec: (ns / 1_000_000_000) as u32, usec: (ns % 1_000_000_000 / 1000) as u32 };
    let orig_eax = if frame.vector == 0x80 { frame.error_code } else { u32::MAX };
    let regs = [
        frame.ebx, frame.ecx, frame.edx, frame.esi, frame.edi, frame.ebp, frame.eax, frame.ds, frame.es, frame.fs, frame.gs,
        orig_eax, frame.eip, frame.cs, frame.eflags, frame.user_esp, frame.user_ss,
    ];
    let (pgrp, sid) = (group.pgid(), group.sid());
    let prstatus = PrStatus {
        signo: info.signo,
        sigpend,
        sighold,
        pid: task.pid(),
        ppid: parent,
        pgrp,
        sid,
        utime: tv(usage.utime),
        stime: tv(usage.stime),
        cutime: tv(children.utime),
        cstime: tv(children.stime),
        regs,
        fpvalid: true,
    };
    let layout = space.exec_layout();
    let args_len = layout.args.1.saturating_sub(layout.args.0).min(79) as usize;
    let mut args = Vec::new();
    args.try_reserve_exact(args_len).map_err(|_| Errno::ENOMEM)?;
    args.resize(args_len, 0);
    let got = space.peek(VirtAddr::new(layout.args.0), &mut args);
    args.truncate(got);
    // PF_DUMPCORE, and PF_FORKNOEXEC while the process has not exec'd since its fork.
    let flag = 0x200 | if group.fork_no_exec() { 0x40 } else { 0 };
    let psinfo = PsInfo {
        state: 0,
        nice: 0,
        flag,
        uid: cred.uid,
        gid: cred.gid,
        pid: group.tgid,
        ppid: parent,
        pgrp,
        sid,
        fname: name,
        args,
    };
    let mut siginfo = Vec::new();
    siginfo.try_reserve_exact(vmcore::coredump::SIGINFO_SIZE).map_err(|_| Errno::ENOMEM)?;
    siginfo.resize(vmcore::coredump::SIGINFO_SIZE, 0);
    siginfo[0..4].copy_from_slice(&info.signo.to_le_bytes());
    siginfo[8..12].copy_from_slice(&info.code.to_le_bytes());
    for (i, w) in info.fields.iter().enumerate() {
        siginfo[12 + 4 * i..16 + 4 * i].copy_from_slice(&w.to_le_bytes());
    }
    let auxv = auxv(space, layout.stack_start)?;
    let (fpregs, xfpregs) = fpu_notes()?;
    Ok(CoreInput { prstatus, psinfo, siginfo, auxv, fpregs: Some(fpregs), xfpregs })
}

/// Most auxiliary-vector pairs read (Linux keeps `AT_VECTOR_SIZE` words).
const AUXV_PAIRS: usize = 64;

/// The auxiliary vector exec put on the stack at `start` (argc, argv, NULL, envp, NULL,
/// then the pairs), through its `AT_NULL` pair; empty when it cannot be read. Linux keeps a
/// copy (`mm->saved_auxv`); we read the stack, which the program may have overwritten.
fn auxv(space: &AddressSpace, start: u32) -> Result<Vec<u32>, Errno> {
    let word = |at: u32| {
        let mut b = [0u8; 4];
        (space.peek(VirtAddr::new(at), &mut b) == 4).then(|| u32::from_le_bytes(b))
    };
    let mut out = Vec::new();
    if start == 0 {
        return Ok(out);
    }
    let Some(argc) = word(start) else { return Ok(out) };
    let mut at = start.wrapping_add(4).wrapping_add(argc.wrapping_mul(4)).wrapping_add(4);
    for _ in 0..4096 {
        match word(at) {
            Some(0) => break,
            Some(_) => at = at.wrapping_add(4),
            None => return Ok(out),
        }
    }
    at = at.wrapping_add(4);
    out.try_reserve_exact(AUXV_PAIRS * 2).map_err(|_| Errno::ENOMEM)?;
    for _ in 0..AUXV_PAIRS {
        let (Some(kind), Some(value)) = (word(at), word(at.wrapping_add(4))) else {
            out.clear();
            return Ok(out);
        };
        out.extend_from_slice(&[kind, value]);
        if kind == 0 {
            return Ok(out);
        }
        at = at.wrapping_add(8);
    }
    out.clear();
    Ok(out)
}

/// The FSAVE-format registers (`NT_PRFPREG`) and, with FXSR, the FXSAVE image
/// (`NT_PRXFPREG`) of the running task.
fn fpu_notes() -> Result<(Vec<u8>, Option<Vec<u8>>), Errno> {
    use vmcore::coredump::{FPREGS_SIZE, XFPREGS_SIZE};
    let mut state = alloc::boxed::Box::<fpu::SigFpState>::try_new_uninit().map_err(|_| Errno::ENOMEM)?;
    let state = state.write(fpu::SigFpState::zeroed());
    fpu::save_fpstate(state);
    let mut fp = Vec::new();
    fp.try_reserve_exact(FPREGS_SIZE).map_err(|_| Errno::ENOMEM)?;
    fp.extend_from_slice(&state.0[..FPREGS_SIZE]);
    if !fpu::fxsr() {
        return Ok((fp, None));
    }
    let image = vmcore::fpu::LEGACY_SIZE;
    let mut fx = Vec::new();
    fx.try_reserve_exact(XFPREGS_SIZE).map_err(|_| Errno::ENOMEM)?;
    fx.extend_from_slice(&state.0[image..image + XFPREGS_SIZE]);
    fx[464..].fill(0); // the signal frame's software bytes are no register
    Ok((fp, Some(fx)))
}
