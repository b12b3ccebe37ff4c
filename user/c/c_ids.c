/* c_ids — identities: uid/gid/euid/egid/saved ids through the 32- and 16-bit calls,
 * setresuid/setresgid, setuid dropping privileges, seteuid and back, supplementary groups,
 * inheritance across fork and exec; uname's fields; getrandom. */
#include "ctest.h"

#include <grp.h>
#include <sys/random.h>
#include <sys/utsname.h>

static int child_ids(void)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    if (getresuid(&r, &e, &s) || r != 1000 || e != 1001 || s != 1002)
        return 51;
    if (getresgid(&gr, &ge, &gs) || gr != 2000 || ge != 2001 || gs != 2002)
        return 52;
    gid_t g[4];
    if (getgroups(4, g) != 2 || g[0] != 7 || g[1] != 8)
        return 53;
    return 0;
}

static void root_initially(void)
{
    CHECK_EQ(getuid(), 0);
    CHECK_EQ(geteuid(), 0);
    CHECK_EQ(getgid(), 0);
    CHECK_EQ(getegid(), 0);
    uid_t r, e, s;
    OK(getresuid(&r, &e, &s));
    CHECK(r == 0 && e == 0 && s == 0);
    gid_t gr, ge, gs;
    OK(getresgid(&gr, &ge, &gs));
    CHECK(gr == 0 && ge == 0 && gs == 0);
    /* the 16-bit calls of i386 */
    CHECK_EQ(syscall(SYS_getuid), 0);
    CHECK_EQ(syscall(SYS_geteuid), 0);
    CHECK_EQ(syscall(SYS_getgid), 0);
    CHECK_EQ(syscall(SYS_getegid), 0);
    CHECK_EQ(syscall(SYS_getuid32), 0);
}

static void setresuid_getresuid(void)
{
    OK(setresgid(2000, 2001, 2002));
    gid_t gr, ge, gs;
    OK(getresgid(&gr, &ge, &gs));
    CHECK(gr == 2000 && ge == 2001 && gs == 2002);
    CHECK_EQ(getgid(), 2000);
    CHECK_EQ(getegid(), 2001);
    OK(setresuid(1000, 1001, 1002));
    uid_t r, e, s;
    OK(getresuid(&r, &e, &s));
    CHECK(r == 1000 && e == 1001 && s == 1002);
    CHECK_EQ(getuid(), 1000);
    CHECK_EQ(geteuid(), 1001);
    /* -1 leaves an id alone; an unprivileged process may only pick among its three ids */
    OK(setresuid(-1, 1002, -1));
    CHECK_EQ(geteuid(), 1002);
    OK(setresuid(1002, -1, 1000)); /* ids now 1000/1002/1002 */
    OK(getresuid(&r, &e, &s));
    CHECK(r == 1002 && e == 1002 && s == 1000);
    ERR(setresuid(0, -1, -1), EPERM);
    ERR(setresuid(-1, 5, -1), EPERM);
    ERR(setresgid(0, -1, -1), EPERM);
    /* the 16-bit getuid truncates nothing below 65535 */
    CHECK_EQ(syscall(SYS_getuid), 1002);
    CHECK_EQ(syscall(SYS_geteuid), 1002);
    OK(setresuid(1000, -1, -1));
    CHECK_EQ(syscall(SYS_getuid), 1000);
}

static void setuid_drops_privileges(void)
{
    pid_t p = ctest_fork();
    if (p == 0) {
        OK(setgid(500));
        OK(setuid(500)); /* as root: real, effective and saved */
        uid_t r, e, s;
        OK(getresuid(&r, &e, &s));
        CHECK(r == 500 && e == 500 && s == 500);
        ERR(setuid(0), EPERM);
        ERR(setgid(0), EPERM);
        ERR(setgroups(0, NULL), EPERM);
        ERR(kill(1, 0), EPERM); /* init belongs to root */
        OK(setuid(500));        /* its own id: fine */
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(p), 0);
    CHECK_EQ(getuid(), 0); /* the parent is unchanged */
}

static void seteuid_and_back(void)
{
    OK(seteuid(1234));
    CHECK_EQ(geteuid(), 1234);
    CHECK_EQ(getuid(), 0);
    uid_t r, e, s;
    OK(getresuid(&r, &e, &s));
    CHECK(s == 0);
    ERR(setgroups(0, NULL), EPERM); /* not privileged now */
    OK(seteuid(0));                 /* the saved id is 0: back to root */
    CHECK_EQ(geteuid(), 0);
    OK(setgroups(0, NULL));
    OK(setreuid(-1, 77));
    CHECK_EQ(geteuid(), 77);
    OK(setreuid(-1, 0));
}

