/* c_procfs — system information as free, uptime, top, ps and vmstat read it: meminfo's Linux
 * field set and order, uptime, loadavg, stat, cpuinfo, vmstat, filesystems, the /proc/sys
 * values that mirror uname, sysinfo(2) against meminfo, and prctl's name, dumpable and
 * no_new_privs. Shapes and relations only: the values differ between kernels, the format
 * must not. */
#include "ctest.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

/* Reads a whole /proc file into buf (NUL-terminated); fails the case if it cannot. */
static size_t slurp(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        FAIL("open(%s): %s", path, ctest_errname(errno));
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, len - 1 - n);
        if (r < 0)
            FAIL("read(%s): %s", path, ctest_errname(errno));
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == len - 1)
            break;
    }
    close(fd);
    buf[n] = 0;
    return n;
}

/* The value of "Name:  N kB" in a meminfo text, -1 if absent; its position in *at. */
static long meminfo_field(const char *text, const char *name, const char **at)
{
    size_t len = strlen(name);
    for (const char *p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
        if (strncmp(p, name, len) == 0 && p[len] == ':') {
            if (at)
                *at = p;
            return strtol(p + len + 1, NULL, 10);
        }
    }
    return -1;
}

static void meminfo_fields_in_linux_order(void)
{
    static char buf[8192];
    slurp("/proc/meminfo", buf, sizeof buf);
    static const char *order[] = { "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached",
                                   "Active", "Inactive", "Active(anon)", "Inactive(anon)", "Active(file)",
                                   "Inactive(file)", "Unevictable", "Mlocked", "SwapTotal", "SwapFree",
                                   "Dirty", "Writeback", "AnonPages", "Mapped", "Shmem", "Slab",
                                   "KernelStack", "PageTables", "CommitLimit", "Committed_AS", "VmallocTotal" };
    const char *prev = buf;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *at = NULL;
        long v = meminfo_field(buf, order[i], &at);
        CHECKF(v >= 0, "%s missing", order[i]);
        CHECKF(at >= prev, "%s out of order", order[i]);
        prev = at;
        CHECKF(strstr(at, " kB\n") != NULL, "%s without kB", order[i]);
    }
    long total = meminfo_field(buf, "MemTotal", NULL), free_ = meminfo_field(buf, "MemFree", NULL);
    CHECK(total > 0 && free_ > 0 && free_ <= total);
    CHECK(meminfo_field(buf, "MemAvailable", NULL) <= total);
}

static void anon_pages_grow_when_touched(void)
{
    static char buf[8192];
    slurp("/proc/meminfo", buf, sizeof buf);
    long before = meminfo_field(buf, "AnonPages", NULL);
    size_t len = 8 << 20;
    char *p = MMAP(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 1, len);
    slurp("/proc/meminfo", buf, sizeof buf);
    long after = meminfo_field(buf, "AnonPages", NULL);
    CHECKF(after - before >= 7 * 1024, "AnonPages %ld -> %ld kB after touching 8 MiB", before, after);
    munmap(p, len);
}

static void uptime_two_numbers(void)
{
    char buf[256];
    slurp("/proc/uptime", buf, sizeof buf);
    double up, idle;
    char nl;
    CHECK_EQ(sscanf(buf, "%lf %lf%c", &up, &idle, &nl), 3);
    CHECK(nl == '\n');
    CHECK(up > 0);
    CHECK(idle >= 0);
    struct timespec ts;
    OK(clock_gettime(CLOCK_BOOTTIME, &ts));
    CHECKF(up <= ts.tv_sec + 1.0, "uptime %.2f vs boottime %ld", up, (long)ts.tv_sec);
}

static void loadavg_format(void)
{
    char buf[256];
    slurp("/proc/loadavg", buf, sizeof buf);
    double a, b, c;
    int running, total, last;
    CHECK_EQ(sscanf(buf, "%lf %lf %lf %d/%d %d", &a, &b, &c, &running, &total, &last), 6);
    CHECK(a >= 0 && b >= 0 && c >= 0);
    CHECKF(running >= 1 && running <= total, "running %d total %d", running, total);
    CHECKF(last >= getpid(), "last pid %d, ours %d", last, getpid());
}

