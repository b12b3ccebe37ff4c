//! `sh`: a minimal init-style shell.
//!
//! On a terminal, the terminal's line discipline echoes and edits (backspace, Ctrl-U, Ctrl-W)
//! and the shell reads whole lines; Ctrl-D on an empty line (a read of 0 bytes) exits, Ctrl-C
//! at the prompt drops the line. The shell makes the terminal its controlling terminal when it
//! can (as init it leads session 1) and runs each program as a job: in a process group of its
//! own made the terminal's foreground group, so Ctrl-C and Ctrl-\ reach the program and not the
//! shell. On anything else (a pipe, a file) it reads byte by byte and echoes what it reads,
//! with backspace (0x7f / 0x08) erasing through "\b \b".
//! A line is split at blanks into words; the first is a built-in or a program, run with
//! fork + execve + waitpid. A program name without '/' is looked up in each directory of
//! `$PATH` (default "/bin:/"). How a child ended is printed unless it exited with status 0.
#![no_std]
#![no_main]

use rt::fs::{CBuf, Fd};
use rt::prelude::*;
use rt::WaitStatus;

rt::entry!(main);

const MAX_LINE: usize = 512;
const MAX_ARGS: usize = 32;
const DEFAULT_PATH: &[u8] = b"/bin:/";

fn out(b: &[u8]) {
    let _ = sys::write_all(1, b);
}

enum Line {
    Text(usize),
    Eof,
}

/// Reads one line from the terminal: the line discipline edited and echoed it.
fn read_tty_line(buf: &mut [u8; MAX_LINE]) -> Line {
    loop {
        match sys::read(0, &mut buf[..MAX_LINE - 1]) {
            Ok(0) => {
                out(b"\n");
                return Line::Eof;
            }
            Ok(n) => return Line::Text(if buf[n - 1] == b'\n' { n - 1 } else { n }),
            // Ctrl-C at the prompt: the terminal echoed ^C and dropped the line.
            Err(Errno::EINTR) => {
                out(b"\n");
                return Line::Text(0);
            }
            Err(Errno::EAGAIN) => continue,
            Err(e) => {
                eprintln!("sh: read: {}", e);
                return Line::Eof;
            }
        }
    }
}

/// Reads one line into `buf` with echo and simple editing (stdin is not a terminal).
fn read_line(buf: &mut [u8; MAX_LINE], last_was_cr: &mut bool) -> Line {
    let mut len = 0;
    loop {
        let mut c = [0u8; 1];
        match sys::read(0, &mut c) {
            Ok(0) => {
                if len == 0 {
                    return Line::Eof;
                }
                out(b"\n");
                return Line::Text(len);
            }
            Ok(_) => {}
            Err(Errno::EINTR) | Err(Errno::EAGAIN) => continue,
            Err(e) => {
                eprintln!("sh: read: {}", e);
                return Line::Eof;
            }
        }
        let c = c[0];
        let after_cr = core::mem::replace(last_was_cr, c == b'\r');
        match c {
            b'\n' if after_cr => {} // "\r\n" from a terminal: the \r already ended the line
            b'\r' | b'\n' => {
                out(b"\n");
                return Line::Text(len);
            }
            0x7f | 0x08 => {
                if len > 0 {
                    len -= 1;
                    out(b"\x08 \x08");
                }
            }
            0x03 => {
                out(b"^C\n");
                return Line::Text(0);
            }
            0x04 => {
                if len == 0 {
                    out(b"\n");
                    return Line::Eof;
                }
            }
            0x15 => {
                // Ctrl-U: erase the whole line.
                while len > 0 {
                    len -= 1;
                    out(b"\x08 \x08");
                }
            }
            b'\t' | 0x20..=0x7e | 0x80..=0xff if len < MAX_LINE - 1 => {
                buf[len] = c;
                len += 1;
                out(&[c]);
            }
            _ => {}
        }
    }
}

