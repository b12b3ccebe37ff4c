/* c_setid — set-user-ID and set-group-ID execve as Linux 6.1 does it (bprm_fill_uid,
 * cap_bprm_creds_from_file, begin_new_exec): a copy of this program on /tmp, owned by
 * 1000:1000 (or root) with mode 04755/02755/06755/02745/0755, exec'd by a child that dropped
 * to uid/gid 2000 (or stayed root, or kept uid 1000) after setting ADDR_NO_RANDOMIZE |
 * ADDR_COMPAT_LAYOUT, and optionally no_new_privs. The exec'd copy reports its ids, AT_SECURE,
 * personality, PR_GET_DUMPABLE, capability sets, whether glibc kept LD_LIBRARY_PATH (a
 * secure exec drops it) and its stack limit (unlimited before; a secure exec lowers it); the expected values are computed from the file's stat, the mount's
 * nosuid flag and /proc/sys/fs/suid_dumpable. Needs to start as root. */
#include "ctest.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/auxv.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#define PER_FLAGS (ADDR_NO_RANDOMIZE | ADDR_COMPAT_LAYOUT)
#define PER_CLEAR_ON_SETID (READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE | ADDR_COMPAT_LAYOUT | MMAP_PAGE_ZERO)
#define CAP_V3 0x20080522

struct report { unsigned ids[6]; unsigned long secure; unsigned persona, dumpable, capeff, capprm, env, stack; };
static const char *names[] = { "ruid", "euid", "suid", "rgid", "egid", "sgid", "AT_SECURE", "personality", "dumpable", "CapEff[0]", "CapPrm[0]", "LD_LIBRARY_PATH kept", "RLIMIT_STACK soft" };

/* Run by exec (--child-report): one line with what the new program runs as. */
static int child_report(void)
{
    struct report r;
    OK(getresuid(&r.ids[0], &r.ids[1], &r.ids[2]));
    OK(getresgid(&r.ids[3], &r.ids[4], &r.ids[5]));
    r.secure = getauxval(AT_SECURE);
    r.persona = (unsigned)personality(0xffffffff);
    r.dumpable = (unsigned)prctl(PR_GET_DUMPABLE);
    struct { unsigned version; int pid; } h = { CAP_V3, 0 };
    struct { unsigned effective, permitted, inheritable; } d[2];
    OK(syscall(SYS_capget, &h, d));
    r.capeff = d[0].effective;
    r.capprm = d[0].permitted;
    r.env = getenv("LD_LIBRARY_PATH") != NULL;
    struct rlimit rl;
    OK(getrlimit(RLIMIT_STACK, &rl));
    r.stack = (unsigned)rl.rlim_cur;
    printf("%u %u %u %u %u %u %lu %u %u %u %u %u %u\n", r.ids[0], r.ids[1], r.ids[2], r.ids[3], r.ids[4], r.ids[5], r.secure, r.persona, r.dumpable, r.capeff, r.capprm, r.env, r.stack);
    return 0;
}

/* /tmp/c_setid-NAME: a copy of this program, owned by uid:gid, with mode (chmod after chown,
 * which clears set-id bits). */
static void make_copy(char *path, size_t len, const char *name, uid_t uid, gid_t gid, mode_t mode)
{
    snprintf(path, len, "/tmp/c_setid-%s", name);
    unlink(path);
    int in = OK(open(ctest_self, O_RDONLY));
    int out = OK(open(path, O_CREAT | O_WRONLY | O_TRUNC, 0700));
    char buf[8192];
    ssize_t n;
    while ((n = OK(read(in, buf, sizeof buf))) > 0)
        CHECK_EQ(OK(write(out, buf, n)), n);
    close(in);
    close(out);
    OK(chown(path, uid, gid));
    OK(chmod(path, mode));
}