static void stat_lines(void)
{
    static char buf[16384];
    slurp("/proc/stat", buf, sizeof buf);
    unsigned long long user, nice, sys, idle;
    CHECK_EQ(sscanf(buf, "cpu %llu %llu %llu %llu", &user, &nice, &sys, &idle), 4);
    CHECK(strncmp(buf, "cpu  ", 5) == 0);
    CHECK(strstr(buf, "\ncpu0 ") != NULL);
    static const char *keys[] = { "\nctxt ", "\nbtime ", "\nprocesses ", "\nprocs_running ", "\nprocs_blocked " };
    for (size_t i = 0; i < 5; i++)
        CHECKF(strstr(buf, keys[i]) != NULL, "no%s", keys[i]);
    long btime = strtol(strstr(buf, "\nbtime ") + 7, NULL, 10);
    CHECKF(btime > 1000000000L && btime <= time(NULL), "btime %ld", btime);
    long procs = strtol(strstr(buf, "\nprocesses ") + 11, NULL, 10);
    CHECKF(procs >= getpid(), "processes %ld", procs);
}

static void stat_processes_counts_forks(void)
{
    static char buf[16384];
    slurp("/proc/stat", buf, sizeof buf);
    long before = strtol(strstr(buf, "\nprocesses ") + 11, NULL, 10);
    for (int i = 0; i < 3; i++) {
        pid_t c = ctest_fork();
        if (c == 0)
            _exit(0);
        ctest_wait(c);
    }
    slurp("/proc/stat", buf, sizeof buf);
    long after = strtol(strstr(buf, "\nprocesses ") + 11, NULL, 10);
    CHECKF(after - before >= 3, "processes %ld -> %ld after 3 forks", before, after);
}

static void cpuinfo_fields(void)
{
    static char buf[16384];
    slurp("/proc/cpuinfo", buf, sizeof buf);
    CHECK(strncmp(buf, "processor\t: 0\n", 14) == 0);
    static const char *keys[] = { "\nvendor_id\t: ", "\ncpu family\t: ", "\nmodel\t\t: ", "\nmodel name\t: ",
                                  "\nstepping\t: ", "\nfpu\t\t: yes\n", "\ncpuid level\t: ", "\nflags\t\t: fpu " };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECKF(strstr(buf, keys[i] + 1) != NULL, "no '%s'", keys[i] + 1);
    const char *flags = strstr(buf, "\nflags\t\t: ");
    char line[4096];
    sscanf(flags + 1, "%4095[^\n]", line);
    CHECK(strstr(line, " sse2") != NULL);
    CHECK(strstr(line, " fxsr") != NULL);
}

static void vmstat_counts_faults(void)
{
    static char buf[32768];
    slurp("/proc/vmstat", buf, sizeof buf);
    const char *at = strstr(buf, "\npgfault ");
    CHECK(at != NULL);
    unsigned long before = strtoul(at + 9, NULL, 10);
    CHECK(strstr(buf, "\npgmajfault ") != NULL);
    CHECK(strncmp(buf, "nr_free_pages ", 14) == 0);
    size_t len = 1 << 20;
    char *p = MMAP(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; i < len; i += 4096)
        p[i] = 1;
    slurp("/proc/vmstat", buf, sizeof buf);
    unsigned long after = strtoul(strstr(buf, "\npgfault ") + 9, NULL, 10);
    CHECKF(after - before >= 256, "pgfault %lu -> %lu after touching 256 pages", before, after);
    munmap(p, len);
}

static void filesystems_list_proc_and_tmpfs(void)
{
    char buf[4096];
    slurp("/proc/filesystems", buf, sizeof buf);
    CHECK(strstr(buf, "nodev\tproc\n") != NULL);
    CHECK(strstr(buf, "nodev\ttmpfs\n") != NULL);
    CHECK(strstr(buf, "nodev\tdevtmpfs\n") != NULL);
}

/* /proc/sys/kernel/NAME holds uname's field plus a newline. */
static void check_sys(const char *path, const char *want)
{
    char buf[256], expect[128];
    slurp(path, buf, sizeof buf);
    snprintf(expect, sizeof expect, "%s\n", want);
    CHECKF(strcmp(buf, expect) == 0, "%s: '%s', uname says '%s'", path, buf, want);
}

