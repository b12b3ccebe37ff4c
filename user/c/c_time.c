/* c_time — clocks and timers: CLOCK_MONOTONIC/REALTIME/CPU-time clocks through both
 * clock_gettime system calls, their resolution, gettimeofday/time, nanosleep and
 * clock_nanosleep (relative and absolute), times(), setitimer/getitimer and alarm, getrusage
 * (minor faults, max RSS, CPU time, children). */
#include "ctest.h"

#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>

#define NS 1000000000LL

static long long ts_ns(struct timespec t) { return t.tv_sec * NS + t.tv_nsec; }

static long long clock_ns(clockid_t c)
{
    struct timespec t;
    if (clock_gettime(c, &t) != 0)
        FAIL("clock_gettime(%d): %s", (int)c, ctest_errname(errno));
    return ts_ns(t);
}

static void spin_ms(long ms)
{
    long long end = clock_ns(CLOCK_MONOTONIC) + ms * 1000000LL;
    volatile unsigned x = 0;
    while (clock_ns(CLOCK_MONOTONIC) < end)
        for (int i = 0; i < 1000; i++)
            x += i;
}

static void monotonic_increases(void)
{
    long long prev = clock_ns(CLOCK_MONOTONIC);
    for (int i = 0; i < 1000; i++) {
        long long now = clock_ns(CLOCK_MONOTONIC);
        CHECKF(now >= prev, "CLOCK_MONOTONIC went back by %lld ns", prev - now);
        prev = now;
    }
    ctest_sleep_ms(10);
    CHECKF(clock_ns(CLOCK_MONOTONIC) >= prev + 10000000, "10 ms of sleep did not advance CLOCK_MONOTONIC by 10 ms");
    CHECK(clock_ns(CLOCK_MONOTONIC) > 0);
    CHECK(clock_ns(CLOCK_BOOTTIME) >= clock_ns(CLOCK_MONOTONIC) - 1000000);
    ERR(clock_gettime((clockid_t)1000, &(struct timespec){ 0, 0 }), EINVAL);
}

/* glibc calls clock_gettime64 (403) first; the 32-bit clock_gettime (265) agrees with it. */
static void clock_gettime_both_system_calls(void)
{
    struct { long long sec; long nsec, pad; } t64;
    struct { long sec, nsec; } t32;
    for (int c = 0; c < 2; c++) {
        OK(syscall(403, c, &t64));
        OK(syscall(SYS_clock_gettime, c, &t32));
        CHECKF(t32.sec - t64.sec >= 0 && t32.sec - t64.sec <= 1, "clock %d: clock_gettime %ld s, clock_gettime64 %lld s",
               c, t32.sec, t64.sec);
        CHECK(t64.nsec >= 0 && t64.nsec < NS && t32.nsec >= 0 && t32.nsec < NS);
    }
    OK(syscall(SYS_clock_gettime, CLOCK_REALTIME, &t32));
    long t = syscall(SYS_time, NULL);
    CHECKF(t >= t32.sec - 1 && t <= t32.sec + 1, "time() = %ld, CLOCK_REALTIME %ld", t, t32.sec);
    struct { long sec, usec; } tv;
    OK(syscall(SYS_gettimeofday, &tv, NULL));
    CHECK(tv.usec >= 0 && tv.usec < 1000000);
}

static void realtime_after_2020(void)
{
    long long rt = clock_ns(CLOCK_REALTIME);
    CHECKF(rt / NS > 1577836800LL, "CLOCK_REALTIME %lld s is before 2020-01-01", rt / NS);
    CHECKF(rt / NS < 4102444800LL, "CLOCK_REALTIME %lld s is after 2100", rt / NS);
}

static void gettimeofday_time_agree(void)
{
    struct timeval tv;
    OK(gettimeofday(&tv, NULL));
    long long rt = clock_ns(CLOCK_REALTIME);
    time_t t = time(NULL);
    long long g = tv.tv_sec * NS + tv.tv_usec * 1000LL;
    CHECKF(llabs(rt - g) < NS, "gettimeofday and CLOCK_REALTIME differ by %lld ns", rt - g);
    CHECKF(llabs(rt / NS - t) <= 1, "time() %lld and CLOCK_REALTIME %lld s differ", (long long)t, rt / NS);
    CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
}

static void clock_getres_values(void)
{
    static const clockid_t ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_PROCESS_CPUTIME_ID,
                                     CLOCK_THREAD_CPUTIME_ID };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        struct timespec r;
        OK(clock_getres(ids[i], &r));
        CHECKF(r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 10000000, "clock %d: resolution %ld.%09ld s",
               (int)ids[i], (long)r.tv_sec, r.tv_nsec);
    }
    OK(clock_getres(CLOCK_MONOTONIC, NULL));
    ERR(clock_getres((clockid_t)1000, &(struct timespec){ 0, 0 }), EINVAL);
}

