/* c_jobs — process groups, sessions and job control as a shell uses them: setpgid/getpgid/
 * setsid/getsid and their errors, kill(0) and kill(-pgid), wait4 by group, a stop signal
 * stopping every thread of a process and SIGCONT resuming them, WUNTRACED/WCONTINUED statuses
 * (each reported once), SIGCHLD's CLD_STOPPED/CLD_CONTINUED, SIGHUP+SIGCONT to a group that
 * becomes orphaned with a stopped member, one SIGALRM per process, getrusage over threads.
 *
 * Every case runs in a process group of its own (ctest), whose parent is in another group of
 * the same session. Only relations between ids are checked: Linux leaves init (pid 1) in
 * session 0, ours makes it lead session 1. */
#include "ctest.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/time.h>

static void handle(int sig, void (*fn)(int, siginfo_t *, void *), int flags, int also_block)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = flags | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (also_block)
        sigaddset(&sa.sa_mask, also_block);
    OK(sigaction(sig, &sa, NULL));
}

static pid_t child_pausing(void)
{
    pid_t p = ctest_fork();
    if (p == 0) {
        for (;;)
            pause();
    }
    return p;
}

/* Polls until *v reaches want (up to 5 s); returns its value. */
static int wait_for(volatile int *v, int want)
{
    for (int i = 0; i < 500 && *v < want; i++)
        ctest_sleep_ms(10);
    return *v;
}

/* ---- ids ---- */
static void ids_relations(void)
{
    pid_t me = getpid();
    CHECK_EQ(getpgrp(), me); /* ctest put the case in a group of its own */
    CHECK_EQ(getpgid(0), me);
    CHECK_EQ(getpgid(me), me);
    CHECK_EQ(getsid(0), getsid(getppid()));
    CHECK(getpgid(getppid()) != me);
    ERR(getpgid(-1), ESRCH);
    ERR(getsid(-1), ESRCH);
    ERR(getpgid(0x3fffff00), ESRCH);
    ERR(getsid(0x3fffff00), ESRCH);
    pid_t c = child_pausing();
    CHECK_EQ(getpgid(c), me); /* inherited */
    CHECK_EQ(getsid(c), getsid(0));
    OK(kill(c, SIGKILL));
    CHECK_KILLED(ctest_wait(c), SIGKILL);
    CHECK_EQ(kill(-1, 0), 0); /* there are other processes than init and us */
    ERR(kill(INT32_MIN, 0), ESRCH);
    ERR(kill(-0x3fffff00, 0), ESRCH);
}

static void *thread_tid(void *arg)
{
    *(volatile pid_t *)arg = gettid();
    for (;;)
        pause();
    return NULL;
}

static int exec_self_sleeping(void *unused)
{
    char *argv[] = { (char *)ctest_self, "--child-sleep", NULL };
    execv(ctest_self, argv);
    return 127;
}

static void setpgid_errors(void)
{
    pid_t me = getpid();
    ERR(setpgid(0, -1), EINVAL);
    ERR(setpgid(-5, 0), EINVAL); /* pgid = pid = -5 */
    ERR(setpgid(-5, 3), ESRCH);
    ERR(setpgid(0x3fffff00, 0), ESRCH);
    ERR(setpgid(getppid(), 0), ESRCH); /* neither us nor a child of ours */
    OK(setpgid(0, 0));                 /* already the leader of its group: no change */
    OK(setpgid(me, me));
    ERR(setpgid(0, 0x3fffff00), EPERM); /* no such group in our session */

    pid_t c = child_pausing();
    OK(setpgid(c, c));
    CHECK_EQ(getpgid(c), c);
    OK(setpgid(c, me)); /* back into ours */
    CHECK_EQ(getpgid(c), me);
    ERR(setpgid(c, 0x3fffff00), EPERM);
    OK(kill(c, SIGKILL));
    CHECK_KILLED(ctest_wait(c), SIGKILL);

    /* A thread's id names no process: EINVAL. */
    volatile pid_t tid = 0;
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, thread_tid, (void *)&tid), 0);
    while (tid == 0)
        sched_yield();
    ERR(setpgid(tid, 0), EINVAL);
    CHECK_EQ(getpgid(tid), me); /* but it has its process's group */

    /* After the child's exec: EACCES. */
    c = ctest_fork();
    if (c == 0)
        _exit(exec_self_sleeping(NULL));
    int r = 0, e = 0;
    for (int i = 0; i < 500; i++) {
        r = setpgid(c, c);
        e = errno;
        if (r < 0)
            break;
        ctest_sleep_ms(10);
    }
    CHECKF(r == -1 && e == EACCES, "setpgid of an exec'd child: %d %s, want EACCES", r, ctest_errname(e));
    OK(kill(c, SIGKILL));
    CHECK_KILLED(ctest_wait(c), SIGKILL);
}