static void sys_kernel_mirrors_uname(void)
{
    struct utsname u;
    OK(uname(&u));
    check_sys("/proc/sys/kernel/ostype", u.sysname);
    check_sys("/proc/sys/kernel/osrelease", u.release);
    check_sys("/proc/sys/kernel/hostname", u.nodename);
    char buf[64];
    slurp("/proc/sys/kernel/pid_max", buf, sizeof buf);
    CHECK(strtol(buf, NULL, 10) >= 32768);
    slurp("/proc/sys/vm/overcommit_memory", buf, sizeof buf);
    CHECK(strcmp(buf, "0\n") == 0);
    slurp("/proc/sys/vm/max_map_count", buf, sizeof buf);
    CHECK(strtol(buf, NULL, 10) > 1000);
}

static void sysinfo_matches_meminfo(void)
{
    static char buf[8192];
    struct sysinfo si;
    OK(sysinfo(&si));
    slurp("/proc/meminfo", buf, sizeof buf);
    unsigned long long total = (unsigned long long)si.totalram * si.mem_unit;
    CHECKF(total / 1024 == (unsigned long long)meminfo_field(buf, "MemTotal", NULL), "totalram %llu B vs MemTotal %ld kB",
           total, meminfo_field(buf, "MemTotal", NULL));
    unsigned long long free_ = (unsigned long long)si.freeram * si.mem_unit / 1024;
    long mf = meminfo_field(buf, "MemFree", NULL);
    CHECKF(free_ > (unsigned long long)mf * 9 / 10 && free_ < (unsigned long long)mf * 11 / 10, "freeram %llu kB vs MemFree %ld kB", free_, mf);
    CHECK(si.totalswap == 0 || si.freeswap <= si.totalswap);
    CHECK(si.procs >= 2);
    char up[256];
    slurp("/proc/uptime", up, sizeof up);
    long secs = strtol(up, NULL, 10);
    CHECKF(si.uptime >= secs - 1 && si.uptime <= secs + 1, "sysinfo uptime %ld vs /proc/uptime %ld", (long)si.uptime, secs);
}

static void prctl_name(void)
{
    char name[16];
    OK(prctl(PR_SET_NAME, "a-rather-long-thread-name", 0, 0, 0));
    OK(prctl(PR_GET_NAME, name, 0, 0, 0));
    CHECKF(strcmp(name, "a-rather-long-t") == 0, "name '%s'", name);
    pid_t c = ctest_fork();
    if (c == 0) {
        char n[16];
        _exit(prctl(PR_GET_NAME, n, 0, 0, 0) == 0 && strcmp(n, "a-rather-long-t") == 0 ? 0 : 1);
    }
    CHECK_EXIT(ctest_wait(c), 0);
    ERR(prctl(PR_GET_NAME, (char *)8, 0, 0, 0), EFAULT);
}

static void prctl_dumpable_and_no_new_privs(void)
{
    CHECK_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
    ERR(prctl(PR_SET_DUMPABLE, 2, 0, 0, 0), EINVAL);
    OK(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    CHECK_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    pid_t c = ctest_fork();
    if (c == 0)
        _exit(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : 1);
    CHECK_EXIT(ctest_wait(c), 0);
    OK(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
    CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
    ERR(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0), EINVAL);
    ERR(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL);
    OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECK_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
    c = ctest_fork();
    if (c == 0)
        _exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1);
    CHECK_EXIT(ctest_wait(c), 0);
    ERR(prctl(0x7fff1234, 0, 0, 0, 0), EINVAL);
}

/* main's argv and environ, as the kernel laid them out (for cmdline and environ). */
static int saved_argc;
static char **saved_argv;
static char **saved_env;

/* Joins strings with their NULs, as /proc/PID/cmdline and environ present them. */
static size_t joined(char **v, int n, char *out, size_t len)
{
    size_t at = 0;
    for (int i = 0; (n < 0 ? v[i] != NULL : i < n); i++) {
        size_t l = strlen(v[i]) + 1;
        if (at + l > len)
            break;
        memcpy(out + at, v[i], l);
        at += l;
    }
    return at;
}

/* The fields of a /proc/PID/stat line after "(comm)": fields[0] is the state (field 3). */
static int stat_fields(const char *path, char *comm, size_t comm_len, char fields[52][32])
{
    char buf[1024];
    slurp(path, buf, sizeof buf);
    char *open_ = strchr(buf, '('), *close_ = strrchr(buf, ')');
    if (!open_ || !close_)
        FAIL("%s: no (comm): %s", path, buf);
    size_t n = (size_t)(close_ - open_ - 1);
    snprintf(comm, comm_len, "%.*s", (int)n, open_ + 1);
    int count = 0;
    for (char *tok = strtok(close_ + 2, " \n"); tok && count < 52; tok = strtok(NULL, " \n"))
        snprintf(fields[count++], 32, "%s", tok);
    return count + 2; /* pid and comm */
}

