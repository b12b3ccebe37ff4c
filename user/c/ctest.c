/* ctest.c — the runner behind ctest.h: one forked child per case, a watchdog child, one
 * verdict line per case. */
#include "ctest.h"

const char *ctest_self;
const char *ctest_prog;

/* The page a failing child writes its reason into (shared with the runner across fork). */
struct verdict {
    volatile int claimed;
    char why[1000];
};
static struct verdict *verdict;

#define SKIP_STATUS 77

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf) {
        n = sizeof buf - 1;
        buf[n - 1] = '\n';
    }
    for (int off = 0; off < n;) {
        ssize_t w = write(1, buf + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += w;
    }
}

static void set_reason(const char *fmt, va_list ap)
{
    if (!verdict || !__sync_bool_compare_and_swap(&verdict->claimed, 0, 1))
        return; /* the first reason wins (a grandchild's is the most precise) */
    vsnprintf(verdict->why, sizeof verdict->why, fmt, ap);
    for (char *p = verdict->why; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

static void claim_reason(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_reason(fmt, ap);
    va_end(ap);
}

void ctest_fail(const char *file, int line, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *base = strrchr(file, '/');
    claim_reason("%s:%d: %s", base ? base + 1 : file, line, msg);
    _exit(1);
}

void ctest_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_reason(fmt, ap);
    va_end(ap);
    _exit(SKIP_STATUS);
}

const char *ctest_errname(int e)
{
    static __thread char buf[24];
    const char *n = e ? strerrorname_np(e) : "no error";
    if (n)
        return n;
    snprintf(buf, sizeof buf, "errno %d", e);
    return buf;
}

const char *ctest_signame(int sig)
{
    static __thread char buf[24];
    const char *n = sigabbrev_np(sig);
    if (n) {
        snprintf(buf, sizeof buf, "SIG%s", n);
        return buf;
    }
    if (sig >= SIGRTMIN && sig <= SIGRTMAX)
        snprintf(buf, sizeof buf, "SIGRTMIN+%d", sig - SIGRTMIN);
    else
        snprintf(buf, sizeof buf, "signal %d", sig);
    return buf;
}

const char *ctest_wait_str(int st, char *buf, size_t len)
{
    if (WIFEXITED(st))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, len, "killed by %s%s", ctest_signame(WTERMSIG(st)), WCOREDUMP(st) ? " (core dumped)" : "");
    else if (WIFSTOPPED(st))
        snprintf(buf, len, "stopped by %s", ctest_signame(WSTOPSIG(st)));
    else if (WIFCONTINUED(st))
        snprintf(buf, len, "continued");
    else
        snprintf(buf, len, "wait status 0x%x", st);
    return buf;
}

pid_t ctest_fork(void)
{
    pid_t p = fork();
    if (p < 0)
        FAIL("fork: %s", ctest_errname(errno));
    return p;
}

int ctest_wait(pid_t pid)
{
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, 0);
        if (r == pid)
            return st;
        if (r < 0 && errno == EINTR)
            continue;
        FAIL("waitpid(%d): %s", (int)pid, r < 0 ? ctest_errname(errno) : "wrong pid");
    }
}

void ctest_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

long long ctest_now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
        FAIL("clock_gettime(CLOCK_MONOTONIC): %s", ctest_errname(errno));
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void *ctest_shared(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        FAIL("mmap(MAP_SHARED|MAP_ANONYMOUS, %zu): %s", len, ctest_errname(errno));
    return p;
}

int ctest_spawn(int (*fn)(void *), void *arg)
{
    pid_t p = ctest_fork();
    if (p == 0)
        _exit(fn(arg));
    return ctest_wait(p);
}