static int child_setsid(void *arg)
{
    pid_t parent_group = *(pid_t *)arg;
    pid_t me = getpid();
    if (setsid() != me)
        return 10;
    if (getsid(0) != me || getpgrp() != me)
        return 11;
    if (setsid() != -1 || errno != EPERM)
        return 12; /* already a session leader */
    if (setpgid(0, 0) != -1 || errno != EPERM)
        return 13; /* a session leader cannot move */
    if (setpgid(0, parent_group) != -1 || errno != EPERM)
        return 14;
    return 0;
}

static void setsid_errors(void)
{
    pid_t me = getpid();
    ERR(setsid(), EPERM); /* a group leader */
    CHECK_EXIT(ctest_spawn(child_setsid, &me), 0);

    /* The parent cannot move a child that is in another session. */
    volatile int *done = ctest_shared(sizeof(int));
    pid_t c = ctest_fork();
    if (c == 0) {
        if (setsid() < 0)
            _exit(1);
        *done = 1;
        for (;;)
            pause();
    }
    CHECK_EQ(wait_for(done, 1), 1);
    CHECK_EQ(getsid(c), c);
    CHECK_EQ(getpgid(c), c);
    ERR(setpgid(c, c), EPERM);
    ERR(setpgid(c, me), EPERM);
    OK(kill(c, SIGKILL));
    CHECK_KILLED(ctest_wait(c), SIGKILL);
}

/* ---- kill and wait by group ---- */
static void kill_minus_pgid_reaches_the_whole_group(void)
{
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = ctest_fork();
        if (kids[i] == 0) {
            setpgid(0, i == 0 ? 0 : kids[0]);
            for (;;)
                pause();
        }
        OK(setpgid(kids[i], kids[0]));
    }
    pid_t other = child_pausing(); /* stays in our group */
    OK(kill(-kids[0], 0));
    OK(kill(-kids[0], SIGTERM));
    int seen = 0, st;
    for (int i = 0; i < 3; i++) {
        pid_t r = waitpid(-kids[0], &st, 0);
        CHECKF(r == kids[0] || r == kids[1] || r == kids[2], "waitpid(-pgid) = %d", r);
        CHECK_KILLED(st, SIGTERM);
        seen++;
    }
    CHECK_EQ(seen, 3);
    ERR(waitpid(-kids[0], &st, WNOHANG), ECHILD);
    ERR(kill(-kids[0], 0), ESRCH);
    CHECK_EQ(waitpid(other, &st, WNOHANG), 0); /* not touched */
    OK(kill(other, SIGKILL));
    CHECK_KILLED(ctest_wait(other), SIGKILL);
}

static volatile int usr1_hits;
static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    usr1_hits++;
}

static void kill_zero_reaches_own_group(void)
{
    pid_t same = child_pausing();
    pid_t apart = ctest_fork();
    if (apart == 0) {
        setpgid(0, 0);
        for (;;)
            pause();
    }
    OK(setpgid(apart, apart));
    handle(SIGUSR1, on_usr1, 0, 0); /* after the forks: the children keep the default */
    OK(kill(0, SIGUSR1));
    CHECK_EQ(usr1_hits, 1); /* the caller is in its group too */
    CHECK_KILLED(ctest_wait(same), SIGUSR1);
    int st;
    ctest_sleep_ms(50);
    CHECK_EQ(waitpid(apart, &st, WNOHANG), 0);
    OK(kill(apart, SIGKILL));
    CHECK_KILLED(ctest_wait(apart), SIGKILL);
}

