/* c_signals — signals with handlers as glibc uses them: siginfo contents, faults a program
 * catches (SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP with si_code and si_addr; resuming after
 * mprotect), the frame's ucontext, masks, pending sets and their order, SA_RESTART/EINTR,
 * SA_RESETHAND/SA_NODEFER/SA_ONSTACK, default actions and the core bit, stop/continue,
 * SIGCHLD, sigtimedwait/sigsuspend, FPU state in handlers, exec's reset of dispositions. */
#include "ctest.h"

#include <elf.h>
#include <pthread.h>
#include <fcntl.h>
#include <fenv.h>
#include <math.h>
#include <setjmp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <ucontext.h>

static volatile sig_atomic_t hits;
/* Written by handlers: volatile, since glibc marks raise, kill etc. as leaf functions and the
 * compiler may otherwise keep old values across the call that ran the handler. */
static volatile siginfo_t last_info;
static volatile int last_sig;
static sigjmp_buf jump;

static void on(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = flags | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    OK(sigaction(sig, &sa, NULL));
}

static void record(int sig, siginfo_t *si, void *uc)
{
    hits++;
    last_sig = sig;
    memcpy((void *)&last_info, si, sizeof *si);
}

static void record_and_jump(int sig, siginfo_t *si, void *uc)
{
    record(sig, si, uc);
    siglongjmp(jump, 1);
}

static void block(int sig, int how)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    OK(sigprocmask(how, &s, NULL));
}

static void timer_ms(long first, long interval)
{
    struct itimerval it = { { interval / 1000, (interval % 1000) * 1000 }, { first / 1000, (first % 1000) * 1000 } };
    OK(setitimer(ITIMER_REAL, &it, NULL));
}

/* ---- siginfo ---- */
static void siginfo_from_raise_kill_sigqueue(void)
{
    on(SIGUSR1, record, 0);
    OK(raise(SIGUSR1));
    CHECK_EQ(hits, 1);
    CHECK_EQ(last_info.si_signo, SIGUSR1);
    CHECK_EQ(last_info.si_code, SI_TKILL);
    CHECK_EQ(last_info.si_pid, getpid());
    CHECK_EQ(last_info.si_uid, getuid());
    OK(kill(getpid(), SIGUSR1));
    CHECK_EQ(hits, 2);
    CHECK_EQ(last_info.si_code, SI_USER);
    CHECK_EQ(last_info.si_pid, getpid());
    union sigval v = { .sival_int = 42 };
    OK(sigqueue(getpid(), SIGUSR1, v));
    CHECK_EQ(hits, 3);
    CHECK_EQ(last_info.si_code, SI_QUEUE);
    CHECK_EQ(last_info.si_value.sival_int, 42);
    OK(syscall(SYS_tgkill, getpid(), ctest_gettid(), SIGUSR1));
    CHECK_EQ(hits, 4);
    CHECK_EQ(last_info.si_code, SI_TKILL);
    OK(syscall(SYS_tkill, ctest_gettid(), SIGUSR1));
    CHECK_EQ(hits, 5);
    CHECK_EQ(last_info.si_code, SI_TKILL);
    ERR(syscall(SYS_tgkill, getpid(), ctest_gettid(), 65), EINVAL);
    ERR(syscall(SYS_tgkill, getpid() + 100000, ctest_gettid(), SIGUSR1), ESRCH);
}

/* A handler without SA_SIGINFO (Linux's old sigframe and sigreturn). */
static volatile int plain_sig;
static void plain_handler(int sig) { plain_sig = sig; hits++; }

static void plain_handler_and_signal(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = plain_handler;
    OK(sigaction(SIGUSR2, &sa, NULL));
    volatile double x = 1.5; /* live across the handler */
    raise(SIGUSR2);
    CHECK_EQ(plain_sig, SIGUSR2);
    CHECK(x * 2 == 3.0);
    /* signal(): BSD semantics in glibc (SA_RESTART, the handler stays) */
    CHECK(signal(SIGUSR1, plain_handler) == SIG_DFL);
    raise(SIGUSR1);
    raise(SIGUSR1);
    CHECK_EQ(hits, 3);
    OK(sigaction(SIGUSR1, NULL, &sa));
    CHECK(sa.sa_handler == plain_handler);
    CHECKF(sa.sa_flags & SA_RESTART, "signal() did not set SA_RESTART (flags 0x%x)", sa.sa_flags);
    CHECK(signal(SIGUSR1, SIG_DFL) == plain_handler);
}