/* Runs one case; returns 0 ok, 1 failed, 2 skipped. */
static int run_case(const struct ctest *c)
{
    memset((void *)verdict, 0, sizeof *verdict);
    pid_t child = fork();
    if (child < 0) {
        out("test %s ... FAILED (fork: %s)\n", c->name, ctest_errname(errno));
        return 1;
    }
    if (child == 0) {
        /* Its own process group: what it leaves behind is killed with it, and stop signals
         * work (a group whose members all have their parents inside it, or init as parent,
         * is orphaned, and Linux discards SIGTSTP/SIGTTIN/SIGTTOU sent to it). */
        setpgid(0, 0);
        c->fn();
        _exit(0);
    }
    setpgid(child, child); /* also here, so that it holds before the case runs */
    pid_t dog = fork();
    if (dog == 0) {
        struct timespec ts = { c->timeout, 0 };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
        kill(child, SIGKILL);
        _exit(0);
    }
    int st = 0, dst = 0;
    for (;;) {
        pid_t r = waitpid(child, &st, 0);
        if (r == child)
            break;
        if (r < 0 && errno != EINTR) {
            out("test %s ... FAILED (waitpid: %s)\n", c->name, ctest_errname(errno));
            return 1;
        }
    }
    int fired = 0;
    if (dog > 0) {
        kill(dog, SIGKILL);
        while (waitpid(dog, &dst, 0) < 0 && errno == EINTR)
            ;
        fired = WIFEXITED(dst) && WEXITSTATUS(dst) == 0;
    }
    kill(-child, SIGKILL); /* the case's leftovers (stopped or sleeping children) */
    char how[96];
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        out("test %s ... ok\n", c->name);
        return 0;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == SKIP_STATUS && verdict->claimed) {
        out("test %s ... skipped (%s)\n", c->name, verdict->why);
        return 2;
    }
    if (fired && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
        out("test %s ... FAILED (timed out after %u s%s%s)\n", c->name, c->timeout,
            verdict->claimed ? "; " : "", verdict->claimed ? verdict->why : "");
        return 1;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 1 && verdict->claimed) {
        out("test %s ... FAILED (%s)\n", c->name, verdict->why);
        return 1;
    }
    out("test %s ... FAILED (%s%s%s)\n", c->name, ctest_wait_str(st, how, sizeof how),
        verdict->claimed ? "; " : "", verdict->claimed ? verdict->why : "");
    return 1;
}

int ctest_main(int argc, char **argv, const struct ctest *cases, size_t n)
{
    const char *a0 = argc > 0 ? argv[0] : "ctest";
    const char *base = strrchr(a0, '/');
    ctest_prog = base ? base + 1 : a0;
    if (strchr(a0, '/')) {
        ctest_self = a0;
    } else {
        static char path[256];
        snprintf(path, sizeof path, "/bin/%s", a0);
        ctest_self = path;
    }
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++)
            out("%s\n", cases[i].name);
        return 0;
    }
    verdict = mmap(NULL, sizeof *verdict, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (verdict == MAP_FAILED) {
        out("test %s_setup ... FAILED (mmap of the verdict page: %s)\n", ctest_prog, ctest_errname(errno));
        return 1;
    }
    if (argc > 2 && strcmp(argv[1], "--direct") == 0) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(cases[i].name, argv[2]) == 0) {
                cases[i].fn();
                out("%s: %s returned\n", ctest_prog, argv[2]);
                return 0;
            }
        out("%s: no case %s\n", ctest_prog, argv[2]);
        return 2;
    }
    unsigned passed = 0, failed = 0, skipped = 0;
    for (int a = 1; a < argc; a++) {
        size_t i;
        for (i = 0; i < n && strcmp(cases[i].name, argv[a]) != 0; i++)
            ;
        if (i == n) {
            out("%s: no case %s (--list lists them)\n", ctest_prog, argv[a]);
            return 2;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (argc > 1) {
            int chosen = 0;
            for (int a = 1; a < argc; a++)
                chosen |= strcmp(cases[i].name, argv[a]) == 0;
            if (!chosen)
                continue;
        }
        switch (run_case(&cases[i])) {
        case 0: passed++; break;
        case 1: failed++; break;
        default: skipped++; break;
        }
    }
    out("%s: %u passed, %u failed, %u skipped\n", ctest_prog, passed, failed, skipped);
    return failed > 125 ? 125 : (int)failed;
}