static void wait_by_group(void)
{
    pid_t mine = ctest_fork();
    if (mine == 0)
        _exit(7);
    pid_t apart = ctest_fork();
    if (apart == 0) {
        setpgid(0, 0);
        _exit(9);
    }
    OK(setpgid(apart, apart));
    int st;
    CHECK_EQ(waitpid(-apart, &st, 0), apart);
    CHECK_EXIT(st, 9);
    ERR(waitpid(-apart, &st, 0), ECHILD);
    CHECK_EQ(waitpid(0, &st, 0), mine);
    CHECK_EXIT(st, 7);
    ERR(waitpid(0, &st, 0), ECHILD);
    ERR(waitpid(-0x3fffff00, &st, 0), ECHILD);
}

/* ---- stop and continue ---- */
struct spin {
    volatile unsigned long count[2];
};

static void *spinner(void *arg)
{
    volatile unsigned long *c = arg;
    for (;;)
        (*c)++;
    return NULL;
}

static void stop_stops_every_thread(void)
{
    struct spin *sp = ctest_shared(sizeof *sp);
    pid_t c = ctest_fork();
    if (c == 0) {
        pthread_t th;
        if (pthread_create(&th, NULL, spinner, (void *)&sp->count[1]))
            _exit(1);
        spinner((void *)&sp->count[0]);
    }
    for (int i = 0; i < 500 && (sp->count[0] == 0 || sp->count[1] == 0); i++)
        ctest_sleep_ms(10);
    CHECK(sp->count[0] && sp->count[1]);
    int st;
    OK(kill(c, SIGSTOP));
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECKF(st == ((SIGSTOP << 8) | 0x7f), "wait status 0x%x, want stopped by SIGSTOP", st);
    CHECK_EQ(waitpid(c, &st, WUNTRACED | WNOHANG), 0); /* reported once */
    unsigned long a = sp->count[0], b = sp->count[1];
    ctest_sleep_ms(200);
    CHECKF(sp->count[0] == a && sp->count[1] == b, "a thread ran while its process was stopped");
    OK(kill(c, SIGCONT));
    CHECK_EQ(waitpid(c, &st, WCONTINUED), c);
    CHECKF(st == 0xffff, "wait status 0x%x, want continued (0xffff)", st);
    CHECK_EQ(waitpid(c, &st, WCONTINUED | WNOHANG), 0);
    ctest_sleep_ms(100);
    CHECKF(sp->count[0] != a && sp->count[1] != b, "a thread did not resume after SIGCONT");
    OK(kill(c, SIGTSTP));
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECKF(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP, "wait status 0x%x, want stopped by SIGTSTP", st);
    a = sp->count[0], b = sp->count[1];
    ctest_sleep_ms(100);
    CHECK(sp->count[0] == a && sp->count[1] == b);
    /* A stop wait4 has not reported yet is forgotten once SIGKILL ends the process. */
    OK(kill(c, SIGCONT));
    CHECK_EQ(waitpid(c, &st, WCONTINUED), c);
    OK(kill(c, SIGSTOP));
    ctest_sleep_ms(100);
    OK(kill(c, SIGKILL)); /* ends a stopped process */
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK_KILLED(st, SIGKILL);
}

static void *raise_stop(void *arg)
{
    raise(SIGSTOP); /* a thread-directed stop still stops the whole process */
    *(volatile int *)arg = 1;
    return NULL;
}

static void thread_raised_stop_stops_process(void)
{
    struct spin *sp = ctest_shared(sizeof *sp);
    volatile int *after = ctest_shared(sizeof(int));
    pid_t c = ctest_fork();
    if (c == 0) {
        pthread_t th;
        if (pthread_create(&th, NULL, raise_stop, (void *)after))
            _exit(1);
        spinner((void *)&sp->count[0]);
    }
    int st;
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECKF(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "wait status 0x%x", st);
    unsigned long a = sp->count[0];
    ctest_sleep_ms(100);
    CHECK_EQ(sp->count[0], a);
    CHECK_EQ(*after, 0);
    OK(kill(c, SIGCONT));
    CHECK_EQ(wait_for(after, 1), 1);
    OK(kill(c, SIGKILL));
    CHECK_KILLED(ctest_wait(c), SIGKILL);
}

static volatile int chld_n;
static volatile int chld_code[8], chld_status[8];
static void on_chld(int sig, siginfo_t *si, void *uc)
{
    if (chld_n < 8) {
        chld_code[chld_n] = si->si_code;
        chld_status[chld_n] = si->si_status;
    }
    chld_n++;
}