fn cat_path(path: &core::ffi::CStr) -> Result<(), Errno> {
    let fd = Fd::open(path, sys::O_RDONLY)?;
    let mut buf = [0u8; 1024];
    loop {
        let n = sys::read(fd.0, &mut buf)?;
        if n == 0 {
            return Ok(());
        }
        sys::write_all(1, &buf[..n])?;
    }
}

fn cat_builtin(name: &str, path: &core::ffi::CStr) {
    if let Err(e) = cat_path(path) {
        eprintln!("{}: {}: {}", name, Bytes(path.to_bytes()), e);
    }
}

fn is_linux() -> bool {
    match sys::uname() {
        Ok(u) => sys::field_str(&u.sysname) == b"Linux",
        Err(_) => false,
    }
}

/// `ps`: our kernel's `/proc/ps` if present, else one line per numeric /proc entry.
fn ps() {
    match cat_path(c"/proc/ps") {
        Ok(()) => return,
        Err(Errno::ENOENT) => {}
        Err(e) => {
            eprintln!("ps: /proc/ps: {}", e);
            return;
        }
    }
    let dir = match Fd::open(c"/proc", sys::O_RDONLY | sys::O_DIRECTORY) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("ps: /proc: {}", e);
            return;
        }
    };
    println!("  PID  PPID S COMMAND");
    let mut buf = [0u8; 2048];
    loop {
        let n = match sys::getdents64(dir.0, &mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                eprintln!("ps: getdents64: {}", e);
                break;
            }
        };
        for (_, name) in sys::dirents(&buf[..n]) {
            if name.is_empty() || !name.iter().all(u8::is_ascii_digit) {
                continue;
            }
            let Some(path) = CBuf::<64>::from_parts(&[b"/proc/", name, b"/stat"]) else {
                continue;
            };
            let mut stat = [0u8; 512];
            let Ok(len) = rt::fs::read_into(path.as_cstr(), &mut stat) else {
                continue;
            };
            let stat = &stat[..len];
            // "pid (comm) S ppid ...": comm may contain blanks, so split at the last ')'.
            let (Some(open), Some(close)) = (
                stat.iter().position(|&b| b == b'('),
                stat.iter().rposition(|&b| b == b')'),
            ) else {
                continue;
            };
            let comm = &stat[open + 1..close];
            let mut rest = stat[close + 1..]
                .split(|&b| b == b' ')
                .filter(|w| !w.is_empty());
            let state = rest.next().unwrap_or(b"?");
            let ppid = rest.next().unwrap_or(b"?");
            println!(
                "{:>5} {:>5} {} {}",
                Bytes(name),
                Bytes(ppid),
                Bytes(state),
                Bytes(comm)
            );
        }
    }
}

fn help() {
    println!("built-ins:");
    println!("  help             this text");
    println!("  maps [pid]       /proc/PID/maps (default: the shell's own, /proc/self/maps)");
    println!("  free             /proc/meminfo");
    println!("  ps               processes (/proc/ps, or the /proc/PID directories)");
    println!("  wait             wait until every child (and orphan adopted as init) has ended");
    println!("  kill SIG PID     send signal SIG (a number) to PID; PID -1 means everyone else");
    println!("  exit [status]    leave the shell");
    println!("  poweroff         reboot(RB_POWER_OFF) (never on a Linux host unless pid 1)");
    println!("anything else runs a program: NAME is looked up in $PATH (default /bin:/),");
    println!("a NAME containing '/' is used as it is. Programs: hello echo cat vmtest");
}

fn poweroff() -> ! {
    if is_linux() && sys::getpid() != 1 {
        println!("poweroff: running on a Linux host and not as pid 1: not powering off; exiting");
        sys::exit(0);
    }
    if let Err(e) = sys::reboot(sys::RB_POWER_OFF) {
        eprintln!("poweroff: reboot: {}", e);
    }
    sys::exit(0)
}

/// Ctrl-C at the prompt: the handler only makes the blocked read return EINTR.
extern "C" fn on_sigint(_: i32) {}

/// The signals the shell itself ignores or catches, which its programs get back as default.
const JOB_SIGNALS: [i32; 5] = [sys::SIGINT, sys::SIGQUIT, sys::SIGTSTP, sys::SIGTTIN, sys::SIGTTOU];

