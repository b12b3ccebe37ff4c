/* c_limits — resource limits: Linux 6.1's defaults for init's descendants, each limit hit
 * (AS, DATA, STACK, MEMLOCK, NOFILE, NPROC) as root and as an unprivileged user, inheritance
 * across fork and exec, prlimit64, the old getrlimit's clamping, the error cases. */
#include "ctest.h"

#include <fcntl.h>
#include <sys/resource.h>

#define INF RLIM_INFINITY
#define MiB (1024u * 1024u)

static void set_limit(int res, rlim_t cur, rlim_t max)
{
    struct rlimit rl = { cur, max };
    if (setrlimit(res, &rl) != 0)
        FAIL("setrlimit(%d, %llu, %llu): %s", res, (unsigned long long)cur, (unsigned long long)max, ctest_errname(errno));
}

static struct rlimit get_limit(int res)
{
    struct rlimit rl;
    if (getrlimit(res, &rl) != 0)
        FAIL("getrlimit(%d): %s", res, ctest_errname(errno));
    return rl;
}

#define CHECK_LIMIT(res, cur, max) \
    do { struct rlimit r_ = get_limit(res); \
         if (r_.rlim_cur != (rlim_t)(cur) || r_.rlim_max != (rlim_t)(max)) \
             FAIL("%s = %lld/%lld, want %lld/%lld", #res, (long long)r_.rlim_cur, (long long)r_.rlim_max, \
                  (long long)(rlim_t)(cur), (long long)(rlim_t)(max)); } while (0)

static void become(uid_t uid)
{
    if (setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0)
        FAIL("setresuid(%u): %s", (unsigned)uid, ctest_errname(errno));
}

/* What every process started by Linux 6.1's init inherits (INIT_RLIMITS; NPROC and SIGPENDING
 * scale with memory: equal soft and hard, > 0). RLIMIT_STACK is the one the issue names. */
static void defaults_as_linux_init(void)
{
    CHECK_LIMIT(RLIMIT_STACK, 8 * MiB, INF);
    CHECK_LIMIT(RLIMIT_CORE, 0, INF);
    CHECK_LIMIT(RLIMIT_NOFILE, 1024, 4096);
    CHECK_LIMIT(RLIMIT_MEMLOCK, 8 * MiB, 8 * MiB);
    CHECK_LIMIT(RLIMIT_AS, INF, INF);
    CHECK_LIMIT(RLIMIT_DATA, INF, INF);
    CHECK_LIMIT(RLIMIT_FSIZE, INF, INF);
    CHECK_LIMIT(RLIMIT_CPU, INF, INF);
    CHECK_LIMIT(RLIMIT_RSS, INF, INF);
    CHECK_LIMIT(RLIMIT_LOCKS, INF, INF);
    CHECK_LIMIT(RLIMIT_MSGQUEUE, 819200, 819200);
    CHECK_LIMIT(RLIMIT_NICE, 0, 0);
    CHECK_LIMIT(RLIMIT_RTPRIO, 0, 0);
    CHECK_LIMIT(RLIMIT_RTTIME, INF, INF);
    struct rlimit np = get_limit(RLIMIT_NPROC), sp = get_limit(RLIMIT_SIGPENDING);
    CHECKF(np.rlim_cur > 0 && np.rlim_cur == np.rlim_max && np.rlim_cur != INF, "RLIMIT_NPROC %lld/%lld",
           (long long)np.rlim_cur, (long long)np.rlim_max);
    CHECKF(sp.rlim_cur > 0 && sp.rlim_cur == sp.rlim_max && sp.rlim_cur != INF, "RLIMIT_SIGPENDING %lld/%lld",
           (long long)sp.rlim_cur, (long long)sp.rlim_max);
    CHECK_EQ(sysconf(_SC_OPEN_MAX), 1024);
}

/* The old getrlimit (76) clamps to 0x7fffffff; ugetrlimit (191) reports RLIM_INFINITY as
 * 0xffffffff; prlimit64 (340) as 2^64-1. */