static void self_stat_fields(void)
{
    char comm[32], f[52][32];
    int n = stat_fields("/proc/self/stat", comm, sizeof comm, f);
    CHECKF(n == 52, "%d fields", n);
    CHECK(strcmp(comm, "c_procfs") == 0);
    CHECK_EQ(f[0][0], 'R');
    CHECK_EQ(atoi(f[1]), getppid());
    CHECK_EQ(atoi(f[2]), getpgrp());
    CHECK_EQ(atoi(f[3]), getsid(0));
    CHECK_EQ(atoi(f[17]), 1);            /* num_threads */
    CHECK(strtoul(f[20], NULL, 10) > 0); /* vsize */
    CHECK(atol(f[21]) > 0);              /* rss */
    /* starttime is not after now */
    struct timespec ts;
    OK(clock_gettime(CLOCK_BOOTTIME, &ts));
    CHECK(strtoull(f[19], NULL, 10) <= (unsigned long long)ts.tv_sec * 100 + 100);
}

static void *sleeper(void *arg)
{
    volatile int *stop = arg;
    while (!*stop)
        ctest_sleep_ms(5);
    return NULL;
}

static void stat_counts_threads(void)
{
    volatile int stop = 0;
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, sleeper, (void *)&stop), 0);
    char comm[32], f[52][32];
    stat_fields("/proc/self/stat", comm, sizeof comm, f);
    CHECKF(atoi(f[17]) == 3, "num_threads %s", f[17]);
    static char buf[4096];
    slurp("/proc/self/status", buf, sizeof buf);
    CHECK(strstr(buf, "\nThreads:\t3\n") != NULL);
    stop = 1;
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
}

