/* c_exhaust.c — resource exhaustion from user space (issue 13): what a hostile program did to
 * panic the kernel, now refused with an error while the kernel keeps answering.
 *
 *   fork_until_failure_with_8000_areas  one mapping split into 8,000 areas (mprotect of every
 *                                       other page; fewer under a lower max_map_count), then forks (children wait) until fork
 *                                       fails or 100 children live: a failure is ENOMEM or
 *                                       EAGAIN, never a panic; all are killed and reaped and a
 *                                       fresh fork works.
 *   exponential_fork_bomb_refused       as an unprivileged user with RLIMIT_NPROC 200, every
 *                                       process forks until fork fails (EAGAIN); the leader
 *                                       then lists /proc, reads /proc/meminfo, kill(-1,
 *                                       SIGKILL)s the bomb; then root forks.
 *   flat_fork_bomb_refused              the same with one parent forking in a loop.
 *   threads_max_scaled_to_ram           /proc/sys/kernel/threads-max is Linux's totalram_pages /
 *                                       16 (one task per 64 KiB), within 2 % of MemTotal / 64
 *                                       (x86-64: / 128, its kernel stacks being 16 KiB).
 *
 * All pass on Linux 6.1 i386 too (make test-linux).
 */
#include "ctest.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/utsname.h>

/* mprotect of every other page of 8,000: 8,000 areas (fewer where vm.max_map_count is lower:
 * ours scales it with RAM, 2,048 at -m 32M). */
#define AREAS 4000
/* The cap keeps Linux's OOM killer out of the suite (each child holds ~1 MB of kernel memory
 * there); build with -DMAX_KIDS=100000 for the uncapped reproducer. */
#ifndef MAX_KIDS
#define MAX_KIDS 100
#endif
#define BOMB_NPROC 200
#define BOMB_UID 4322

static long read_long(const char *path, const char *field)
{
    static char buf[8192];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        FAIL("open %s: %s", path, ctest_errname(errno));
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        FAIL("read %s", path);
    buf[n] = 0;
    const char *p = field ? strstr(buf, field) : buf;
    if (!p)
        FAIL("%s: no %s", path, field);
    return strtol(p + (field ? strlen(field) : 0), NULL, 10);
}

/* Kills and reaps `n` children. */
static void reap_all(pid_t *kids, int n)
{
    for (int i = 0; i < n; i++)
        kill(kids[i], SIGKILL);
    for (int i = 0; i < n; i++)
        ctest_wait(kids[i]);
}