static void setgroups_getgroups(void)
{
    gid_t g[] = { 10, 20, 30 }, out[8];
    OK(setgroups(3, g));
    CHECK_EQ(getgroups(0, NULL), 3);
    CHECK_EQ(getgroups(8, out), 3);
    CHECK(out[0] == 10 && out[1] == 20 && out[2] == 30);
    ERR(getgroups(1, out), EINVAL);
    OK(setgroups(0, NULL));
    CHECK_EQ(getgroups(8, out), 0);
    ERR(setgroups(100000, g), EINVAL); /* more than NGROUPS_MAX (65536) */
    pid_t p = ctest_fork();
    if (p == 0) {
        OK(setuid(99));
        ERR(setgroups(1, g), EPERM);
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(p), 0);
}

static void ids_inherited_across_fork_and_exec(void)
{
    gid_t g[] = { 7, 8 };
    OK(setgroups(2, g));
    OK(setresgid(2000, 2001, 2002));
    OK(setresuid(1000, 1001, 1002));
    pid_t p = ctest_fork();
    if (p == 0)
        _exit(child_ids());
    CHECK_EXIT(ctest_wait(p), 0);
    /* exec of a program without set-id bits keeps the ids, except that the saved ids become
     * the effective ones */
    p = ctest_fork();
    if (p == 0) {
        char *argv[] = { (char *)ctest_self, "--child-ids", NULL };
        execv(ctest_self, argv);
        _exit(99);
    }
    int st = ctest_wait(p);
    CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "after exec: status %d (61 uids, 62 gids, 63 groups)",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static int child_ids_after_exec(void)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    if (getresuid(&r, &e, &s) || r != 1000 || e != 1001 || s != 1001)
        return 61;
    if (getresgid(&gr, &ge, &gs) || gr != 2000 || ge != 2001 || gs != 2001)
        return 62;
    gid_t g[4];
    if (getgroups(4, g) != 2 || g[0] != 7 || g[1] != 8)
        return 63;
    return 0;
}

static void uname_fields_nonempty(void)
{
    struct utsname u;
    OK(uname(&u));
    CHECKF(u.sysname[0], "empty sysname");
    CHECKF(u.release[0], "empty release");
    CHECKF(u.version[0], "empty version");
    CHECKF(u.machine[0], "empty machine");
    CHECKF(u.nodename[0], "empty nodename");
    CHECK(strlen(u.sysname) < sizeof u.sysname);
}

static void getrandom_bytes_differ(void)
{
    unsigned char a[32], b[32];
    CHECK_EQ(getrandom(a, sizeof a, 0), 32);
    CHECK_EQ(getrandom(b, sizeof b, 0), 32);
    CHECKF(memcmp(a, b, sizeof a) != 0, "two getrandom calls gave the same 32 bytes");
    int nonzero = 0;
    for (int i = 0; i < 32; i++)
        nonzero |= a[i];
    CHECK(nonzero);
    CHECK_EQ(getrandom(a, 16, GRND_NONBLOCK), 16);
    CHECK_EQ(getrandom(a, 0, 0), 0);
    ERR(getrandom(a, 16, 0x100), EINVAL);
    void *volatile bad = (void *)8;
    ERR(getrandom(bad, 16, 0), EFAULT);
    /* a big request is served (perhaps partly, at least 256 bytes) */
    static unsigned char big[65536];
    ssize_t n = getrandom(big, sizeof big, 0);
    CHECKF(n >= 256, "getrandom(64 KiB) = %zd", n);
    /* forked children do not share a stream */
    unsigned char *sh = ctest_shared(4096);
    pid_t p = ctest_fork();
    if (p == 0) {
        _exit(getrandom(sh, 16, 0) == 16 ? 0 : 1);
    }
    CHECK_EQ(getrandom(sh + 16, 16, 0), 16);
    CHECK_EXIT(ctest_wait(p), 0);
    CHECK(memcmp(sh, sh + 16, 16) != 0);
}

static const struct ctest cases[] = {
    CASE(root_initially),
    CASE(setresuid_getresuid),
    CASE(setuid_drops_privileges),
    CASE(seteuid_and_back),
    CASE(setgroups_getgroups),
    CASE(ids_inherited_across_fork_and_exec),
    CASE(uname_fields_nonempty),
    CASE(getrandom_bytes_differ),
};

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--child-ids") == 0)
        return child_ids_after_exec();
    return CTEST_MAIN(argc, argv, cases);
}