static void sigchld_reports_stop_and_continue(void)
{
    handle(SIGCHLD, on_chld, SA_RESTART, 0);
    pid_t c = child_pausing();
    int st;
    OK(kill(c, SIGSTOP));
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK_EQ(wait_for(&chld_n, 1), 1);
    CHECK_EQ(chld_code[0], CLD_STOPPED);
    CHECK_EQ(chld_status[0], SIGSTOP);
    OK(kill(c, SIGCONT));
    CHECK_EQ(waitpid(c, &st, WCONTINUED), c);
    CHECK_EQ(wait_for(&chld_n, 2), 2);
    CHECK_EQ(chld_code[1], CLD_CONTINUED);
    CHECK_EQ(chld_status[1], SIGCONT);
    /* SA_NOCLDSTOP: no SIGCHLD for a stop or a continue, wait4 still reports them. */
    handle(SIGCHLD, on_chld, SA_RESTART | SA_NOCLDSTOP, 0);
    OK(kill(c, SIGSTOP));
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK(WIFSTOPPED(st));
    OK(kill(c, SIGCONT));
    CHECK_EQ(waitpid(c, &st, WCONTINUED), c);
    CHECK(WIFCONTINUED(st));
    ctest_sleep_ms(50);
    CHECK_EQ(chld_n, 2);
    OK(kill(c, SIGKILL));
    CHECK_KILLED(ctest_wait(c), SIGKILL);
    CHECK_EQ(wait_for(&chld_n, 3), 3);
    CHECK_EQ(chld_code[2], CLD_KILLED);
}

/* ---- orphaned process groups ---- */
struct orphan {
    volatile int n;
    volatile int seq[4];
    volatile int hup_code;
    volatile int survived_tstp;
};
static struct orphan *orph;

static void orphan_note(int sig, siginfo_t *si, void *uc)
{
    if (sig == SIGHUP)
        orph->hup_code = si->si_code;
    if (orph->n < 4)
        orph->seq[orph->n] = sig;
    orph->n++;
}

static void orphaned_group_with_stopped_member_gets_sighup_sigcont(void)
{
    orph = ctest_shared(sizeof *orph);
    pid_t c = ctest_fork();
    if (c == 0) {
        /* The middle process: a group of its own, linked to the session by its parent. */
        setpgid(0, 0);
        pid_t gc = fork();
        if (gc == 0) {
            handle(SIGHUP, orphan_note, 0, SIGCONT); /* SIGCONT waits until SIGHUP's handler returns */
            handle(SIGCONT, orphan_note, 0, 0);
            raise(SIGSTOP);
            while (orph->n < 2)
                pause();
            _exit(0);
        }
        int st;
        if (waitpid(gc, &st, WUNTRACED) != gc || !WIFSTOPPED(st))
            _exit(2);
        _exit(0); /* the group loses its link with a stopped member in it */
    }
    CHECK_EXIT(ctest_wait(c), 0);
    CHECK_EQ(wait_for(&orph->n, 2), 2);
    CHECK_EQ(orph->seq[0], SIGHUP);
    CHECK_EQ(orph->seq[1], SIGCONT);
    CHECK_EQ(orph->hup_code, SI_KERNEL);
    kill(-c, SIGKILL); /* the grandchild, if anything above failed */
}

static void orphaned_group_without_stopped_member_no_sighup(void)
{
    orph = ctest_shared(sizeof *orph);
    pid_t c = ctest_fork();
    if (c == 0) {
        setpgid(0, 0);
        pid_t me = getpid();
        pid_t gc = fork();
        if (gc == 0) {
            handle(SIGHUP, orphan_note, 0, 0);
            handle(SIGCONT, orphan_note, 0, 0);
            while (getppid() == me)
                usleep(5000);
            /* Orphaned now: SIGTSTP's default action does nothing to it. */
            raise(SIGTSTP);
            orph->survived_tstp = 1;
            for (;;)
                pause();
        }
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(c), 0);
    CHECK_EQ(wait_for(&orph->survived_tstp, 1), 1);
    ctest_sleep_ms(100);
    CHECK_EQ(orph->n, 0);
    OK(kill(-c, SIGKILL)); /* the grandchild, in c's group */
}

/* ---- timers and usage ---- */
static atomic_int alarms;
static void on_alarm(int sig, siginfo_t *si, void *uc)
{
    atomic_fetch_add(&alarms, 1);
}

static void *idle_thread(void *arg)
{
    for (;;)
        pause();
    return NULL;
}