static void old_getrlimit_clamps(void)
{
    unsigned long r[2];
    set_limit(RLIMIT_STACK, 8 * MiB, INF);
    OK(syscall(SYS_getrlimit, RLIMIT_STACK, r));
    CHECK_EQ(r[0], 8 * MiB);
    CHECK_EQ(r[1], 0x7fffffffUL);
    OK(syscall(SYS_ugetrlimit, RLIMIT_STACK, r));
    CHECK_EQ(r[1], 0xffffffffUL);
    unsigned long long r64[2];
    OK(syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, r64));
    CHECK(r64[1] == ~0ULL);
    CHECK_EQ(r64[0], 8 * MiB);
    /* setrlimit (75) takes 0xffffffff as infinity */
    unsigned long w[2] = { 4 * MiB, 0xffffffffUL };
    OK(syscall(SYS_setrlimit, RLIMIT_STACK, w));
    OK(syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, r64));
    CHECK(r64[0] == 4 * MiB && r64[1] == ~0ULL);
}

static void setrlimit_errors(void)
{
    struct rlimit rl = { 200, 100 };
    ERR(setrlimit(RLIMIT_NOFILE, &rl), EINVAL); /* soft > hard */
    rl.rlim_cur = 10;
    ERR(setrlimit((__rlimit_resource_t)99, &rl), EINVAL);
    ERR(getrlimit((__rlimit_resource_t)99, &rl), EINVAL);
    rl.rlim_cur = rl.rlim_max = 2 * 1024 * 1024;
    ERR(setrlimit(RLIMIT_NOFILE, &rl), EPERM); /* above fs.nr_open (1048576), even for root */
    /* root may raise a hard limit; an unprivileged process only lower it */
    set_limit(RLIMIT_NOFILE, 100, 200);
    set_limit(RLIMIT_NOFILE, 100, 300);
    pid_t p = ctest_fork();
    if (p == 0) {
        become(1000);
        set_limit(RLIMIT_NOFILE, 50, 250);
        struct rlimit up = { 50, 260 };
        ERR(setrlimit(RLIMIT_NOFILE, &up), EPERM);
        up.rlim_max = 250;
        up.rlim_cur = 250; /* soft up to hard is fine */
        OK(setrlimit(RLIMIT_NOFILE, &up));
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(p), 0);
}

