/* c_oom.c — the out-of-memory killer and the writable task limits (issue 13, point 2).
 *
 *   oom_kills_a_memory_hog              three children touch memory 256 KiB at a time until
 *                                       the machine is out: the first to die dies of SIGKILL
 *                                       (the kernel's out-of-memory killer), the parent is
 *                                       alive, a fresh fork works and /proc/meminfo reads.
 *   oom_kills_the_biggest_not_the_faulting
 *                                       one child holds 60 % of MemFree and sleeps, another
 *                                       touches memory until the machine is out: the sleeper
 *                                       (the most memory) dies of SIGKILL first.
 *   oom_score_files                     /proc/self/oom_score_adj reads 0, takes 500 and reads
 *                                       it back, refuses 1001 (EINVAL); /proc/self/oom_score
 *                                       grows with it; an unprivileged process may not go
 *                                       below 0 (EACCES).
 *   threads_max_writable_by_root        /proc/sys/kernel/threads-max: root writes and reads
 *                                       back, EINVAL below 1 and above FUTEX_TID_MASK and for
 *                                       non-numbers, EACCES for a non-root writer.
 *   threads_max_lowered_refuses_fork    threads-max 20: fork fails with EAGAIN (before 40
 *                                       children), and works again once restored.
 *   pid_max_writable_by_root            /proc/sys/kernel/pid_max: [301, 32768] on i386,
 *                                       EINVAL outside, EACCES for non-root.
 *   pid_max_wraps_and_runs_out          below a lowered pid_max pids wrap back to 300 and
 *                                       up; with every pid in [300, 310) taken fork fails
 *                                       with EAGAIN.
 *
 * Run at -m 32M by make test (the hogs fill memory fast there) and at 256M by make
 * test-linux; all pass on Linux 6.1 i386.
 */
#include "ctest.h"

#include <fcntl.h>
#include <sys/prctl.h>

#define THREADS_MAX "/proc/sys/kernel/threads-max"
#define PID_MAX "/proc/sys/kernel/pid_max"
#define HOGS 3
#define CHUNK (256 * 1024)

static long read_value(const char *path)
{
    char buf[64];
    int fd = OK(open(path, O_RDONLY));
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    CHECKF(n > 0, "read %s", path);
    buf[n] = 0;
    return strtol(buf, NULL, 10);
}

/* Writes `text` to `path`: 0, or the errno of open or write. */
static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return errno;
    int e = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : errno;
    close(fd);
    return e;
}

static int write_long(const char *path, long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%ld\n", v);
    return write_text(path, buf);
}

/* A child that touches memory until it is killed; when mmap refuses, it keeps what it has. */
static void hog(void)
{
    for (;;) {
        char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            pause();
            continue;
        }
        for (size_t i = 0; i < CHUNK; i += 4096)
            p[i] = 1;
    }
}

static void oom_kills_a_memory_hog(void)
{
    pid_t kids[HOGS];
    for (int i = 0; i < HOGS; i++) {
        kids[i] = ctest_fork();
        if (kids[i] == 0)
            hog();
    }
    int st;
    pid_t first;
    while ((first = waitpid(-1, &st, 0)) < 0 && errno == EINTR)
        ;
    CHECKF(first > 0, "waitpid: %s", ctest_errname(errno));
    for (int i = 0; i < HOGS; i++)
        kill(kids[i], SIGKILL);
    for (int i = 0; i < HOGS; i++)
        if (kids[i] != first)
            waitpid(kids[i], NULL, 0);
    CHECK_KILLED(st, SIGKILL);
    /* The parent is alive and the kernel answers. */
    pid_t p = ctest_fork();
    if (p == 0)
        _exit(0);
    CHECK_EXIT(ctest_wait(p), 0);
    int fd = OK(open("/proc/meminfo", O_RDONLY));
    char buf[256];
    CHECK(read(fd, buf, sizeof buf) > 0);
    close(fd);
}

/* A /proc/meminfo field in kB (0 when absent). */
static long meminfo_kib(const char *field)
{
    static char buf[4096];
    int fd = OK(open("/proc/meminfo", O_RDONLY));
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    for (char *p = buf; (p = strstr(p, field)); p++)
        if (p == buf || p[-1] == '\n')
            return strtol(p + strlen(field), NULL, 10);
    return 0;
}

/* A child that touches `bytes` of memory, says so in *done, then waits to be killed. */
static void big_sleeper(size_t bytes, volatile int *done)
{
    char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        _exit(2);
    for (size_t i = 0; i < bytes; i += 4096)
        p[i] = 1;
    *done = 1;
    for (;;)
        pause();
}