/* ---- faults ---- */
static void segv_maperr_address(void)
{
    char *p = MMAP(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    OK(munmap(p, 4096));
    on(SIGSEGV, record_and_jump, 0);
    if (sigsetjmp(jump, 1) == 0) {
        (void)*(volatile char *)(p + 123);
        FAIL("read of an unmapped page did not fault");
    }
    CHECK_EQ(last_info.si_signo, SIGSEGV);
    CHECK_EQ(last_info.si_code, SEGV_MAPERR);
    CHECK(last_info.si_addr == p + 123);
    /* NULL + 8 */
    if (sigsetjmp(jump, 1) == 0) {
        int *volatile bad = (int *)8;
        (void)*(volatile int *)bad;
        FAIL("read of address 8 did not fault");
    }
    CHECK_EQ(last_info.si_code, SEGV_MAPERR);
    CHECK(last_info.si_addr == (void *)8);
    /* a write to the kernel half */
    if (sigsetjmp(jump, 1) == 0) {
        int *volatile kern = (int *)0xc0001000;
        *(volatile int *)kern = 1;
        FAIL("write to 0xc0001000 did not fault");
    }
    CHECK(last_info.si_addr == (void *)0xc0001000);
    CHECK_EQ(hits, 3);
}

/* The handler makes the page writable and returns: the write is done again and succeeds. */
static char *guarded;
static void fix_protection(int sig, siginfo_t *si, void *uc)
{
    record(sig, si, uc);
    char *page = (char *)((uintptr_t)si->si_addr & ~4095u);
    if (page != guarded || hits > 3 || mprotect(page, 4096, PROT_READ | PROT_WRITE) != 0)
        _exit(50); /* would loop forever otherwise */
}

static void segv_accerr_mprotect_resume(void)
{
    guarded = MMAP(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    on(SIGSEGV, fix_protection, 0);
    volatile char *p = guarded + 100;
    *p = 0x55;
    CHECK_EQ(hits, 1);
    CHECK_EQ(last_info.si_code, SEGV_ACCERR);
    CHECK(last_info.si_addr == guarded + 100);
    CHECK_EQ(guarded[100], 0x55);
    /* PROT_NONE: a read faults with SEGV_ACCERR too */
    OK(mprotect(guarded, 4096, PROT_NONE));
    CHECK_EQ(p[0], 0x55);
    CHECK_EQ(hits, 2);
    CHECK_EQ(last_info.si_code, SEGV_ACCERR);
    /* a string instruction faulting midway resumes where it stopped */
    OK(mprotect(guarded, 4096, PROT_READ));
    memset(guarded, 0x77, 4096);
    CHECK_EQ(hits, 3);
    for (int i = 0; i < 4096; i++)
        CHECKF(guarded[i] == 0x77, "byte %d = 0x%x after the resumed memset", i, guarded[i]);
}

/* ucontext: the handler sees the faulting EIP and skips the instruction by changing it. */
extern char ud2_site[], int3_after[], idiv_site[];
static void skip_ud2(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    record(sig, si, ucv);
    if ((char *)uc->uc_mcontext.gregs[REG_EIP] != ud2_site)
        _exit(51);
    uc->uc_mcontext.gregs[REG_EIP] += 2;
    uc->uc_mcontext.gregs[REG_EAX] = 1234; /* registers come back from the frame */
}

static void sigill_skip_via_ucontext(void)
{
    on(SIGILL, skip_ud2, 0);
    int eax;
    __asm__ volatile("movl $1, %%eax\n.globl ud2_site\nud2_site: ud2\n" : "=a"(eax) : : "memory");
    CHECK_EQ(hits, 1);
    CHECK_EQ(eax, 1234);
    CHECK_EQ(last_info.si_code, ILL_ILLOPN);
    CHECK(last_info.si_addr == ud2_site);
}

static volatile unsigned trap_eip;
static void on_trap(int sig, siginfo_t *si, void *ucv)
{
    record(sig, si, ucv);
    trap_eip = ((ucontext_t *)ucv)->uc_mcontext.gregs[REG_EIP];
}

static void sigtrap_int3(void)
{
    on(SIGTRAP, on_trap, 0);
    __asm__ volatile("int3\n.globl int3_after\nint3_after:\n" ::: "memory");
    CHECK_EQ(hits, 1);
    CHECK_EQ(last_info.si_signo, SIGTRAP);
    CHECK_EQ(last_info.si_code, SI_KERNEL);
    CHECK(trap_eip == (uintptr_t)int3_after); /* a trap: EIP is after the instruction */
}

static void sigfpe_integer_divide(void)
{
    on(SIGFPE, record_and_jump, 0);
    if (sigsetjmp(jump, 1) == 0) {
        __asm__ volatile("xorl %%edx, %%edx\nmovl $1, %%eax\nxorl %%ecx, %%ecx\n.globl idiv_site\nidiv_site: idivl %%ecx\n"
                         ::: "eax", "ecx", "edx", "memory");
        FAIL("divide by zero did not fault");
    }
    CHECK_EQ(last_info.si_signo, SIGFPE);
    CHECK_EQ(last_info.si_code, FPE_INTDIV);
    CHECK(last_info.si_addr == idiv_site);
    /* INT_MIN / -1 overflows: also #DE, FPE_INTDIV on Linux */
    if (sigsetjmp(jump, 1) == 0) {
        __asm__ volatile("movl $0x80000000, %%eax\ncdq\nmovl $-1, %%ecx\nidivl %%ecx\n" ::: "eax", "ecx", "edx", "memory");
        FAIL("INT_MIN / -1 did not fault");
    }
    CHECK_EQ(last_info.si_code, FPE_INTDIV);
}

/* SIGBUS: a mapping of a file past its last page (this program's own file). */
static void sigbus_past_eof(void)
{
    int fd = open(ctest_self, O_RDONLY);
    CHECKF(fd >= 0, "open %s: %s", ctest_self, ctest_errname(errno));
    off_t size = OK(lseek(fd, 0, SEEK_END));
    size_t file_pages = ((size_t)size + 4095) / 4096;
    char *p = MMAP(NULL, (file_pages + 2) * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK_EQ(p[0], 0x7f); /* ELF magic */
    CHECK_EQ(p[size - 1] == p[size - 1], 1);
    on(SIGBUS, record_and_jump, 0);
    char *beyond = p + file_pages * 4096 + 8;
    if (sigsetjmp(jump, 1) == 0) {
        (void)*(volatile char *)beyond;
        FAIL("read past the end of the file did not fault");
    }
    CHECK_EQ(last_info.si_signo, SIGBUS);
    CHECK_EQ(last_info.si_code, BUS_ADRERR);
    CHECK(last_info.si_addr == beyond);
    /* the tail of the last page (past EOF, same page) reads as zero */
    if (size % 4096)
        CHECK_EQ(p[size], 0);
    close(fd);
}

/* SIGBUS after the file shrinks under a shared mapping (needs a writable /tmp). */
static void sigbus_after_ftruncate(void)
{
    char path[] = "/tmp/c_signals-XXXXXX";
    int fd = mkstemp(path);
    CHECKF(fd >= 0, "mkstemp in /tmp: %s", ctest_errname(errno));
    unlink(path);
    OK(ftruncate(fd, 3 * 4096));
    char *p = MMAP(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    p[2 * 4096] = 1;
    OK(ftruncate(fd, 4096 + 10));
    on(SIGBUS, record_and_jump, 0);
    if (sigsetjmp(jump, 1) == 0) {
        p[2 * 4096 + 4] = 2;
        FAIL("write past the new end of the file did not fault");
    }
    CHECK_EQ(last_info.si_code, BUS_ADRERR);
    CHECK(last_info.si_addr == p + 2 * 4096 + 4);
    p[4096 + 100] = 3; /* same page as EOF: fine */
    CHECK_EQ(p[4096 + 100], 3);
    close(fd);
}

/* ---- SIGALRM, pause, sigsuspend, sigtimedwait ---- */
static void sigalrm_interrupts_pause(void)
{
    on(SIGALRM, record, 0);
    CHECK_EQ(alarm(1), 0);
    long long t0 = ctest_now_ns();
    ERR(pause(), EINTR);
    CHECK_EQ(hits, 1);
    CHECK_EQ(last_sig, SIGALRM);
    CHECK_EQ(last_info.si_code, SI_KERNEL);
    CHECKF(ctest_now_ns() - t0 >= 999000000LL, "pause returned before the alarm's second");
}

static void sigsuspend_waits_for_signal(void)
{
    on(SIGUSR1, record, 0);
    block(SIGUSR1, SIG_BLOCK);
    pid_t parent = getpid();
    pid_t p = ctest_fork();
    if (p == 0) {
        ctest_sleep_ms(100);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    sigset_t none;
    sigemptyset(&none);
    ERR(sigsuspend(&none), EINTR);
    CHECK_EQ(hits, 1);
    CHECK_EQ(last_info.si_pid, p);
    CHECK_EQ(last_info.si_code, SI_USER);
    sigset_t now;
    OK(sigprocmask(SIG_BLOCK, NULL, &now));
    CHECKF(sigismember(&now, SIGUSR1), "sigsuspend did not restore the mask");
    ctest_wait(p);
}

static void sigtimedwait_pending_and_timeout(void)
{
    block(SIGUSR1, SIG_BLOCK);
    block(SIGUSR2, SIG_BLOCK);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    union sigval v = { .sival_int = 7 };
    OK(sigqueue(getpid(), SIGUSR2, v));
    siginfo_t si;
    struct timespec ts = { 1, 0 };
    CHECK_EQ(sigtimedwait(&set, &si, &ts), SIGUSR2);
    CHECK_EQ(si.si_code, SI_QUEUE);
    CHECK_EQ(si.si_value.sival_int, 7);
    /* nothing pending: times out with EAGAIN after the timeout */
    ts.tv_sec = 0;
    ts.tv_nsec = 100000000;
    long long t0 = ctest_now_ns();
    ERR(sigtimedwait(&set, &si, &ts), EAGAIN);
    CHECKF(ctest_now_ns() - t0 >= 100000000, "sigtimedwait returned before its timeout");
    /* a signal arriving while waiting */
    pid_t parent = getpid();
    pid_t p = ctest_fork();
    if (p == 0) {
        ctest_sleep_ms(50);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    ts.tv_sec = 5;
    CHECK_EQ(sigwaitinfo(&set, &si), SIGUSR1);
    CHECK_EQ(si.si_pid, p);
    ctest_wait(p);
    sigset_t pend;
    OK(sigpending(&pend));
    CHECK(!sigismember(&pend, SIGUSR1) && !sigismember(&pend, SIGUSR2));
}

/* ---- SIGCHLD ---- */
static volatile int reaped, reaped_sum;
static void count_child(int sig, siginfo_t *si, void *uc)
{
    int st;
    pid_t p;
    hits++;
    memcpy((void *)&last_info, si, sizeof *si);
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        reaped++;
        reaped_sum += WEXITSTATUS(st);
    }
}

static void sigchld_counting(void)
{
    on(SIGCHLD, count_child, SA_RESTART);
    block(SIGCHLD, SIG_BLOCK);
    sigset_t none;
    sigemptyset(&none);
    for (int i = 0; i < 5; i++) {
        pid_t p = ctest_fork();
        if (p == 0)
            _exit(20 + i);
        while (reaped < i + 1)
            sigsuspend(&none);
        CHECK_EQ(last_info.si_signo, SIGCHLD);
        CHECK_EQ(last_info.si_code, CLD_EXITED);
        CHECK_EQ(last_info.si_pid, p);
        CHECK_EQ(last_info.si_status, 20 + i);
    }
    CHECK_EQ(hits, 5);
    CHECK_EQ(reaped, 5);
    CHECK_EQ(reaped_sum, 20 + 21 + 22 + 23 + 24);
    /* killed children report CLD_KILLED and the signal */
    pid_t p = ctest_fork();
    if (p == 0) {
        for (;;)
            pause();
    }
    kill(p, SIGKILL);
    while (reaped < 6)
        sigsuspend(&none);
    CHECK_EQ(last_info.si_code, CLD_KILLED);
    CHECK_EQ(last_info.si_status, SIGKILL);
}

static void sigchld_ignored_autoreaps(void)
{
    signal(SIGCHLD, SIG_IGN);
    for (int i = 0; i < 3; i++)
        if (ctest_fork() == 0)
            _exit(0);
    /* wait blocks until all children are gone, then fails: nobody is left to reap */
    ERR(waitpid(-1, NULL, 0), ECHILD);
}

/* ---- masks and pending signals ---- */
static void masked_then_delivered(void)
{
    on(SIGUSR1, record, 0);
    block(SIGUSR1, SIG_BLOCK);
    raise(SIGUSR1);
    raise(SIGUSR1); /* a standard signal is pending once */
    CHECK_EQ(hits, 0);
    sigset_t pend;
    OK(sigpending(&pend));
    CHECK(sigismember(&pend, SIGUSR1));
    block(SIGUSR1, SIG_UNBLOCK); /* delivered before sigprocmask returns */
    CHECK_EQ(hits, 1);
    OK(sigpending(&pend));
    CHECK(!sigismember(&pend, SIGUSR1));
    /* SIGKILL and SIGSTOP cannot be blocked, caught or ignored */
    sigset_t all, now;
    sigfillset(&all);
    OK(sigprocmask(SIG_SETMASK, &all, NULL));
    OK(sigprocmask(SIG_SETMASK, NULL, &now));
    CHECK(!sigismember(&now, SIGKILL) && !sigismember(&now, SIGSTOP));
    struct sigaction sa = { .sa_handler = SIG_IGN };
    ERR(sigaction(SIGKILL, &sa, NULL), EINVAL);
    ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL);
    ERR(sigaction(0, &sa, NULL), EINVAL);
    ERR(sigaction(65, &sa, NULL), EINVAL);
}

static volatile int order[8], norder;
static void log_order(int sig, siginfo_t *si, void *uc)
{
    if (norder < 8)
        order[norder++] = sig == SIGRTMIN + 2 ? 100 + si->si_value.sival_int : sig;
}

/* Real-time signals queue (each sigqueue is delivered, in order, with its value); standard
 * signals do not. Dequeued by sigtimedwait, the lowest-numbered pending signal comes first. */
static void rt_signals_queue_in_order(void)
{
    int rt = SIGRTMIN + 2;
    on(rt, log_order, 0);
    on(SIGUSR1, log_order, 0);
    on(SIGUSR2, log_order, 0);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, rt);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    OK(sigprocmask(SIG_BLOCK, &s, NULL));
    for (int round = 0; round < 2; round++) {
        norder = 0;
        for (int i = 1; i <= 3; i++) {
            union sigval v = { .sival_int = i };
            OK(sigqueue(getpid(), rt, v));
        }
        raise(SIGUSR2);
        raise(SIGUSR2);
        raise(SIGUSR1);
        if (round == 0) {
            /* dequeued one by one: lowest number first, RT signals in queue order */
            siginfo_t si;
            struct timespec ts = { 0, 0 };
            int sig;
            while ((sig = sigtimedwait(&s, &si, &ts)) > 0)
                log_order(sig, &si, NULL);
            CHECKF(errno == EAGAIN, "sigtimedwait: %s", ctest_errname(errno));
            int want[] = { SIGUSR1, SIGUSR2, 101, 102, 103 };
            CHECK_EQ(norder, 5);
            for (int i = 0; i < 5; i++)
                CHECKF(order[i] == want[i], "dequeue %d was %d, want %d", i, order[i], want[i]);
        } else {
            /* delivered to handlers on unblocking: each once, the RT ones in queue order (the
             * order between different signals depends on how frames nest) */
            OK(sigprocmask(SIG_UNBLOCK, &s, NULL));
            CHECK_EQ(norder, 5);
            int usr1 = 0, usr2 = 0, next_rt = 101;
            for (int i = 0; i < 5; i++) {
                if (order[i] == SIGUSR1)
                    usr1++;
                else if (order[i] == SIGUSR2)
                    usr2++;
                else
                    CHECKF(order[i] == next_rt++, "RT delivery %d carried value %d", i, order[i] - 100);
            }
            CHECK_EQ(usr1, 1);
            CHECK_EQ(usr2, 1);
        }
    }
}

static void ignored_signal_is_discarded(void)
{
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1); /* nothing happens */
    block(SIGUSR1, SIG_BLOCK);
    on(SIGUSR1, record, 0);
    raise(SIGUSR1);
    signal(SIGUSR1, SIG_IGN); /* setting SIG_IGN discards the pending one */
    sigset_t pend;
    OK(sigpending(&pend));
    CHECK(!sigismember(&pend, SIGUSR1));
    on(SIGUSR1, record, 0);
    block(SIGUSR1, SIG_UNBLOCK);
    CHECK_EQ(hits, 0);
}

/* ---- handler flags ---- */
static volatile int depth, max_depth;
static void nest(int sig, siginfo_t *si, void *uc)
{
    depth++;
    hits++;
    if (depth > max_depth)
        max_depth = depth;
    if (hits == 1)
        raise(sig);
    depth--;
}

static void sa_nodefer_and_default_deferral(void)
{
    on(SIGUSR1, nest, 0);
    raise(SIGUSR1);
    CHECK_EQ(hits, 2);
    CHECK_EQ(max_depth, 1); /* blocked during its handler: ran after it returned */
    hits = max_depth = 0;
    on(SIGUSR1, nest, SA_NODEFER);
    raise(SIGUSR1);
    CHECK_EQ(hits, 2);
    CHECK_EQ(max_depth, 2); /* nested */
}

static volatile int mask_ok;
static void check_mask(int sig, siginfo_t *si, void *uc)
{
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    mask_ok = sigismember(&now, SIGUSR1) && sigismember(&now, SIGUSR2) && !sigismember(&now, SIGTERM) &&
              sigismember(&((ucontext_t *)uc)->uc_sigmask, SIGTERM) == 0;
}

static void sa_mask_during_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = check_mask;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    OK(sigaction(SIGUSR1, &sa, NULL));
    raise(SIGUSR1);
    CHECK_EQ(mask_ok, 1);
    sigset_t now;
    OK(sigprocmask(SIG_BLOCK, NULL, &now));
    CHECK(!sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2));
}