static void statm_matches_stat(void)
{
    char buf[256];
    slurp("/proc/self/statm", buf, sizeof buf);
    unsigned long v[7];
    CHECK_EQ(sscanf(buf, "%lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]), 7);
    char comm[32], f[52][32];
    stat_fields("/proc/self/stat", comm, sizeof comm, f);
    CHECKF(v[0] * 4096 == strtoul(f[20], NULL, 10), "statm size %lu pages, stat vsize %s", v[0], f[20]);
    CHECK(v[1] > 0 && v[1] <= v[0]);
}

/* The value after "Name:\t" in a status text, NULL if absent; at is where the line starts. */
static const char *status_field(const char *text, const char *name, const char **at)
{
    char key[64];
    snprintf(key, sizeof key, "\n%s:\t", name);
    const char *p = strncmp(text, key + 1, strlen(key + 1)) == 0 ? text - 1 : strstr(text, key);
    if (!p)
        return NULL;
    if (at)
        *at = p + 1;
    return p + strlen(key);
}

static void status_fields_in_order(void)
{
    static char buf[8192];
    slurp("/proc/self/status", buf, sizeof buf);
    static const char *order[] = { "Name", "State", "Tgid", "Pid", "PPid", "TracerPid", "Uid", "Gid", "FDSize", "Groups",
                                   "VmPeak", "VmSize", "VmLck", "VmHWM", "VmRSS", "VmData", "VmStk", "VmExe", "VmLib",
                                   "VmPTE", "VmSwap", "Threads", "SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn",
                                   "SigCgt", "CapInh", "CapPrm", "CapEff", "NoNewPrivs", "voluntary_ctxt_switches" };
    const char *prev = buf;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *at = NULL;
        CHECKF(status_field(buf, order[i], &at) != NULL, "%s missing", order[i]);
        CHECKF(at >= prev, "%s out of order", order[i]);
        prev = at;
    }
    CHECK(strncmp(status_field(buf, "Name", NULL), "c_procfs\n", 9) == 0);
    CHECK(strncmp(status_field(buf, "State", NULL), "R (running)\n", 12) == 0);
    CHECK_EQ(atoi(status_field(buf, "Tgid", NULL)), getpid());
    CHECK_EQ(atoi(status_field(buf, "PPid", NULL)), getppid());
    CHECK(strncmp(status_field(buf, "Uid", NULL), "0\t0\t0\t0\n", 8) == 0);
}

static void status_tracks_memory_and_signals(void)
{
    static char buf[8192];
    slurp("/proc/self/status", buf, sizeof buf);
    long rss0 = atol(status_field(buf, "VmRSS", NULL));
    size_t len = 4 << 20;
    char *p = MMAP(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 1, len);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    OK(sigprocmask(SIG_BLOCK, &set, NULL));
    signal(SIGUSR2, SIG_IGN);
    slurp("/proc/self/status", buf, sizeof buf);
    long rss1 = atol(status_field(buf, "VmRSS", NULL));
    CHECKF(rss1 - rss0 >= 4000, "VmRSS %ld -> %ld kB after touching 4 MiB", rss0, rss1);
    unsigned long long blk = strtoull(status_field(buf, "SigBlk", NULL), NULL, 16);
    unsigned long long ign = strtoull(status_field(buf, "SigIgn", NULL), NULL, 16);
    CHECKF(blk & (1ull << (SIGUSR1 - 1)), "SigBlk %llx", blk);
    CHECKF(ign & (1ull << (SIGUSR2 - 1)), "SigIgn %llx", ign);
    munmap(p, len);
}

static void cmdline_environ_comm(void)
{
    static char got[65536], want[65536];
    size_t n = slurp("/proc/self/cmdline", got, sizeof got);
    size_t w = joined(saved_argv, saved_argc, want, sizeof want);
    CHECKF(n == w && memcmp(got, want, n) == 0, "cmdline %zu bytes, argv %zu", n, w);
    n = slurp("/proc/self/environ", got, sizeof got);
    w = joined(saved_env, -1, want, sizeof want);
    CHECKF(n == w && memcmp(got, want, n) == 0, "environ %zu bytes, envp %zu", n, w);
    char comm[64];
    slurp("/proc/self/comm", comm, sizeof comm);
    CHECK(strcmp(comm, "c_procfs\n") == 0);
    OK(prctl(PR_SET_NAME, "renamed", 0, 0, 0));
    slurp("/proc/self/comm", comm, sizeof comm);
    CHECK(strcmp(comm, "renamed\n") == 0);
}

static void child_states_sleeping_then_zombie(void)
{
    pid_t c = ctest_fork();
    if (c == 0) {
        pause();
        _exit(3);
    }
    char path[64], comm[32], f[52][32];
    snprintf(path, sizeof path, "/proc/%d/stat", c);
    char state = 0;
    for (int i = 0; i < 200 && state != 'S'; i++) {
        stat_fields(path, comm, sizeof comm, f);
        state = f[0][0];
        if (state != 'S')
            ctest_sleep_ms(5);
    }
    CHECKF(state == 'S', "child in pause() is '%c'", state);
    CHECK_EQ(atoi(f[1]), getpid());
    OK(kill(c, SIGTERM));
    for (int i = 0; i < 200 && state != 'Z'; i++) {
        stat_fields(path, comm, sizeof comm, f);
        state = f[0][0];
        if (state != 'Z')
            ctest_sleep_ms(5);
    }
    CHECKF(state == 'Z', "exited child is '%c'", state);
    CHECK_KILLED(ctest_wait(c), SIGTERM);
    int fd = open(path, O_RDONLY);
    CHECKF(fd < 0 && errno == ENOENT, "reaped child's stat still opens (%s)", fd < 0 ? ctest_errname(errno) : "ok");
}

static const struct ctest cases[] = {
    CASE(meminfo_fields_in_linux_order),
    CASE(anon_pages_grow_when_touched),
    CASE(uptime_two_numbers),
    CASE(loadavg_format),
    CASE(stat_lines),
    CASE(stat_processes_counts_forks),
    CASE(cpuinfo_fields),
    CASE(vmstat_counts_faults),
    CASE(filesystems_list_proc_and_tmpfs),
    CASE(sys_kernel_mirrors_uname),
    CASE(sysinfo_matches_meminfo),
    CASE(prctl_name),
    CASE(prctl_dumpable_and_no_new_privs),
    CASE(self_stat_fields),
    CASE(stat_counts_threads),
    CASE(statm_matches_stat),
    CASE(status_fields_in_order),
    CASE(status_tracks_memory_and_signals),
    CASE(cmdline_environ_comm),
    CASE(child_states_sleeping_then_zombie),
};

int main(int argc, char **argv)
{
    extern char **environ;
    saved_argc = argc;
    saved_argv = argv;
    saved_env = environ;
    return CTEST_MAIN(argc, argv, cases);
}