static void nanosleep_50ms(void)
{
    long long t0 = clock_ns(CLOCK_MONOTONIC);
    struct timespec ts = { 0, 50000000 };
    OK(nanosleep(&ts, NULL));
    long long dt = clock_ns(CLOCK_MONOTONIC) - t0;
    CHECKF(dt >= 50000000, "nanosleep(50 ms) took %lld ns", dt);
    ts.tv_nsec = NS;
    ERR(nanosleep(&ts, NULL), EINVAL);
    ts.tv_nsec = -1;
    ERR(nanosleep(&ts, NULL), EINVAL);
    ts.tv_sec = 0;
    ts.tv_nsec = 0;
    OK(nanosleep(&ts, NULL));
}

static void clock_nanosleep_relative_and_absolute(void)
{
    long long t0 = clock_ns(CLOCK_MONOTONIC);
    struct timespec ts = { 0, 50000000 };
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL), 0);
    long long dt = clock_ns(CLOCK_MONOTONIC) - t0;
    CHECKF(dt >= 50000000, "clock_nanosleep(50 ms) took %lld ns", dt);
    long long target = clock_ns(CLOCK_MONOTONIC) + 50000000;
    struct timespec abs = { target / NS, target % NS };
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL), 0);
    CHECKF(clock_ns(CLOCK_MONOTONIC) >= target, "absolute clock_nanosleep woke early");
    /* an absolute time in the past returns at once (1 ns after boot: a negative tv_sec would
       be EINVAL, and a kernel that booted less than 10 s ago has no "10 s ago") */
    abs.tv_sec = 0;
    abs.tv_nsec = 1;
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL), 0);
    target = clock_ns(CLOCK_REALTIME) + 30000000;
    abs = (struct timespec){ target / NS, target % NS };
    CHECK_EQ(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL), 0);
    CHECKF(clock_ns(CLOCK_REALTIME) >= target, "absolute CLOCK_REALTIME sleep woke early");
    CHECK_EQ(clock_nanosleep((clockid_t)1000, 0, &ts, NULL), EINVAL);
    CHECK_EQ(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ts, NULL), EINVAL);
}

static void times_counts_cpu_and_ticks(void)
{
    CHECK_EQ(sysconf(_SC_CLK_TCK), 100);
    struct tms a, b;
    clock_t c0 = times(&a);
    spin_ms(300);
    clock_t c1 = times(&b);
    CHECKF(c1 - c0 >= 29, "times() advanced %ld ticks in 300 ms", (long)(c1 - c0));
    long cpu = (b.tms_utime + b.tms_stime) - (a.tms_utime + a.tms_stime);
    CHECKF(cpu >= 10, "300 ms of spinning counted %ld ticks of CPU time", cpu);
    /* children's times after they are reaped */
    pid_t p = ctest_fork();
    if (p == 0) {
        spin_ms(200);
        _exit(0);
    }
    ctest_wait(p);
    times(&b);
    CHECKF(b.tms_cutime + b.tms_cstime >= 5, "a reaped child's 200 ms counted %ld ticks", (long)(b.tms_cutime + b.tms_cstime));
}

static void cputime_clocks(void)
{
    long long p0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID), t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    spin_ms(200);
    long long p1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID), t1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    CHECKF(p1 - p0 >= 50000000, "process CPU clock advanced %lld ns in 200 ms of spinning", p1 - p0);
    CHECKF(t1 - t0 >= 50000000, "thread CPU clock advanced %lld ns in 200 ms of spinning", t1 - t0);
    ctest_sleep_ms(200);
    long long p2 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECKF(p2 - p1 < 100000000, "process CPU clock advanced %lld ns while sleeping 200 ms", p2 - p1);
    CHECK(clock() > 0);
}

static volatile int alarms;
static void on_alarm(int sig) { alarms++; }

static void catch_alarm(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    OK(sigaction(SIGALRM, &sa, NULL));
}

static void setitimer_real_delivers_sigalrm(void)
{
    catch_alarm();
    struct itimerval it = { { 0, 0 }, { 0, 300000 } }, cur;
    long long t0 = clock_ns(CLOCK_MONOTONIC);
    OK(setitimer(ITIMER_REAL, &it, NULL));
    OK(getitimer(ITIMER_REAL, &cur));
    CHECKF(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 300000,
           "getitimer: %ld.%06ld s left", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);
    while (!alarms)
        pause();
    CHECKF(clock_ns(CLOCK_MONOTONIC) - t0 >= 300000000, "a 300 ms timer fired early");
    OK(getitimer(ITIMER_REAL, &cur));
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
    /* periodic: 20 ms interval */
    alarms = 0;
    it = (struct itimerval){ { 0, 20000 }, { 0, 20000 } };
    t0 = clock_ns(CLOCK_MONOTONIC);
    OK(setitimer(ITIMER_REAL, &it, NULL));
    while (alarms < 5)
        pause();
    CHECKF(clock_ns(CLOCK_MONOTONIC) - t0 >= 100000000, "5 periods of 20 ms took less than 100 ms");
    struct itimerval off = { { 0, 0 }, { 0, 0 } }, old;
    OK(setitimer(ITIMER_REAL, &off, &old));
    CHECK(old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 20000);
    it.it_value.tv_usec = 1000000;
    ERR(setitimer(ITIMER_REAL, &it, NULL), EINVAL);
}