/* RLIMIT_AS: mmap, brk, mremap and malloc beyond it fail with ENOMEM; small ones still work. */
static void rlimit_as_enomem(void)
{
    void *grow = MMAP(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    set_limit(RLIMIT_AS, 64 * MiB, INF);
    errno = 0;
    void *m = malloc(100 * MiB);
    CHECKF(m == NULL && errno == ENOMEM, "malloc(100 MiB) under a 64 MiB RLIMIT_AS: %p, %s", m, ctest_errname(errno));
    ERR(mmap(NULL, 100 * MiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), ENOMEM);
    ERR(sbrk(100 * MiB), ENOMEM);
    ERR(mremap(grow, MiB, 100 * MiB, MREMAP_MAYMOVE), ENOMEM);
    void *small = MMAP(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *b = sbrk(64 * 1024);
    CHECKF(b != (char *)-1, "sbrk(64 KiB): %s", ctest_errname(errno));
    b[0] = 1;
    OK(munmap(small, MiB));
}

/* RLIMIT_DATA counts brk and private writable mappings, not read-only or shared ones. */
static void rlimit_data_brk_and_private_maps(void)
{
    set_limit(RLIMIT_DATA, 16 * MiB, INF);
    ERR(sbrk(32 * MiB), ENOMEM);
    ERR(mmap(NULL, 32 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM);
    void *ro = MMAP(NULL, 32 * MiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    /* making it writable would count it */
    ERR(mprotect(ro, 32 * MiB, PROT_READ | PROT_WRITE), ENOMEM);
    void *sh = MMAP(NULL, 32 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(sbrk(MiB) != (void *)-1);
    void *m = malloc(32 * MiB);
    CHECK(m == NULL);
    OK(munmap(ro, 32 * MiB));
    OK(munmap(sh, 32 * MiB));
}

static __attribute__((noinline)) int recurse_kib(int kib)
{
    volatile char buf[1000];
    buf[0] = (char)kib;
    if (kib <= 1)
        return buf[0];
    return recurse_kib(kib - 1) + buf[0] - (char)kib + 1;
}

static int stack_child(void *arg)
{
    int kib = (int)(intptr_t)arg;
    if (kib < 0) {
        set_limit(RLIMIT_STACK, MiB, INF);
        kib = -kib;
    }
    return recurse_kib(kib) == kib ? 0 : 1;
}

/* RLIMIT_STACK bounds the main stack's growth: within it recursion works, past it SIGSEGV. */
static void rlimit_stack_deep_recursion(void)
{
    CHECK_EXIT(ctest_spawn(stack_child, (void *)(intptr_t)6000), 0);   /* 6 MiB under 8 MiB */
    CHECK_EXIT(ctest_spawn(stack_child, (void *)(intptr_t)-600), 0);   /* 600 KiB under 1 MiB */
    CHECK_KILLED(ctest_spawn(stack_child, (void *)(intptr_t)-2000), SIGSEGV);
    CHECK_KILLED(ctest_spawn(stack_child, (void *)(intptr_t)12000), SIGSEGV);
}

/* RLIMIT_MEMLOCK: root is exempt (CAP_IPC_LOCK); an unprivileged process gets ENOMEM past the
 * limit (EAGAIN for MAP_LOCKED) and EPERM when the limit is 0. */
static void rlimit_memlock(void)
{
    char *a = MMAP(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    set_limit(RLIMIT_MEMLOCK, 64 * 1024, 64 * 1024);
    OK(mlock(a, MiB)); /* root */
    OK(munlock(a, MiB));
    pid_t p = ctest_fork();
    if (p == 0) {
        become(1000);
        OK(mlock(a, 32 * 1024));
        ERR(mlock(a + 32 * 1024, 64 * 1024), ENOMEM); /* 96 KiB locked in all */
        OK(mlock(a + 32 * 1024, 32 * 1024));           /* 64 KiB: exactly the limit */
        OK(munlock(a, MiB));
        ERR(mlockall(MCL_CURRENT), ENOMEM);
        ERR(mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0), EAGAIN);
        set_limit(RLIMIT_MEMLOCK, 0, 0);
        ERR(mlock(a, 4096), EPERM);
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(p), 0);
}

/* RLIMIT_NOFILE: descriptors end at the limit (EMFILE); numbers at or past it are EBADF/EINVAL. */
static void rlimit_nofile_emfile(void)
{
    set_limit(RLIMIT_NOFILE, 16, 16);
    int last = -1, fd;
    while ((fd = dup(1)) >= 0)
        last = fd;
    CHECK_EQ(errno, EMFILE);
    CHECK_EQ(last, 15);
    ERR(open(ctest_self, O_RDONLY), EMFILE);
    ERR(dup2(1, 16), EBADF);
    ERR(fcntl(1, F_DUPFD, 16), EINVAL);
    OK(close(15));
    CHECK_EQ(OK(open(ctest_self, O_RDONLY)), 15);
    CHECK_EQ(sysconf(_SC_OPEN_MAX), 16);
}

/* RLIMIT_NPROC counts the processes of the real user: an unprivileged fork past it fails
 * with EAGAIN; root is exempt. */
static int nproc_child(void *arg)
{
    if (arg)
        become(4321);
    set_limit(RLIMIT_NPROC, 2, 2);
    pid_t a = fork();
    if (a < 0)
        return 10;
    if (a == 0) {
        pause();
        _exit(0);
    }
    pid_t b = fork();
    if (b == 0)
        _exit(0);
    int ret;
    if (arg)
        ret = (b < 0 && errno == EAGAIN) ? 0 : 11;
    else
        ret = b > 0 ? 0 : 12;
    if (b > 0)
        waitpid(b, NULL, 0);
    kill(a, SIGKILL);
    waitpid(a, NULL, 0);
    if (arg && ret == 0) {
        /* the reaped child no longer counts */
        b = fork();
        if (b == 0)
            _exit(0);
        if (b < 0)
            return 13;
        waitpid(b, NULL, 0);
    }
    return ret;
}

static void rlimit_nproc_fork_eagain(void)
{
    int st = ctest_spawn(nproc_child, (void *)1);
    CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "as uid 4321: status %d (10: first fork failed, 11: second fork "
           "not EAGAIN, 13: fork after reaping failed)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    st = ctest_spawn(nproc_child, NULL);
    CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "as root: status %d (10/12: a fork failed)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* Lowered limits are inherited across fork and exec. */
static int child_rlimits(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur != 100 || rl.rlim_max != 200)
        return 41;
    if (getrlimit(RLIMIT_STACK, &rl) || rl.rlim_cur != 4 * MiB || rl.rlim_max != 16 * MiB)
        return 42;
    if (getrlimit(RLIMIT_CORE, &rl) || rl.rlim_cur != 4096)
        return 43;
    return 0;
}

static void limits_inherited_by_fork_and_exec(void)
{
    set_limit(RLIMIT_NOFILE, 100, 200);
    set_limit(RLIMIT_STACK, 4 * MiB, 16 * MiB);
    set_limit(RLIMIT_CORE, 4096, INF);
    pid_t p = ctest_fork();
    if (p == 0)
        _exit(child_rlimits());
    CHECK_EXIT(ctest_wait(p), 0);
    p = ctest_fork();
    if (p == 0) {
        char *argv[] = { (char *)ctest_self, "--child-rlimits", NULL };
        execv(ctest_self, argv);
        _exit(99);
    }
    int st = ctest_wait(p);
    CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "after exec: status %d (41 NOFILE, 42 STACK, 43 CORE changed)",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void prlimit64_self_and_child(void)
{
    struct rlimit nw = { 50, 300 }, old;
    set_limit(RLIMIT_NOFILE, 1000, 4000);
    OK(prlimit(0, RLIMIT_NOFILE, &nw, &old));
    CHECK_EQ(old.rlim_cur, 1000);
    CHECK_EQ(old.rlim_max, 4000);
    CHECK_LIMIT(RLIMIT_NOFILE, 50, 300);
    nw.rlim_cur = 60;
    OK(prlimit(getpid(), RLIMIT_NOFILE, &nw, &old));
    CHECK_EQ(old.rlim_cur, 50);
    CHECK_LIMIT(RLIMIT_NOFILE, 60, 300);
    /* of another process (root may) */
    int *flag = ctest_shared(4096);
    pid_t p = ctest_fork();
    if (p == 0) {
        while (!*flag)
            ctest_sleep_ms(1);
        _exit(get_limit(RLIMIT_CORE).rlim_cur == 8192 ? 0 : 1);
    }
    struct rlimit core = { 8192, INF };
    OK(prlimit(p, RLIMIT_CORE, &core, NULL));
    *flag = 1;
    CHECK_EXIT(ctest_wait(p), 0);
    ERR(prlimit(p, RLIMIT_CORE, &core, NULL), ESRCH);
}

static void rlimit_core_and_fsize_accepted(void)
{
    set_limit(RLIMIT_CORE, MiB, INF);
    CHECK_LIMIT(RLIMIT_CORE, MiB, INF);
    set_limit(RLIMIT_FSIZE, 10 * MiB, INF);
    CHECK_LIMIT(RLIMIT_FSIZE, 10 * MiB, INF);
    set_limit(RLIMIT_CPU, 1000, INF);
    CHECK_LIMIT(RLIMIT_CPU, 1000, INF);
}

static const struct ctest cases[] = {
    CASE(defaults_as_linux_init),
    CASE(old_getrlimit_clamps),
    CASE(setrlimit_errors),
    CASE(rlimit_as_enomem),
    CASE(rlimit_data_brk_and_private_maps),
    CASE_T(rlimit_stack_deep_recursion, 60),
    CASE(rlimit_memlock),
    CASE(rlimit_nofile_emfile),
    CASE(rlimit_nproc_fork_eagain),
    CASE(limits_inherited_by_fork_and_exec),
    CASE(prlimit64_self_and_child),
    CASE(rlimit_core_and_fsize_accepted),
};

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--child-rlimits") == 0)
        return child_rlimits();
    return CTEST_MAIN(argc, argv, cases);
}