/// Sets up job control on the terminal on fd 0: the controlling terminal (when the shell leads
/// its session and has none), SIGINT caught, the other job signals ignored. Whether it works.
fn init_job_control() -> bool {
    if sys::getpid() == 1 {
        // Linux starts init in session 0, as no session's leader; ours already leads session
        // 1 (EPERM here). Either way init then leads a session that may take the terminal.
        let _ = rt::tty::setsid();
    }
    let _ = rt::tty::set_controlling(0);
    let me = rt::tty::getpgrp();
    if rt::tty::set_foreground(0, me).is_err() {
        return false;
    }
    let _ = rt::signal::sigaction(sys::SIGINT, on_sigint as *const () as usize, 0, 0);
    for sig in &JOB_SIGNALS[1..] {
        let _ = rt::signal::sigaction(*sig, rt::signal::SIG_IGN, 0, 0);
    }
    true
}

/// Runs an external program; returns its wait status. With job control it runs in a process
/// group of its own, the terminal's foreground group until it ends.
fn run(words: &[&[u8]], path_var: &[u8], envp: &[*const u8], jobs: bool) -> Option<i32> {
    // argv strings, NUL-terminated, in one stack buffer; argv pointers after them.
    let mut strbuf = [0u8; MAX_LINE + MAX_ARGS];
    let mut argv: [*const u8; MAX_ARGS + 1] = [core::ptr::null(); MAX_ARGS + 1];
    let mut off = 0;
    for (i, w) in words.iter().enumerate() {
        strbuf[off..off + w.len()].copy_from_slice(w);
        strbuf[off + w.len()] = 0;
        argv[i] = strbuf[off..].as_ptr();
        off += w.len() + 1;
    }
    let argv = &argv[..words.len() + 1];
    let name = words[0];

    match sys::fork() {
        Err(e) => {
            eprintln!("sh: fork: {}", e);
            None
        }
        Ok(Fork::Child) => {
            if jobs {
                let _ = rt::tty::setpgid(0, 0);
                let _ = rt::tty::set_foreground(0, sys::getpid());
                for sig in JOB_SIGNALS {
                    let _ = rt::signal::sigaction(sig, rt::signal::SIG_DFL, 0, 0);
                }
            }
            let mut err = Errno::ENOENT;
            let try_exec = |path: &[u8], err: &mut Errno| {
                if let Some(p) = CBuf::<256>::from_parts(&[path]) {
                    let e = sys::execve(p.as_cstr(), argv, envp);
                    // Report the most useful error: anything beats "not found".
                    if *err == Errno::ENOENT || *err == Errno::ENOTDIR {
                        *err = e;
                    }
                }
            };
            if name.contains(&b'/') {
                try_exec(name, &mut err);
            } else {
                for dir in path_var.split(|&b| b == b':') {
                    let dir = if dir.is_empty() { b"." as &[u8] } else { dir };
                    let sep: &[u8] = if dir.ends_with(b"/") { b"" } else { b"/" };
                    if let Some(p) = CBuf::<256>::from_parts(&[dir, sep, name]) {
                        try_exec(p.as_bytes(), &mut err);
                    }
                }
            }
            if err == Errno::ENOENT || err == Errno::ENOTDIR {
                eprintln!("sh: {}: not found", Bytes(name));
                sys::exit(127);
            }
            eprintln!("sh: {}: {}", Bytes(name), err);
            sys::exit(126)
        }
        Ok(Fork::Parent(pid)) => {
            if jobs {
                // Both sides set the group, so it holds whichever runs first.
                let _ = rt::tty::setpgid(pid, pid);
                let _ = rt::tty::set_foreground(0, pid);
            }
            let status = loop {
                match sys::waitpid(pid as i32, 0) {
                    Ok((_, status)) => break Some(status),
                    Err(Errno::EINTR) => continue,
                    Err(e) => {
                        eprintln!("sh: waitpid: {}", e);
                        break None;
                    }
                }
            };
            if jobs {
                let _ = rt::tty::set_foreground(0, rt::tty::getpgrp());
            }
            status
        }
    }
}