static void *alarm_left(void *arg)
{
    *(unsigned *)arg = alarm(0);
    return NULL;
}

static void alarm_is_per_process(void)
{
    handle(SIGALRM, on_alarm, SA_RESTART, 0);
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, idle_thread, NULL), 0);
    struct itimerval it = { { 0, 0 }, { 0, 100000 } };
    OK(setitimer(ITIMER_REAL, &it, NULL));
    ctest_sleep_ms(500);
    CHECK_EQ(atomic_load(&alarms), 1);
    /* Another thread sees (and cancels) the process's alarm. */
    alarm(5);
    unsigned left = 99;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, alarm_left, &left), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(left, 5);
    CHECK_EQ(alarm(0), 0);
}

static atomic_int vtalrms;
static void on_vtalrm(int sig, siginfo_t *si, void *uc)
{
    atomic_fetch_add(&vtalrms, 1);
}

static void *spin_forever(void *arg)
{
    for (volatile unsigned long x = 0;; x++)
        ;
    return NULL;
}

static void itimer_virtual_counts_every_thread(void)
{
    handle(SIGVTALRM, on_vtalrm, SA_RESTART, 0);
    struct itimerval it = { { 0, 0 }, { 0, 50000 } };
    OK(setitimer(ITIMER_VIRTUAL, &it, NULL));
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, spin_forever, NULL), 0);
    /* Only the other thread runs in user mode: its time is the process's. */
    for (int i = 0; i < 300 && atomic_load(&vtalrms) == 0; i++)
        ctest_sleep_ms(10);
    CHECK_EQ(atomic_load(&vtalrms), 1);
    struct itimerval left;
    OK(getitimer(ITIMER_VIRTUAL, &left));
    CHECK(left.it_value.tv_sec == 0 && left.it_value.tv_usec == 0);
}

static long long cpu_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long ru_ns(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
}

static void *burn(void *arg)
{
    long long start = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    volatile unsigned long x = 0;
    while (cpu_ns(CLOCK_THREAD_CPUTIME_ID) - start < 200000000LL)
        x++;
    *(long long *)arg = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    return NULL;
}

static void getrusage_sums_threads(void)
{
    long long used = 0;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, burn, &used), 0);
    CHECK_EQ(pthread_join(t, NULL), 0); /* the thread is gone; its time stays the process's */
    CHECK(used >= 200000000LL);
    long long self = ru_ns(RUSAGE_SELF), thread = ru_ns(RUSAGE_THREAD);
    CHECKF(self >= used - 20000000LL, "RUSAGE_SELF %lld ns, a dead thread alone used %lld", self, used);
    CHECKF(thread < used, "RUSAGE_THREAD %lld ns counts another thread's %lld", thread, used);
    CHECKF(cpu_ns(CLOCK_PROCESS_CPUTIME_ID) >= used, "CLOCK_PROCESS_CPUTIME_ID below a thread's time");
    /* A child's threads count in RUSAGE_CHILDREN once it is reaped. */
    long long before = ru_ns(RUSAGE_CHILDREN);
    pid_t c = ctest_fork();
    if (c == 0) {
        long long u = 0;
        pthread_t t2;
        pthread_create(&t2, NULL, burn, &u);
        pthread_join(t2, NULL);
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(c), 0);
    long long after = ru_ns(RUSAGE_CHILDREN);
    CHECKF(after - before >= 180000000LL, "RUSAGE_CHILDREN grew by %lld ns, want about 200 ms", after - before);
}

static const struct ctest cases[] = {
    CASE(ids_relations),
    CASE(setpgid_errors),
    CASE(setsid_errors),
    CASE(kill_minus_pgid_reaches_the_whole_group),
    CASE(kill_zero_reaches_own_group),
    CASE(wait_by_group),
    CASE(stop_stops_every_thread),
    CASE(thread_raised_stop_stops_process),
    CASE(sigchld_reports_stop_and_continue),
    CASE(orphaned_group_with_stopped_member_gets_sighup_sigcont),
    CASE(orphaned_group_without_stopped_member_no_sighup),
    CASE(alarm_is_per_process),
    CASE(itimer_virtual_counts_every_thread),
    CASE(getrusage_sums_threads),
};

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--child-sleep") == 0) {
        for (;;)
            pause();
    }
    return CTEST_MAIN(argc, argv, cases);
}