static void oom_kills_the_biggest_not_the_faulting(void)
{
    /* 60 % of the free frames now. Our MemFree also counts the kernel heap's free bytes
     * (KernelHeap - KernelHeapUsed, lines of our own; Linux has neither): not for processes. */
    long free_kib = meminfo_kib("MemFree:") - (meminfo_kib("KernelHeap:") - meminfo_kib("KernelHeapUsed:"));
    volatile int *done = ctest_shared(4096);
    pid_t big = ctest_fork();
    if (big == 0)
        big_sleeper((size_t)free_kib * 1024 / 100 * 60, done);
    while (!*done) {
        int st;
        if (waitpid(big, &st, WNOHANG) == big)
            FAIL("the big process ended before the hog started: %s", ctest_wait_str(st, (char[96]){0}, 96));
        ctest_sleep_ms(10);
    }
    pid_t small = ctest_fork();
    if (small == 0)
        hog();
    int st;
    pid_t first;
    while ((first = waitpid(-1, &st, 0)) < 0 && errno == EINTR)
        ;
    kill(big, SIGKILL);
    kill(small, SIGKILL);
    waitpid(first == big ? small : big, NULL, 0);
    CHECKF(first == big, "the growing process died first, not the biggest");
    CHECK_KILLED(st, SIGKILL);
}

static int drop_to_nobody(void)
{
    if (setgid(65534) != 0 || setuid(65534) != 0)
        return 99;
    return 0;
}

static int unprivileged_writes(void *path)
{
    if (drop_to_nobody())
        return 99;
    return write_text(path, "1000\n") == EACCES ? 0 : 1;
}

static int unprivileged_oom_adj(void *arg)
{
    /* A change of credentials makes the process undumpable and its /proc files root's. */
    if (drop_to_nobody() || prctl(PR_SET_DUMPABLE, 1) != 0)
        return 99;
    if (write_text("/proc/self/oom_score_adj", "100\n") != 0)
        return 1;
    return write_text("/proc/self/oom_score_adj", "-1\n") == EACCES ? 0 : 2;
}

static void oom_score_files(void)
{
    CHECK_EQ(read_value("/proc/self/oom_score_adj"), 0);
    long before = read_value("/proc/self/oom_score");
    CHECK(before >= 0 && before <= 2000);
    CHECK_EQ(write_text("/proc/self/oom_score_adj", "500\n"), 0);
    CHECK_EQ(read_value("/proc/self/oom_score_adj"), 500);
    long after = read_value("/proc/self/oom_score");
    CHECKF(after > before && after <= 2000, "oom_score %ld, was %ld", after, before);
    CHECK_EQ(write_text("/proc/self/oom_score_adj", "1001\n"), EINVAL);
    CHECK_EQ(write_text("/proc/self/oom_score_adj", "-1000\n"), 0);
    CHECK_EQ(read_value("/proc/self/oom_score"), 0);
    CHECK_EQ(write_text("/proc/self/oom_score_adj", "0\n"), 0);
    CHECK_EXIT(ctest_spawn(unprivileged_oom_adj, NULL), 0);
}

/* The writes of threads_max_writable_by_root and what they returned or read back, collected
 * before threads-max is restored (a failed check must not leave it lowered). */
struct tm_results {
    int w12345, wmax, w0, wtoo_big, wneg, wtext;
    long r12345, rmax;
};

static void threads_max_writable_by_root(void)
{
    long orig = read_value(THREADS_MAX);
    struct tm_results r;
    r.w12345 = write_long(THREADS_MAX, 12345);
    r.r12345 = read_value(THREADS_MAX);
    r.wmax = write_long(THREADS_MAX, 0x3fffffff);
    r.w0 = write_long(THREADS_MAX, 0);
    r.wtoo_big = write_long(THREADS_MAX, 0x40000000);
    r.wneg = write_long(THREADS_MAX, -1);
    r.wtext = write_text(THREADS_MAX, "many\n");
    r.rmax = read_value(THREADS_MAX);
    CHECK_EQ(write_long(THREADS_MAX, orig), 0);
    CHECK_EQ(read_value(THREADS_MAX), orig);
    CHECK_EQ(r.w12345, 0);
    CHECK_EQ(r.r12345, 12345);
    CHECK_EQ(r.wmax, 0);
    /* Linux's sysctl_max_threads takes [1, FUTEX_TID_MASK]. */
    CHECK_EQ(r.w0, EINVAL);
    CHECK_EQ(r.wtoo_big, EINVAL);
    CHECK_EQ(r.wneg, EINVAL);
    CHECK_EQ(r.wtext, EINVAL);
    CHECK_EQ(r.rmax, 0x3fffffff);
    CHECK_EXIT(ctest_spawn(unprivileged_writes, THREADS_MAX), 0);
}

/* Forks children that wait to be killed until fork fails (its errno in *err, else 0) or
 * `max` live; returns how many were made. */