static void alarm_remaining_and_delivery(void)
{
    catch_alarm();
    CHECK_EQ(alarm(5), 0);
    CHECK_EQ(alarm(1), 5); /* 4.99.. s left rounds to 5 */
    long long t0 = clock_ns(CLOCK_MONOTONIC);
    while (!alarms)
        pause();
    CHECKF(clock_ns(CLOCK_MONOTONIC) - t0 >= 999000000LL, "alarm(1) fired early");
    CHECK_EQ(alarm(0), 0);
    CHECK_EQ(alarm(3), 0);
    CHECK_EQ(alarm(0), 3);
    /* a pending alarm is not inherited by a fork child */
    alarm(1);
    pid_t p = ctest_fork();
    if (p == 0)
        _exit(alarm(0) == 0 ? 0 : 1);
    CHECK_EXIT(ctest_wait(p), 0);
    alarm(0);
    /* the default action of SIGALRM terminates */
    p = ctest_fork();
    if (p == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(1);
        for (;;)
            pause();
    }
    CHECK_KILLED(ctest_wait(p), SIGALRM);
}

static void getrusage_minflt_and_maxrss(void)
{
    enum { N = 200 };
    char *p = MMAP(NULL, N * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct rusage a, b;
    OK(getrusage(RUSAGE_SELF, &a));
    for (int i = 0; i < N; i++)
        p[i * 4096] = 1;
    OK(getrusage(RUSAGE_SELF, &b));
    CHECKF(b.ru_minflt - a.ru_minflt >= N, "touching %d new pages counted %ld minor faults", N, b.ru_minflt - a.ru_minflt);
    CHECKF(b.ru_maxrss > 0, "ru_maxrss = %ld", b.ru_maxrss);
    CHECKF(b.ru_maxrss >= N * 4, "ru_maxrss %ld KiB is less than the %d KiB just touched", b.ru_maxrss, N * 4);
    CHECK_EQ(b.ru_majflt, a.ru_majflt);
    /* children: counted after they are reaped */
    OK(getrusage(RUSAGE_CHILDREN, &a));
    pid_t c = ctest_fork();
    if (c == 0) {
        char *q = mmap(NULL, 2 * N * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (q == MAP_FAILED)
            _exit(1);
        for (int i = 0; i < 2 * N; i++)
            q[i * 4096] = 1;
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(c), 0);
    OK(getrusage(RUSAGE_CHILDREN, &b));
    CHECKF(b.ru_minflt - a.ru_minflt >= 2 * N, "a child touching %d pages counted %ld minor faults", 2 * N,
           b.ru_minflt - a.ru_minflt);
    CHECKF(b.ru_maxrss >= 2 * N * 4, "children's ru_maxrss %ld KiB", b.ru_maxrss);
    ERR(getrusage(12345, &b), EINVAL);
}

static void getrusage_cpu_time(void)
{
    struct rusage a, b;
    OK(getrusage(RUSAGE_SELF, &a));
    spin_ms(200);
    OK(getrusage(RUSAGE_SELF, &b));
    long long ua = a.ru_utime.tv_sec * 1000000LL + a.ru_utime.tv_usec + a.ru_stime.tv_sec * 1000000LL + a.ru_stime.tv_usec;
    long long ub = b.ru_utime.tv_sec * 1000000LL + b.ru_utime.tv_usec + b.ru_stime.tv_sec * 1000000LL + b.ru_stime.tv_usec;
    CHECKF(ub - ua >= 50000, "200 ms of spinning counted %lld us of CPU time", ub - ua);
}

static void sleep_one_second(void)
{
    long long t0 = clock_ns(CLOCK_MONOTONIC);
    CHECK_EQ(sleep(1), 0);
    CHECKF(clock_ns(CLOCK_MONOTONIC) - t0 >= NS, "sleep(1) returned early");
    CHECK_EQ(usleep(20000), 0);
}

static const struct ctest cases[] = {
    CASE(monotonic_increases),
    CASE(clock_gettime_both_system_calls),
    CASE(realtime_after_2020),
    CASE(gettimeofday_time_agree),
    CASE(clock_getres_values),
    CASE(nanosleep_50ms),
    CASE(clock_nanosleep_relative_and_absolute),
    CASE(times_counts_cpu_and_ticks),
    CASE(cputime_clocks),
    CASE(setitimer_real_delivers_sigalrm),
    CASE(alarm_remaining_and_delivery),
    CASE(getrusage_minflt_and_maxrss),
    CASE(getrusage_cpu_time),
    CASE(sleep_one_second),
};

int main(int argc, char **argv)
{
    return CTEST_MAIN(argc, argv, cases);
}
