//! Credentials: the 16- and 32-bit id calls and Linux's permission rules.

use super::*;

pub(super) static CASES: &[Case] = &[
    case!(cred_root_defaults, OK, ALL, "a process starts as root: every id 0 in the 16- and 32-bit calls, no supplementary groups"),
    case!(cred_setuid_drops_all, OK, ALL, "setuid(1000) as root sets every uid; then setuid(0), setgid(0), setgroups, setting the clock and kill of root's processes are EPERM, setuid(-1) EINVAL"),
    case!(cred_setres_rules, OK, ALL, "setresuid/setreuid/setfsuid keep or change each id by Linux's rules (saved uid, EPERM without euid 0)"),
    case!(cred_groups, OK, ALL, "setgroups sorts, getgroups returns the count (EINVAL when too small); 16-bit calls truncate and report 65534"),
];

const NONE: usize = usize::MAX; // (uid_t)-1

fn call(n: u32, a: &[usize]) -> Result<usize, Errno> {
    // SAFETY: the id calls take integers or pointers to this function's own locals.
    res(unsafe {
        match a.len() {
            0 => syscall1(n, 0),
            1 => syscall1(n, a[0]),
            2 => syscall2(n, a[0], a[1]),
            _ => syscall3(n, a[0], a[1], a[2]),
        }
    })
}

fn resuid(n: u32) -> [u32; 3] {
    let mut v = [0u32; 3];
    let base = v.as_mut_ptr() as usize;
    let (a, b, c) = (base, base + 4, base + 8);
    ok!(call(n, &[a, b, c]), "getres*id");
    v
}

fn uids() -> [u32; 3] {
    resuid(nr::SYS_GETRESUID32)
}

fn fsuid() -> u32 {
    // setfsuid(-1) changes nothing and returns the current fs uid.
    ok!(call(nr::SYS_SETFSUID32, &[NONE]), "setfsuid(-1)") as u32
}

fn cred_root_defaults(_ctx: &Ctx) {
    for n in [nr::SYS_GETUID, nr::SYS_GETEUID, nr::SYS_GETGID, nr::SYS_GETEGID, nr::SYS_GETUID32, nr::SYS_GETEUID32, nr::SYS_GETGID32, nr::SYS_GETEGID32] {
        check_eq!(ok!(call(n, &[]), "get*id {}", n), 0, "syscall {}", n);
    }
    check_eq!(uids(), [0, 0, 0], "getresuid32");
    check_eq!(resuid(nr::SYS_GETRESGID32), [0, 0, 0], "getresgid32");
    check_eq!(fsuid(), 0, "fsuid");
    check_eq!(ok!(call(nr::SYS_GETGROUPS32, &[0, 0]), "getgroups32(0)"), 0, "supplementary groups");
    err!(call(nr::SYS_GETGROUPS32, &[usize::MAX, 0]), Errno::EINVAL, "getgroups32(-1)");
}