/// A pid argument: a decimal number, possibly negative.
fn parse_pid(w: &[u8]) -> Option<i32> {
    match w.strip_prefix(b"-") {
        Some(rest) => rt::fs::parse_usize(rest).map(|n| -(n as i32)),
        None => rt::fs::parse_usize(w).map(|n| n as i32),
    }
}

/// Waits for every child, including orphans re-parented to us when we run as init.
fn wait_all() {
    loop {
        match sys::waitpid(-1, 0) {
            Ok((pid, status)) => println!("sh: pid {}: {}", pid, WaitStatus(status)),
            Err(Errno::EINTR) => continue,
            Err(_) => return,
        }
    }
}

/// Reaps children that have already ended (as init, orphans end up ours), without blocking.
fn reap_zombies() {
    while let Ok((pid, _)) = sys::waitpid(-1, sys::WNOHANG) {
        if pid == 0 {
            break;
        }
    }
}

fn main(args: Args) -> i32 {
    let path_var = args.getenv(b"PATH").unwrap_or(DEFAULT_PATH);
    let mut envp: Vec<*const u8> = Vec::new();
    {
        let mut p = args.envp_raw();
        // SAFETY: the kernel's envp array is NULL-terminated; the walk stops at the NULL.
        unsafe {
            while !(*p).is_null() {
                envp.push(*p);
                p = p.add(1);
            }
        }
        envp.push(core::ptr::null());
    }

    let tty = rt::tty::isatty(0);
    let jobs = tty && init_job_control();
    let mut line = [0u8; MAX_LINE];
    let mut last_was_cr = false;
    loop {
        reap_zombies();
        out(b"$ ");
        let read = if tty { read_tty_line(&mut line) } else { read_line(&mut line, &mut last_was_cr) };
        let len = match read {
            Line::Eof => return 0,
            Line::Text(n) => n,
        };
        let mut words: [&[u8]; MAX_ARGS] = [&[]; MAX_ARGS];
        let mut nw = 0;
        let mut too_many = false;
        for w in line[..len]
            .split(|&b| b == b' ' || b == b'\t')
            .filter(|w| !w.is_empty())
        {
            if nw == MAX_ARGS {
                too_many = true;
                break;
            }
            words[nw] = w;
            nw += 1;
        }
        if too_many {
            eprintln!("sh: too many arguments (max {})", MAX_ARGS);
            continue;
        }
        let words = &words[..nw];
        let Some(&cmd) = words.first() else { continue };
        match cmd {
            b"help" => help(),
            b"exit" => {
                let code = words
                    .get(1)
                    .and_then(|w| rt::fs::parse_usize(w))
                    .unwrap_or(0);
                sys::exit(code as i32);
            }
            b"poweroff" => poweroff(),
            b"free" => cat_builtin("free", c"/proc/meminfo"),
            b"ps" => ps(),
            b"wait" => wait_all(),
            b"kill" => {
                let sig = words.get(1).and_then(|w| rt::fs::parse_usize(w));
                let pid = words.get(2).and_then(|w| parse_pid(w));
                match (sig, pid) {
                    (Some(sig), Some(pid)) => {
                        if let Err(e) = sys::kill(pid, sig as i32) {
                            eprintln!("kill: {}", e);
                        }
                    }
                    _ => eprintln!("usage: kill SIGNAL PID   (PID -1: every process but init and the shell)"),
                }
            }
            b"maps" => {
                let pid = words.get(1).copied().unwrap_or(b"self");
                match CBuf::<64>::from_parts(&[b"/proc/", pid, b"/maps"]) {
                    Some(p) => cat_builtin("maps", p.as_cstr()),
                    None => eprintln!("maps: bad pid"),
                }
            }
            _ => {
                if let Some(status) = run(words, path_var, &envp, jobs) {
                    if status != 0 {
                        println!("sh: {}: {}", Bytes(cmd), WaitStatus(status));
                    }
                }
            }
        }
    }
}