static void fork_until_failure_with_8000_areas(void)
{
    long page = sysconf(_SC_PAGESIZE);
    long limit = read_long("/proc/sys/vm/max_map_count", NULL);
    int areas = limit / 2 - 32 < AREAS ? limit / 2 - 32 : AREAS;
    char *m = mmap(NULL, 2 * AREAS * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    for (int i = 0; i < areas; i++)
        CHECKF(mprotect(m + 2 * i * page, page, PROT_READ) == 0, "mprotect %d: %s", i, ctest_errname(errno));
    m[page] = 1;
    static pid_t kids[MAX_KIDS];
    int n = 0, err = 0;
    while (n < MAX_KIDS) {
        pid_t p = fork();
        if (p < 0) {
            err = errno;
            break;
        }
        if (p == 0) {
            m[3 * page] = 2; /* a page of its own */
            pause();
            _exit(0);
        }
        kids[n++] = p;
    }
    reap_all(kids, n);
    dprintf(2, "c_exhaust: %d areas, %d forks, then %s\n", 2 * areas, n, err ? ctest_errname(err) : "the cap");
    CHECKF(n > 0, "no fork succeeded: %s", ctest_errname(err));
    CHECKF(err == 0 || err == ENOMEM || err == EAGAIN, "fork %d failed with %s", n + 1, ctest_errname(err));
    pid_t p = fork();
    CHECKF(p >= 0, "fork after reaping: %s", ctest_errname(errno));
    if (p == 0)
        _exit(m[page] == 1 ? 0 : 1);
    CHECK_EXIT(ctest_wait(p), 0);
}

/* What the bomb tells its leader through shared memory. */
struct bomb_state {
    int bad;  /* a fork failed with something else than EAGAIN (errno) */
    int full; /* a fork failed with EAGAIN: the bomb holds RLIMIT_NPROC processes */
};

/* One member of the bomb: forks until fork fails, each child doing the same (exponential) or
 * not (flat); then waits to be killed. No member ever exits, so once one fork failed with
 * EAGAIN the user stays at its limit. */
static void bomb(volatile struct bomb_state *st, int exponential)
{
    for (;;) {
        pid_t p = fork();
        if (p < 0) {
            if (errno == EAGAIN)
                st->full = 1;
            else
                st->bad = errno;
            break;
        }
        if (p == 0 && !exponential) {
            pause();
            _exit(0);
        }
    }
    for (;;)
        pause();
}

static int bomb_leader(void *arg)
{
    int exponential = arg != NULL;
    volatile struct bomb_state *st = ctest_shared(sizeof *st);
    /* A user per bomb: the killed bomb's orphans stay zombies of init (and count against its
     * user's RLIMIT_NPROC) until c_run reaps them after the program. */
    uid_t uid = exponential ? BOMB_UID : BOMB_UID + 1;
    if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
        return 10;
    struct rlimit rl = { BOMB_NPROC, BOMB_NPROC };
    if (setrlimit(RLIMIT_NPROC, &rl))
        return 11;
    pid_t first = fork();
    if (first < 0)
        return 12;
    if (first == 0)
        bomb(st, exponential);
    /* Once full, this process cannot fork either. */
    long long deadline = ctest_now_ns() + 60LL * 1000000000;
    while (!st->full) {
        if (st->bad)
            return 20;
        if (ctest_now_ns() > deadline)
            return 14;
        ctest_sleep_ms(20);
    }
    pid_t extra = fork();
    if (extra == 0)
        _exit(0);
    if (extra >= 0 || errno != EAGAIN)
        return 13;
    /* The kernel answers: /proc lists every process, meminfo reads. */
    DIR *d = opendir("/proc");
    if (!d)
        return 15;
    int pids = 0;
    for (struct dirent *e; (e = readdir(d));)
        pids += e->d_name[0] >= '1' && e->d_name[0] <= '9';
    closedir(d);
    if (pids < BOMB_NPROC - 1)
        return 16;
    if (read_long("/proc/meminfo", "MemFree:") <= 0)
        return 17;
    if (kill(-1, SIGKILL) != 0)
        return 18;
    while (waitpid(-1, NULL, 0) > 0)
        ;
    return st->bad ? 20 : 0;
}

static const char *leader_why(int st)
{
    switch (WIFEXITED(st) ? WEXITSTATUS(st) : -1) {
    case 10: return "setresuid";
    case 11: return "setrlimit";
    case 12: return "the first fork failed";
    case 13: return "the leader's fork in a full bomb did not fail with EAGAIN";
    case 14: return "no bomb member's fork failed within 60 s";
    case 15: return "opendir(/proc)";
    case 16: return "/proc lists fewer processes than the bomb";
    case 17: return "MemFree";
    case 18: return "kill(-1, SIGKILL)";
    case 20: return "a bomb member's fork failed with something else than EAGAIN";
    default: return "killed or unknown status";
    }
}

static void bomb_case(void *exponential)
{
    int st = ctest_spawn(bomb_leader, exponential);
    CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", leader_why(st));
    pid_t p = fork();
    CHECKF(p >= 0, "fork after the bomb: %s", ctest_errname(errno));
    if (p == 0)
        _exit(0);
    CHECK_EXIT(ctest_wait(p), 0);
}

static void exponential_fork_bomb_refused(void) { bomb_case((void *)1); }

static void flat_fork_bomb_refused(void) { bomb_case(NULL); }

static void threads_max_scaled_to_ram(void)
{
    long max = read_long("/proc/sys/kernel/threads-max", NULL);
    long total_kib = read_long("/proc/meminfo", "MemTotal:");
    /* THREAD_SIZE is 8 KiB on i386, 16 KiB on x86-64 (running this i386 binary). */
    struct utsname u;
    CHECK(uname(&u) == 0);
    long want = total_kib / (strcmp(u.machine, "x86_64") == 0 ? 128 : 64);
    /* Linux computes it in fork_init, before the initramfs and the kernel's init memory are
     * freed into MemTotal: up to 32 MiB worth (512 threads) below MemTotal/64 there. */
    CHECKF(max >= 20 && max <= want + want / 50 && max >= want - want / 50 - 512, "threads-max %ld, MemTotal/64 = %ld", max, want);
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NPROC, &rl) == 0);
    CHECKF(rl.rlim_max <= (rlim_t)max, "RLIMIT_NPROC %lu above threads-max %ld", (unsigned long)rl.rlim_max, max);
}

static const struct ctest cases[] = {
    CASE(threads_max_scaled_to_ram),
    CASE_T(fork_until_failure_with_8000_areas, 120),
    CASE_T(flat_fork_bomb_refused, 120),
    CASE_T(exponential_fork_bomb_refused, 120),
};

int main(int argc, char **argv) { return CTEST_MAIN(argc, argv, cases); }