fn cred_setuid_drops_all(_ctx: &Ctx) {
    err!(call(nr::SYS_SETUID32, &[NONE]), Errno::EINVAL, "setuid32(-1)");
    err!(call(nr::SYS_SETUID, &[0xFFFF]), Errno::EINVAL, "setuid(0xffff), the 16-bit -1");
    let pid = spawn(|| {
        ok!(call(nr::SYS_SETGID32, &[100]), "setgid32(100) as root");
        check_eq!(resuid(nr::SYS_GETRESGID32), [100, 100, 100], "gids after setgid");
        ok!(call(nr::SYS_SETUID32, &[1000]), "setuid32(1000) as root");
        check_eq!(uids(), [1000, 1000, 1000], "uids after setuid");
        check_eq!(fsuid(), 1000, "fsuid after setuid");
        check_eq!(ok!(call(nr::SYS_GETUID, &[]), "getuid"), 1000, "16-bit getuid");
        err!(call(nr::SYS_SETUID32, &[0]), Errno::EPERM, "setuid32(0) after dropping root");
        err!(call(nr::SYS_SETGID32, &[0]), Errno::EPERM, "setgid32(0) without root");
        ok!(call(nr::SYS_SETUID32, &[1000]), "setuid32 to the own uid");
        ok!(call(nr::SYS_SETGID32, &[100]), "setgid32 to the own gid");
        err!(call(nr::SYS_SETGROUPS32, &[0, 0]), Errno::EPERM, "setgroups32 without root");
        err!(call(nr::SYS_SETRESUID32, &[NONE, 0, NONE]), Errno::EPERM, "setresuid32(-1, 0, -1)");
        // Setting the clock needs CAP_SYS_TIME (checked after the value, before anything moves).
        let when = [1_700_000_000i32, 0];
        err!(call(nr::SYS_SETTIMEOFDAY, &[when.as_ptr() as usize, 0]), Errno::EPERM, "settimeofday without root");
        err!(call(nr::SYS_CLOCK_SETTIME, &[0, when.as_ptr() as usize]), Errno::EPERM, "clock_settime(REALTIME) without root");
        // Signals: only to processes whose real or saved uid is ours.
        err!(sys::kill(1, 0), Errno::EPERM, "kill(init, 0) as uid 1000");
        err!(sys::kill(sys::getppid() as i32, 0), Errno::EPERM, "kill(root's process, 0)");
        let own = spawn(|| loop {
            sys::sleep_ms(1000);
        });
        ok!(sys::kill(own as i32, 0), "kill(own child, 0)");
        ok!(sys::kill(-1, 0), "kill(-1, 0): the refused targets do not fail it");
        ok!(sys::kill(own as i32, sys::SIGKILL), "kill(own child, SIGKILL)");
        check!(sys::wifsignaled(wait(own)), "the child was killed");
        0
    });
    wait_ok(pid, "setuid child");
    check_eq!(uids(), [0, 0, 0], "the parent's uids");
}

fn cred_setres_rules(_ctx: &Ctx) {
    let pid = spawn(|| {
        // setreuid: the saved uid follows a new effective uid other than the real one.
        ok!(call(nr::SYS_SETREUID32, &[NONE, 1000]), "setreuid32(-1, 1000)");
        check_eq!(uids(), [0, 1000, 1000], "after setreuid(-1, 1000)");
        ok!(call(nr::SYS_SETREUID32, &[NONE, 0]), "setreuid32(-1, 0): back to the real uid");
        check_eq!(uids(), [0, 0, 1000], "after setreuid(-1, 0)");
        // setresuid as root: anything; each -1 keeps its id.
        ok!(call(nr::SYS_SETRESUID32, &[1000, 2000, 0]), "setresuid32(1000, 2000, 0)");
        check_eq!(uids(), [1000, 2000, 0], "after setresuid");
        check_eq!(fsuid(), 2000, "fsuid follows euid");
        // euid 2000: no privilege, but 0 is the saved uid, so it may come back.
        err!(call(nr::SYS_SETRESUID32, &[3000, NONE, NONE]), Errno::EPERM, "a new real uid without privilege");
        ok!(call(nr::SYS_SETRESUID32, &[NONE, 0, NONE]), "euid back to the saved 0");
        check_eq!(uids(), [1000, 0, 0], "after regaining euid 0");
        ok!(call(nr::SYS_SETRESUID32, &[3000, NONE, 5000]), "privileged again");
        check_eq!(uids(), [3000, 0, 5000], "r and s changed, e kept");
        // setfsuid: returns the old fs uid; only to one of the ids without privilege.
        check_eq!(ok!(call(nr::SYS_SETFSUID32, &[77]), "setfsuid32(77)"), 0, "old fsuid");
        check_eq!(fsuid(), 77, "fsuid after setfsuid");
        ok!(call(nr::SYS_SETRESUID32, &[1000, 1000, 1000]), "drop everything");
        check_eq!(fsuid(), 1000, "fsuid follows setresuid's euid");
        check_eq!(ok!(call(nr::SYS_SETFSUID32, &[0]), "setfsuid32(0)"), 1000, "old fsuid");
        check_eq!(fsuid(), 1000, "setfsuid(0) refused silently");
        err!(call(nr::SYS_SETRESUID32, &[NONE, 0, NONE]), Errno::EPERM, "euid 0 once no id is 0");
        err!(call(nr::SYS_SETREUID32, &[2000, NONE]), Errno::EPERM, "setreuid to a foreign real uid");
        ok!(call(nr::SYS_SETRESUID32, &[NONE, NONE, NONE]), "setresuid(-1, -1, -1)");
        // setregid as root, then the gid rules.
        0
    });
    wait_ok(pid, "setresuid child");
    let pid = spawn(|| {
        ok!(call(nr::SYS_SETRESGID32, &[10, 20, 30]), "setresgid32(10, 20, 30)");
        check_eq!(resuid(nr::SYS_GETRESGID32), [10, 20, 30], "gids");
        ok!(call(nr::SYS_SETREGID32, &[NONE, 10]), "setregid32(-1, 10)");
        check_eq!(resuid(nr::SYS_GETRESGID32), [10, 10, 30], "the saved gid stays when egid = rgid");
        ok!(call(nr::SYS_SETUID32, &[1000]), "setuid32(1000)");
        ok!(call(nr::SYS_SETREGID32, &[NONE, 30]), "egid to the saved gid");
        check_eq!(resuid(nr::SYS_GETRESGID32), [10, 30, 30], "gids after setregid(-1, 30)");
        err!(call(nr::SYS_SETREGID32, &[NONE, 40]), Errno::EPERM, "egid to a foreign gid");
        err!(call(nr::SYS_SETRESGID32, &[40, NONE, NONE]), Errno::EPERM, "rgid to a foreign gid");
        0
    });
    wait_ok(pid, "setresgid child");
}