/* What Linux 6.1 gives a process with every uid `u` and gid `g` exec'ing a file with `st`. */
static struct report expect(const struct stat *st, uid_t u, gid_t g, int nnp)
{
    struct statvfs vfs;
    OK(statvfs("/tmp", &vfs));
    int honoured = !nnp && !(vfs.f_flag & ST_NOSUID);
    int setuid = honoured && (st->st_mode & S_ISUID);
    int setgid = honoured && (st->st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
    unsigned eu = setuid ? st->st_uid : u, eg = setgid ? st->st_gid : g;
    int changed = eu != u || eg != g;
    unsigned suid_dumpable = 0;
    FILE *f = fopen("/proc/sys/fs/suid_dumpable", "r");
    if (f) {
        CHECK(fscanf(f, "%u", &suid_dumpable) == 1);
        fclose(f);
    }
    unsigned prm = (u == 0 || eu == 0) ? 0xffffffffu : 0;
    struct report r = {
        .ids = { u, eu, eu, g, eg, eg },
        .secure = changed || (u != 0 && eu == 0),
        .persona = (setuid || setgid) ? PER_FLAGS & ~PER_CLEAR_ON_SETID : PER_FLAGS,
        .dumpable = changed ? suid_dumpable : 1,
        .capeff = eu == 0 ? prm : 0,
        .capprm = prm,
    };
    r.env = !r.secure;
    /* A secure exec lowers a soft stack limit above 8 MiB (run() sets it unlimited). */
    r.stack = r.secure ? 8u << 20 : (unsigned)RLIM_INFINITY;
    return r;
}

/* Execs a copy owned by owner:owner with `mode` from a child with every id `u`/`g`, and
 * compares its report with [`expect`]. */
static void run(const char *name, uid_t owner, mode_t mode, uid_t u, gid_t g, int nnp)
{
    char path[64];
    make_copy(path, sizeof path, name, owner, owner, mode);
    struct stat st;
    OK(stat(path, &st));
    struct report want = expect(&st, u, g, nnp);
    int fds[2];
    OK(pipe(fds));
    pid_t pid = ctest_fork();
    if (pid == 0) {
        struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
        OK(setrlimit(RLIMIT_STACK, &rl));
        OK(setgroups(0, NULL));
        OK(setresgid(g, g, g));
        OK(setresuid(u, u, u));
        if (nnp)
            OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
        OK(personality(PER_FLAGS));
        OK(dup2(fds[1], 1));
        char *argv[] = { path, "--child-report", NULL };
        char *envp[] = { "LD_LIBRARY_PATH=/nonexistent", NULL };
        execve(path, argv, envp);
        _exit(99);
    }
    close(fds[1]);
    char buf[256];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = OK(read(fds[0], buf + got, sizeof buf - 1 - got))) > 0)
        got += n;
    buf[got] = 0;
    close(fds[0]);
    CHECK_EXIT(ctest_wait(pid), 0);
    OK(unlink(path));
    struct report r;
    CHECKF(sscanf(buf, "%u %u %u %u %u %u %lu %u %u %u %u %u %u", &r.ids[0], &r.ids[1], &r.ids[2], &r.ids[3], &r.ids[4], &r.ids[5], &r.secure, &r.persona, &r.dumpable, &r.capeff, &r.capprm, &r.env, &r.stack) == 13, "child printed '%s'", buf);
    unsigned long gotv[13] = { r.ids[0], r.ids[1], r.ids[2], r.ids[3], r.ids[4], r.ids[5], r.secure, r.persona, r.dumpable, r.capeff, r.capprm, r.env, r.stack };
    unsigned long wantv[13] = { want.ids[0], want.ids[1], want.ids[2], want.ids[3], want.ids[4], want.ids[5], want.secure, want.persona, want.dumpable, want.capeff, want.capprm, want.env, want.stack };
    for (int i = 0; i < 13; i++)
        CHECKF(gotv[i] == wantv[i], "%s = %#lx, want %#lx (child printed %s)", names[i], gotv[i], wantv[i], buf);
}

static void plain_exec_keeps_ids(void) { run("plain", 1000, 0755, 2000, 2000, 0); }
static void setuid_file(void) { run("setuid", 1000, 04755, 2000, 2000, 0); }
static void setgid_file(void) { run("setgid", 1000, 02755, 2000, 2000, 0); }
static void setuid_setgid_file(void) { run("both", 1000, 06755, 2000, 2000, 0); }
static void setgid_without_group_exec_is_not_setgid(void) { run("lock", 1000, 02745, 2000, 2000, 0); }
static void no_new_privs_ignores_set_id_bits(void) { run("nnp", 1000, 06755, 2000, 2000, 1); }
static void own_setuid_file_clears_personality_only(void) { run("own", 1000, 06755, 1000, 1000, 0); }
static void root_running_setuid_user_file(void) { run("rootrun", 1000, 04755, 0, 0, 0); }
static void setuid_root_file_gives_capabilities(void) { run("suidroot", 0, 04755, 2000, 2000, 0); }

static const struct ctest cases[] = {
    CASE(plain_exec_keeps_ids),
    CASE(setuid_file),
    CASE(setgid_file),
    CASE(setuid_setgid_file),
    CASE(setgid_without_group_exec_is_not_setgid),
    CASE(no_new_privs_ignores_set_id_bits),
    CASE(own_setuid_file_clears_personality_only),
    CASE(root_running_setuid_user_file),
    CASE(setuid_root_file_gives_capabilities),
};

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--child-report") == 0)
        return child_report();
    return CTEST_MAIN(argc, argv, cases);
}