static int fork_sleepers(pid_t *kids, int max, int *err)
{
    int n = 0;
    *err = 0;
    while (n < max) {
        pid_t p = fork();
        if (p < 0) {
            *err = errno;
            break;
        }
        if (p == 0) {
            pause();
            _exit(0);
        }
        kids[n++] = p;
    }
    return n;
}

/* Kills and reaps the `n` children of fork_sleepers; returns whether one had a pid outside
 * [lo, hi). */
static int reap_sleepers(const pid_t *kids, int n, pid_t lo, pid_t hi)
{
    int outside = 0;
    for (int i = 0; i < n; i++)
        kill(kids[i], SIGKILL);
    for (int i = 0; i < n; i++) {
        waitpid(kids[i], NULL, 0);
        outside |= kids[i] < lo || kids[i] >= hi;
    }
    return outside;
}

static void threads_max_lowered_refuses_fork(void)
{
    long orig = read_value(THREADS_MAX);
    pid_t kids[40];
    int err;
    CHECK_EQ(write_long(THREADS_MAX, 20), 0);
    int n = fork_sleepers(kids, 40, &err);
    int restored = write_long(THREADS_MAX, orig);
    reap_sleepers(kids, n, 0, 1 << 30);
    CHECK_EQ(restored, 0);
    CHECKF(err == EAGAIN, "fork under threads-max 20: %d children, then %s", n, err ? ctest_errname(err) : "no failure");
    pid_t p = ctest_fork();
    if (p == 0)
        _exit(0);
    CHECK_EXIT(ctest_wait(p), 0);
}

static void pid_max_writable_by_root(void)
{
    long orig = read_value(PID_MAX);
    CHECK_EQ(orig, 32768);
    CHECK_EQ(write_long(PID_MAX, 300), EINVAL);
    CHECK_EQ(write_long(PID_MAX, 32769), EINVAL);
    CHECK_EQ(write_text(PID_MAX, "x"), EINVAL);
    CHECK_EQ(write_long(PID_MAX, 301), 0);
    CHECK_EQ(read_value(PID_MAX), 301);
    CHECK_EQ(write_long(PID_MAX, 32768), 0);
    CHECK_EQ(read_value(PID_MAX), 32768);
    CHECK_EXIT(ctest_spawn(unprivileged_writes, PID_MAX), 0);
}

/* Forks a child that exits at once; returns its pid (or -errno). */
static pid_t fork_and_reap(void)
{
    pid_t p = fork();
    if (p < 0)
        return -errno;
    if (p == 0)
        _exit(0);
    waitpid(p, NULL, 0);
    return p;
}

static void pid_max_wraps_and_runs_out(void)
{
    long orig = read_value(PID_MAX);
    pid_t first = fork_and_reap();
    CHECK(first > 0);
    /* Room for 30 more pids before the wrap (at least up to 331). */
    long max = first + 30 > 331 ? first + 30 : 331;
    CHECK_EQ(write_long(PID_MAX, max), 0);
    int wrapped = 0, bad = 0;
    pid_t last = first, p = 0;
    for (int i = 0; i < max && !wrapped; i++) {
        p = fork_and_reap();
        if (p < 0 || p >= max)
            bad = 1;
        if (p < 0 || bad)
            break;
        wrapped = p < last;
        last = p;
    }
    /* Every pid in [300, 310) taken (or held by others): fork then fails with EAGAIN. */
    int err = 0, n = 0;
    pid_t kids[12];
    if (!bad && wrapped) {
        CHECK_EQ(write_long(PID_MAX, 310), 0);
        n = fork_sleepers(kids, 12, &err);
    }
    int restored = write_long(PID_MAX, orig);
    int outside = reap_sleepers(kids, n, 300, 310);
    CHECK_EQ(restored, 0);
    CHECKF(!bad, "fork under pid_max %ld: %d", max, (int)p);
    CHECKF(wrapped && p >= 300, "pids did not wrap to 300 and up below pid_max %ld (last %d)", max, (int)last);
    CHECKF(err == EAGAIN && !outside, "pid_max 310: %d children, then %s%s", n, err ? ctest_errname(err) : "no failure",
           outside ? " (a pid outside [300, 310))" : "");
    CHECK(fork_and_reap() > 0);
}

static const struct ctest cases[] = {
    CASE(oom_score_files),
    CASE(threads_max_writable_by_root),
    CASE(threads_max_lowered_refuses_fork),
    CASE(pid_max_writable_by_root),
    CASE_T(pid_max_wraps_and_runs_out, 60),
    CASE_T(oom_kills_a_memory_hog, 120),
    CASE_T(oom_kills_the_biggest_not_the_faulting, 120),
};

int main(int argc, char **argv) { return CTEST_MAIN(argc, argv, cases); }