fn cred_groups(_ctx: &Ctx) {
    let pid = spawn(|| {
        let set = [5u32, 70_000, 3, 1000];
        ok!(call(nr::SYS_SETGROUPS32, &[4, set.as_ptr() as usize]), "setgroups32");
        let mut got = [0u32; 8];
        let n = ok!(call(nr::SYS_GETGROUPS32, &[8, got.as_mut_ptr() as usize]), "getgroups32");
        check_eq!(n, 4, "group count");
        check_eq!(got[..4], [3, 5, 1000, 70_000], "sorted groups");
        check_eq!(ok!(call(nr::SYS_GETGROUPS32, &[0, 0]), "getgroups32(0)"), 4, "count only");
        err!(call(nr::SYS_GETGROUPS32, &[3, got.as_mut_ptr() as usize]), Errno::EINVAL, "getgroups32 with room for 3 of 4");
        let mut old = [0u16; 4];
        ok!(call(nr::SYS_GETGROUPS, &[4, old.as_mut_ptr() as usize]), "getgroups (16-bit)");
        check_eq!(old, [3, 5, 1000, 65_534], "16-bit groups: 70000 overflows to 65534");
        err!(call(nr::SYS_SETGROUPS32, &[usize::MAX, 0]), Errno::EINVAL, "setgroups32(-1)");
        err!(call(nr::SYS_SETGROUPS32, &[1, 16]), Errno::EFAULT, "setgroups32 from a bad pointer");
        // 16-bit calls: arguments are truncated to 16 bits, results above 65535 overflow.
        ok!(call(nr::SYS_SETRESUID32, &[70_000, 70_000, 70_000]), "setresuid32(70000, ...)");
        check_eq!(ok!(call(nr::SYS_GETUID, &[]), "getuid"), 65_534, "16-bit getuid of 70000");
        check_eq!(ok!(call(nr::SYS_GETUID32, &[]), "getuid32"), 70_000, "getuid32");
        let mut r16 = [0u16; 4];
        let base = r16.as_mut_ptr() as usize;
        let (a, b, c) = (base, base + 2, base + 4);
        ok!(call(nr::SYS_GETRESUID, &[a, b, c]), "getresuid (16-bit)");
        check_eq!(r16, [65_534, 65_534, 65_534, 0], "16-bit getresuid writes 2 bytes each");
        0
    });
    wait_ok(pid, "groups child");
    let pid = spawn(|| {
        ok!(call(nr::SYS_SETUID, &[0x1_0007]), "setuid(0x10007): truncated to 7");
        check_eq!(uids(), [7, 7, 7], "uids after the 16-bit setuid");
        0
    });
    wait_ok(pid, "16-bit setuid child");
}