static void sa_resethand(void)
{
    on(SIGUSR1, record, SA_RESETHAND);
    raise(SIGUSR1);
    CHECK_EQ(hits, 1);
    struct sigaction sa;
    OK(sigaction(SIGUSR1, NULL, &sa));
    CHECK(sa.sa_handler == SIG_DFL);
    pid_t p = ctest_fork();
    if (p == 0) {
        on(SIGUSR1, record, SA_RESETHAND);
        raise(SIGUSR1);
        raise(SIGUSR1); /* the default action now: terminate */
        _exit(0);
    }
    CHECK_KILLED(ctest_wait(p), SIGUSR1);
}

static char *alt;
static volatile int on_alt, ss_flags_inside;
static void where_am_i(int sig, siginfo_t *si, void *uc)
{
    char local;
    stack_t cur;
    on_alt = &local >= alt && &local < alt + 65536;
    sigaltstack(NULL, &cur);
    ss_flags_inside = cur.ss_flags;
}

static void sigaltstack_onstack(void)
{
    alt = MMAP(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    stack_t ss = { .ss_sp = alt, .ss_size = 65536, .ss_flags = 0 }, old;
    OK(sigaltstack(&ss, &old));
    CHECK_EQ(old.ss_flags, SS_DISABLE);
    on(SIGUSR1, where_am_i, SA_ONSTACK);
    raise(SIGUSR1);
    CHECK_EQ(on_alt, 1);
    CHECK_EQ(ss_flags_inside, SS_ONSTACK);
    on(SIGUSR1, where_am_i, 0);
    raise(SIGUSR1);
    CHECK_EQ(on_alt, 0);
    OK(sigaltstack(NULL, &old));
    CHECK_EQ(old.ss_flags, 0);
    CHECK(old.ss_sp == alt);
    ss.ss_size = 1024; /* below MINSIGSTKSZ */
    ERR(sigaltstack(&ss, NULL), ENOMEM);
}

static volatile int overflow_code;
static __attribute__((noinline)) int recurse(int n)
{
    volatile char buf[4096];
    buf[0] = (char)n;
    if (n > 1000000)
        return 0;
    return recurse(n + 1) + buf[0];
}

static void overflow_handler(int sig, siginfo_t *si, void *uc)
{
    char local;
    overflow_code = si->si_code;
    _exit(&local >= alt && &local < alt + 65536 ? 42 : 43);
}

static void stack_overflow_caught_on_altstack(void)
{
    int *code = ctest_shared(4096);
    pid_t p = ctest_fork();
    if (p == 0) {
        alt = MMAP(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        stack_t ss = { .ss_sp = alt, .ss_size = 65536 };
        OK(sigaltstack(&ss, NULL));
        on(SIGSEGV, overflow_handler, SA_ONSTACK);
        *code = recurse(0);
        _exit(0);
    }
    int st = ctest_wait(p);
    CHECKF(!(WIFEXITED(st) && WEXITSTATUS(st) == 43), "the handler did not run on the alternate stack");
    CHECK_EXIT(st, 42);
}

/* Delivering to a handler whose stack cannot hold the frame kills with SIGSEGV. */
static void bad_signal_stack_kills_with_segv(void)
{
    pid_t p = ctest_fork();
    if (p == 0) {
        char *bad = MMAP(NULL, 65536, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        stack_t ss = { .ss_sp = bad, .ss_size = 65536 };
        OK(sigaltstack(&ss, NULL));
        on(SIGUSR1, record, SA_ONSTACK);
        raise(SIGUSR1);
        _exit(0);
    }
    CHECK_KILLED(ctest_wait(p), SIGSEGV);
}

static void siglongjmp_restores_mask(void)
{
    on(SIGUSR1, record_and_jump, 0);
    if (sigsetjmp(jump, 1) == 0) {
        raise(SIGUSR1); /* the handler runs with SIGUSR1 blocked and jumps out */
        FAIL("no jump");
    }
    sigset_t now;
    OK(sigprocmask(SIG_BLOCK, NULL, &now));
    CHECKF(!sigismember(&now, SIGUSR1), "siglongjmp left SIGUSR1 blocked");
    if (sigsetjmp(jump, 0) == 0)
        raise(SIGUSR1);
    OK(sigprocmask(SIG_BLOCK, NULL, &now));
    CHECKF(sigismember(&now, SIGUSR1), "sigsetjmp(env, 0) restored the mask");
}

/* ---- EINTR and SA_RESTART ---- */
/* A read from an empty pipe, interrupted by SIGALRM after 200 ms; the writer child writes after
 * 600 ms. An attempt where the alarm came before the read began (a stalled host) proves
 * nothing and is repeated. */
static volatile int reading, alarm_while_reading;
static void alarm_in_read(int sig, siginfo_t *si, void *uc)
{
    hits++;
    alarm_while_reading = reading;
}

static void read_with_alarm(int flags, ssize_t *ret, int *err)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        int fds[2];
        OK(pipe(fds));
        pid_t p = ctest_fork();
        if (p == 0) {
            close(fds[0]);
            ctest_sleep_ms(600);
            if (write(fds[1], "hello", 5) != 5)
                _exit(1);
            _exit(0);
        }
        close(fds[1]);
        hits = reading = alarm_while_reading = 0;
        on(SIGALRM, alarm_in_read, flags);
        timer_ms(200, 0);
        char buf[16];
        errno = 0;
        reading = 1;
        *ret = read(fds[0], buf, sizeof buf);
        *err = errno;
        reading = 0;
        ctest_wait(p);
        close(fds[0]);
        if (alarm_while_reading)
            return;
    }
    FAIL("three attempts and the alarm never came during the read");
}

static void sa_restart_restarts_read(void)
{
    ssize_t r;
    int e;
    read_with_alarm(SA_RESTART, &r, &e);
    CHECK_EQ(hits, 1);
    CHECKF(r == 5, "read = %zd (%s), want 5 after the restart", r, ctest_errname(e));
}

static void no_sa_restart_read_eintr(void)
{
    ssize_t r;
    int e;
    read_with_alarm(0, &r, &e);
    CHECK_EQ(hits, 1);
    CHECKF(r == -1 && e == EINTR, "read = %zd (%s), want -1 EINTR", r, ctest_errname(e));
}

static void nanosleep_eintr_remaining(void)
{
    on(SIGALRM, record, SA_RESTART); /* nanosleep is never restarted: EINTR with the rest */
    timer_ms(300, 0);
    struct timespec ts = { 5, 0 }, rem = { 0, 0 };
    ERR(nanosleep(&ts, &rem), EINTR);
    CHECK_EQ(hits, 1);
    CHECKF(rem.tv_sec <= 4 && (rem.tv_sec > 0 || rem.tv_nsec > 0), "remaining %ld.%09ld s", (long)rem.tv_sec, rem.tv_nsec);
}

/* ---- FPU state and handlers ---- */
static volatile int fpu_handler_bad, fpu_hits;
static volatile double handler_sink;
static void compute_in_handler(int sig, siginfo_t *si, void *uc)
{
    /* a handler starts with a fresh FPU state (Linux: fpu__clear_user_states) */
    if (fegetround() != FE_TONEAREST)
        fpu_handler_bad = 1;
    fesetround(FE_UPWARD);
    double a = 0;
    for (int i = 1; i < 200; i++)
        a += sqrt((double)i) / 3.0;
    handler_sink = a;
    fpu_hits++;
}

static __attribute__((noinline)) double work(int n)
{
    double x = 1.0, y = 0.5;
    for (int i = 1; i <= n; i++) {
        x = x * 1.0000003 + y / i;
        y = sqrt(y + 0.01 * x);
    }
    return x + y;
}

static void handler_uses_fpu_while_main_computes(void)
{
    CHECK_EQ(fesetround(FE_DOWNWARD), 0);
    volatile double want = work(5000);
    on(SIGALRM, compute_in_handler, SA_RESTART);
    timer_ms(2, 2);
    int rounds = 0;
    long long t0 = ctest_now_ns();
    while (fpu_hits < 20 && ctest_now_ns() - t0 < 10000000000LL) {
        volatile double got = work(5000);
        if (got != want)
            FAIL("round %d (after %d signals): got %a, want %a", rounds, fpu_hits, got, want);
        rounds++;
    }
    timer_ms(0, 0);
    CHECKF(fpu_hits >= 20, "only %d signals in 10 s", fpu_hits);
    CHECKF(!fpu_handler_bad, "a handler started with the interrupted code's rounding mode");
    CHECK_EQ(fegetround(), FE_DOWNWARD);
    CHECK(handler_sink > 0);
}

/* ---- default actions, abort, the core bit ---- */
static int raise_it(void *arg)
{
    raise((int)(intptr_t)arg);
    return 0;
}

static void default_actions(void)
{
    static const int terminate[] = { SIGUSR1, SIGUSR2, SIGTERM, SIGHUP, SIGALRM, SIGPIPE, SIGINT };
    for (size_t i = 0; i < sizeof terminate / sizeof terminate[0]; i++) {
        int st = ctest_spawn(raise_it, (void *)(intptr_t)terminate[i]);
        CHECK_KILLED(st, terminate[i]);
        CHECKF(!WCOREDUMP(st), "%s: core bit set", ctest_signame(terminate[i]));
    }
    static const int ignore[] = { SIGCHLD, SIGURG, SIGWINCH, SIGCONT };
    for (size_t i = 0; i < sizeof ignore / sizeof ignore[0]; i++)
        CHECK_EXIT(ctest_spawn(raise_it, (void *)(intptr_t)ignore[i]), 0);
    /* a "core" signal with RLIMIT_CORE 0: terminated, no core bit */
    struct rlimit rl = { 0, RLIM_INFINITY };
    OK(setrlimit(RLIMIT_CORE, &rl));
    static const int core[] = { SIGQUIT, SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGABRT, SIGSYS, SIGXCPU, SIGTRAP };
    for (size_t i = 0; i < sizeof core / sizeof core[0]; i++) {
        int st = ctest_spawn(raise_it, (void *)(intptr_t)core[i]);
        CHECK_KILLED(st, core[i]);
        CHECKF(!WCOREDUMP(st), "%s: core bit set with RLIMIT_CORE 0", ctest_signame(core[i]));
    }
}

static int do_abort(void *arg)
{
    if (arg) { /* block and even catch SIGABRT: abort() still ends the process */
        signal(SIGABRT, SIG_IGN);
        block(SIGABRT, SIG_BLOCK);
    }
    abort();
}

/* With RLIMIT_CORE 0 (Linux's default for init and so for everything it starts) there is no
 * dump, and Linux sets the core bit only when it wrote a dump. */
static void abort_status_without_core_limit(void)
{
    struct rlimit rl;
    OK(getrlimit(RLIMIT_CORE, &rl));
    rl.rlim_cur = 0;
    OK(setrlimit(RLIMIT_CORE, &rl));
    for (int ign = 0; ign < 2; ign++) {
        int st = ctest_spawn(do_abort, (void *)(intptr_t)ign);
        CHECK_KILLED(st, SIGABRT);
        CHECKF(!WCOREDUMP(st), "core bit set with RLIMIT_CORE 0 (wait status 0x%x)", st);
    }
}

/* With RLIMIT_CORE unlimited in a writable directory, Linux writes the file "core" there and
 * sets the core bit (wait status 0x86). */
static void expect_core_dump(int (*fn)(void *))
{
    struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
    OK(setrlimit(RLIMIT_CORE, &rl));
    OK(chdir("/tmp"));
    unlink("/tmp/core");
    int st = ctest_spawn(fn, NULL);
    CHECK_KILLED(st, SIGABRT);
    CHECKF(WCOREDUMP(st), "no core bit (wait status 0x%x)", st);
    struct stat sb;
    CHECKF(stat("/tmp/core", &sb) == 0, "no /tmp/core: %s", ctest_errname(errno));
    CHECKF(sb.st_size > 0, "empty core file");
    unlink("/tmp/core");
}

static void abort_dumps_core_with_limit(void)
{
    expect_core_dump(do_abort);
}

/* The core file is an ELF core: ET_CORE for EM_386, a PT_NOTE whose NT_PRSTATUS names the
 * signal and the child, and a PT_LOAD holding what the child wrote at a known address. */
static unsigned char core_pattern_buf[3 * 4096 + 123];

static int fill_and_abort(void *arg)
{
    (void)arg;
    for (size_t i = 0; i < sizeof core_pattern_buf; i++)
        core_pattern_buf[i] = (unsigned char)(i * 7 + 1);
    abort();
}

static int read_all(const char *path, unsigned char **out, size_t *len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size <= 0) {
        close(fd);
        return -1;
    }
    unsigned char *b = malloc((size_t)sb.st_size);
    size_t got = 0;
    while (b && got < (size_t)sb.st_size) {
        ssize_t n = read(fd, b + got, (size_t)sb.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    *out = b;
    *len = got;
    return b && got == (size_t)sb.st_size ? 0 : -1;
}

static void core_file_is_elf_core(void)
{
    struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
    OK(setrlimit(RLIMIT_CORE, &rl));
    OK(chdir("/tmp"));
    unlink("/tmp/core");
    pid_t p = ctest_fork();
    if (p == 0)
        _exit(fill_and_abort(NULL));
    int st = ctest_wait(p);
    CHECK_KILLED(st, SIGABRT);
    CHECKF(WCOREDUMP(st), "no core bit (wait status 0x%x)", st);
    struct stat sb;
    OK(stat("/tmp/core", &sb));
    CHECK_EQ(sb.st_mode & 07777, 0600 & ~umask(umask(0)));
    CHECK_EQ(sb.st_uid, getuid());
    unsigned char *b;
    size_t len;
    CHECKF(read_all("/tmp/core", &b, &len) == 0, "cannot read /tmp/core");
    CHECK(len >= sizeof(Elf32_Ehdr));
    Elf32_Ehdr *eh = (Elf32_Ehdr *)b;
    CHECK(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0);
    CHECK_EQ(eh->e_ident[EI_CLASS], ELFCLASS32);
    CHECK_EQ(eh->e_type, ET_CORE);
    CHECK_EQ(eh->e_machine, EM_386);
    CHECK_EQ(eh->e_phentsize, sizeof(Elf32_Phdr));
    CHECK(eh->e_phoff + (size_t)eh->e_phnum * sizeof(Elf32_Phdr) <= len);
    Elf32_Phdr *ph = (Elf32_Phdr *)(b + eh->e_phoff);
    CHECK_EQ(ph[0].p_type, PT_NOTE);
    int found_prstatus = 0;
    size_t found_buf = 0;
    uintptr_t want = (uintptr_t)core_pattern_buf;
    for (int i = 0; i < eh->e_phnum; i++) {
        CHECK(ph[i].p_offset + ph[i].p_filesz <= len);
        if (ph[i].p_type == PT_NOTE) {
            size_t at = ph[i].p_offset, end = at + ph[i].p_filesz;
            while (at + 12 <= end) {
                Elf32_Nhdr *n = (Elf32_Nhdr *)(b + at);
                size_t desc = at + 12 + ((n->n_namesz + 3) & ~3u);
                if (n->n_type == NT_PRSTATUS && n->n_namesz == 5 && memcmp(b + at + 12, "CORE", 5) == 0) {
                    CHECK_EQ(n->n_descsz, 144);
                    int signo, pid;
                    short cursig;
                    memcpy(&signo, b + desc, 4);
                    memcpy(&cursig, b + desc + 12, 2);
                    memcpy(&pid, b + desc + 24, 4);
                    CHECK_EQ(signo, SIGABRT);
                    CHECK_EQ(cursig, SIGABRT);
                    CHECK_EQ(pid, p);
                    found_prstatus = 1;
                }
                at = desc + ((n->n_descsz + 3) & ~3u);
            }
        } else if (ph[i].p_type == PT_LOAD) {
            CHECK_EQ(ph[i].p_offset % 4096, 0);
            CHECK(ph[i].p_filesz <= ph[i].p_memsz);
            /* The buffer (in .bss) may span the data segment and the anonymous part after it. */
            for (size_t k = 0; k < sizeof core_pattern_buf; k++) {
                uintptr_t a = want + k;
                if (a < ph[i].p_vaddr || a >= ph[i].p_vaddr + ph[i].p_filesz)
                    continue;
                unsigned char got = b[ph[i].p_offset + (a - ph[i].p_vaddr)];
                if (got != (unsigned char)(k * 7 + 1))
                    FAIL("byte %zu of the buffer is %u in the core", k, got);
                found_buf++;
            }
        }
    }
    CHECKF(found_prstatus, "no NT_PRSTATUS note");
    CHECKF(found_buf == sizeof core_pattern_buf, "the PT_LOADs hold %zu of the buffer's %zu bytes", found_buf, sizeof core_pattern_buf);
    free(b);
    unlink("/tmp/core");
}

/* RLIMIT_CORE 0, or a process made undumpable (PR_SET_DUMPABLE 0): no file, no core bit. */
static int undumpable_abort(void *arg)
{
    (void)arg;
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    abort();
}

static void no_core_without_limit_or_dumpable(void)
{
    OK(chdir("/tmp"));
    unlink("/tmp/core");
    struct rlimit rl = { 0, RLIM_INFINITY };
    OK(setrlimit(RLIMIT_CORE, &rl));
    int st = ctest_spawn(do_abort, NULL);
    CHECK_KILLED(st, SIGABRT);
    CHECKF(!WCOREDUMP(st), "core bit with RLIMIT_CORE 0 (wait status 0x%x)", st);
    struct stat sb;
    ERR(stat("/tmp/core", &sb), ENOENT);
    rl.rlim_cur = RLIM_INFINITY;
    OK(setrlimit(RLIMIT_CORE, &rl));
    st = ctest_spawn(undumpable_abort, NULL);
    CHECK_KILLED(st, SIGABRT);
    CHECKF(!WCOREDUMP(st), "core bit though not dumpable (wait status 0x%x)", st);
    ERR(stat("/tmp/core", &sb), ENOENT);
    /* A page is the least a dump needs (ELF's min_coredump). */
    rl.rlim_cur = 4095;
    OK(setrlimit(RLIMIT_CORE, &rl));
    st = ctest_spawn(do_abort, NULL);
    CHECK_KILLED(st, SIGABRT);
    CHECKF(!WCOREDUMP(st), "core bit with RLIMIT_CORE 4095 (wait status 0x%x)", st);
    ERR(stat("/tmp/core", &sb), ENOENT);
}

/* A limit too small for the whole dump: the writes stop at the limit, yet the core bit is set
 * (Linux's elf_core_dump reports a dump once its notes are gathered); an old "core" is
 * replaced (Linux unlinks it first). */
static void core_limit_truncates_and_replaces(void)
{
    OK(chdir("/tmp"));
    int fd = OK(open("/tmp/core", O_CREAT | O_WRONLY | O_TRUNC, 0644));
    OK(write(fd, "old", 3));
    OK(close(fd));
    struct rlimit rl = { 8192, RLIM_INFINITY };
    OK(setrlimit(RLIMIT_CORE, &rl));
    int st = ctest_spawn(fill_and_abort, NULL);
    CHECK_KILLED(st, SIGABRT);
    CHECKF(WCOREDUMP(st), "no core bit for a cut dump (wait status 0x%x)", st);
    struct stat sb;
    OK(stat("/tmp/core", &sb));
    /* The limit counts the bytes written; holes (pages never touched) are skipped, not
     * written, so the size may pass it but the blocks do not. */
    CHECKF(sb.st_size > 3, "core of %lld bytes", (long long)sb.st_size);
    CHECKF(sb.st_blocks * 512 <= 8192, "core of %lld blocks with RLIMIT_CORE 8192", (long long)sb.st_blocks);
    CHECK_EQ(sb.st_mode & 0777, 0600 & ~umask(umask(0)));
    unlink("/tmp/core");
}

/* A thread other than the main one aborts while its siblings sleep and spin: they are ended
 * first, the dump is written and the status has the core bit. */
static void *sleeper(void *arg)
{
    (void)arg;
    while (!hits)
        pause();
    return NULL;
}

static void *spinner(void *arg)
{
    volatile unsigned long *n = arg;
    while (!hits)
        (*n)++;
    return NULL;
}

static void *aborter(void *arg)
{
    (void)arg;
    ctest_sleep_ms(20);
    abort();
}

static int threads_then_abort(void *arg)
{
    (void)arg;
    static unsigned long spins;
    pthread_t t[3];
    pthread_create(&t[0], NULL, sleeper, NULL);
    pthread_create(&t[1], NULL, spinner, (void *)&spins);
    pthread_create(&t[2], NULL, aborter, NULL);
    while (!hits)
        pause();
    return 0;
}

static void threaded_abort_dumps_core(void)
{
    expect_core_dump(threads_then_abort);
}

/* ---- stop and continue ---- */
static void sigstop_sigcont_waitpid(void)
{
    pid_t p = ctest_fork();
    if (p == 0) {
        for (;;)
            pause();
    }
    int st;
    OK(kill(p, SIGSTOP));
    CHECK_EQ(waitpid(p, &st, WUNTRACED), p);
    CHECKF(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "wait status 0x%x, want stopped by SIGSTOP", st);
    CHECK_EQ(waitpid(p, &st, WUNTRACED | WNOHANG), 0); /* reported once */
    OK(kill(p, SIGCONT));
    CHECK_EQ(waitpid(p, &st, WCONTINUED), p);
    CHECKF(WIFCONTINUED(st), "wait status 0x%x, want continued", st);
    OK(kill(p, SIGTSTP));
    CHECK_EQ(waitpid(p, &st, WUNTRACED), p);
    CHECKF(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP, "wait status 0x%x, want stopped by SIGTSTP", st);
    OK(kill(p, SIGTERM)); /* pending while stopped */
    ctest_sleep_ms(50);
    CHECK_EQ(waitpid(p, &st, WNOHANG), 0);
    OK(kill(p, SIGCONT));
    CHECK_KILLED(ctest_wait(p), SIGTERM);
    /* SIGKILL ends a stopped process */
    p = ctest_fork();
    if (p == 0) {
        raise(SIGSTOP);
        _exit(0);
    }
    CHECK_EQ(waitpid(p, &st, WUNTRACED), p);
    CHECK(WIFSTOPPED(st));
    OK(kill(p, SIGKILL));
    CHECK_KILLED(ctest_wait(p), SIGKILL);
}

/* ---- exec ---- */
static int child_sigs(void)
{
    struct sigaction sa;
    sigset_t now;
    stack_t ss;
    if (sigaction(SIGUSR1, NULL, &sa) || sa.sa_handler != SIG_IGN)
        return 31; /* ignored stays ignored */
    if (sigaction(SIGUSR2, NULL, &sa) || sa.sa_handler != SIG_DFL)
        return 32; /* a handler is reset to the default */
    if (sigprocmask(SIG_BLOCK, NULL, &now) || !sigismember(&now, SIGTERM))
        return 33; /* the mask is kept */
    if (sigaltstack(NULL, &ss) || ss.ss_flags != SS_DISABLE)
        return 34; /* no alternate stack */
    sigset_t pend;
    if (sigpending(&pend) || !sigismember(&pend, SIGTERM))
        return 35; /* pending signals are kept */
    return 0;
}

static void exec_resets_handlers_keeps_ignored_and_mask(void)
{
    pid_t p = ctest_fork();
    if (p == 0) {
        signal(SIGUSR1, SIG_IGN);
        on(SIGUSR2, record, 0);
        block(SIGTERM, SIG_BLOCK);
        char *alt2 = MMAP(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        stack_t ss = { .ss_sp = alt2, .ss_size = 65536 };
        OK(sigaltstack(&ss, NULL));
        raise(SIGTERM);
        char *argv[] = { (char *)ctest_self, "--child-sigs", NULL };
        execv(ctest_self, argv);
        FAIL("execv: %s", ctest_errname(errno));
    }
    int st = ctest_wait(p);
    CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0,
           "exec'd program: status %d (31: SIG_IGN lost, 32: handler kept, 33: mask lost, 34: altstack kept, 35: pending lost)",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static const struct ctest cases[] = {
    CASE(siginfo_from_raise_kill_sigqueue),
    CASE(plain_handler_and_signal),
    CASE(segv_maperr_address),
    CASE(segv_accerr_mprotect_resume),
    CASE(sigill_skip_via_ucontext),
    CASE(sigtrap_int3),
    CASE(sigfpe_integer_divide),
    CASE(sigbus_past_eof),
    CASE(sigbus_after_ftruncate),
    CASE(sigalrm_interrupts_pause),
    CASE(sigsuspend_waits_for_signal),
    CASE(sigtimedwait_pending_and_timeout),
    CASE(sigchld_counting),
    CASE(sigchld_ignored_autoreaps),
    CASE(masked_then_delivered),
    CASE(rt_signals_queue_in_order),
    CASE(ignored_signal_is_discarded),
    CASE(sa_nodefer_and_default_deferral),
    CASE(sa_mask_during_handler),
    CASE(sa_resethand),
    CASE(sigaltstack_onstack),
    CASE(stack_overflow_caught_on_altstack),
    CASE(bad_signal_stack_kills_with_segv),
    CASE(siglongjmp_restores_mask),
    CASE(sa_restart_restarts_read),
    CASE(no_sa_restart_read_eintr),
    CASE(nanosleep_eintr_remaining),
    CASE_T(handler_uses_fpu_while_main_computes, 30),
    CASE(default_actions),
    CASE(abort_status_without_core_limit),
    CASE(abort_dumps_core_with_limit),
    CASE(core_file_is_elf_core),
    CASE(no_core_without_limit_or_dumpable),
    CASE(core_limit_truncates_and_replaces),
    CASE(threaded_abort_dumps_core),
    CASE(sigstop_sigcont_waitpid),
    CASE(exec_resets_handlers_keeps_ignored_and_mask),
};

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--child-sigs") == 0)
        return child_sigs();
    return CTEST_MAIN(argc, argv, cases);
}
