/* c_hostile — hostile signal frames and threads (issue 13, point 4): a handler that forges
 * its ucontext cannot make sigreturn set IOPL/NT/VM/VIF/VIP or clear IF, load a kernel,
 * system or out-of-range selector (CS/SS: SIGILL, Linux's iret fault; data registers: the
 * null selector), or return into the kernel (SIGSEGV at that address); an unreadable frame is
 * SIGSEGV; set_thread_area refuses code, 16-bit, not-present and out-of-range descriptors; a
 * thread unmapping a buffer another thread passes to pread/pwrite/futex/process_vm_readv
 * makes the call return a count or EFAULT, and a thread touching memory another unmaps gets
 * SIGSEGV (SEGV_MAPERR at an address in the range). */
#include "ctest.h"

#include <asm/ldt.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/uio.h>
#include <ucontext.h>

enum { EFL_CF = 0x1, EFL_IF = 0x200, EFL_OF = 0x800, EFL_IOPL = 0x3000, EFL_NT = 0x4000 };
enum { EFL_VM = 0x20000, EFL_VIF = 0x80000, EFL_VIP = 0x100000 };
#define EFL_BANNED (EFL_IOPL | EFL_NT | EFL_VM | EFL_VIF | EFL_VIP)

/* Selectors to forge: kernel code/data and TSS on our kernel (0x08, 0x10, 0x28) and on
 * Linux 6.1 i386 (0x60, 0x68, 0x80), an empty GDT slot, one past any GDT, an LDT selector. */
static const unsigned bad_selectors[] = { 0x08, 0x10, 0x28, 0x60, 0x68, 0x80, 0x50, 0xfff8, 0x0c };
#define NBAD (sizeof bad_selectors / sizeof bad_selectors[0])

static unsigned cur_cs(void) { unsigned v; __asm__("movl %%cs, %0" : "=r"(v)); return v & 0xffff; }
static unsigned cur_ss(void) { unsigned v; __asm__("movl %%ss, %0" : "=r"(v)); return v & 0xffff; }

static void on(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    OK(sigaction(sig, &sa, NULL));
}

/* What the SIGILL handler writes into the frame of the `ud2` it skips. */
static volatile int forge_reg = -1;
static volatile unsigned forge_val, forge_set, forge_clear;

static void forge(int sig, siginfo_t *si, void *ucv)
{
    greg_t *g = ((ucontext_t *)ucv)->uc_mcontext.gregs;
    g[REG_EIP] += 2;
    g[REG_EFL] = (g[REG_EFL] | forge_set) & ~forge_clear;
    if (forge_reg >= 0)
        g[forge_reg] = forge_val;
}

/* IOPL, NT, VM, VIF and VIP from the frame are dropped and IF stays set; CF and OF (user
 * flags) come back as the handler left them; cli is still privileged afterwards. */
static int cli_after_forged_iopl(void *arg)
{
    on(SIGILL, forge, 0);
    forge_set = EFL_IOPL;
    __asm__ volatile("ud2\n\tcli" ::: "memory");
    return 0;
}

static void sigreturn_eflags_sanitised(void)
{
    on(SIGILL, forge, 0);
    forge_set = EFL_BANNED | EFL_CF | EFL_OF;
    forge_clear = EFL_IF;
    unsigned fl;
    __asm__ volatile("ud2\n\tpushfl\n\tpopl %0" : "=r"(fl) : : "memory", "cc");
    CHECKF((fl & EFL_BANNED) == 0, "EFLAGS %#x after sigreturn", fl);
    CHECKF(fl & EFL_IF, "IF clear: EFLAGS %#x", fl);
    CHECKF((fl & (EFL_CF | EFL_OF)) == (EFL_CF | EFL_OF), "CF/OF not restored: EFLAGS %#x", fl);
    CHECK_KILLED(ctest_spawn(cli_after_forged_iopl, NULL), SIGSEGV);
}

/* A child forges register rv[0] = rv[1] (SA_RESETHAND: a second SIGILL is fatal). */
static int forge_child(void *arg)
{
    const unsigned *rv = arg;
    forge_reg = (int)rv[0];
    forge_val = rv[1];
    on(SIGILL, forge, SA_RESETHAND);
    __asm__ volatile("ud2" ::: "memory");
    return 0;
}

static void expect_forge_killed(int reg, unsigned val, int sig)
{
    unsigned rv[2] = { (unsigned)reg, val };
    int st = ctest_spawn(forge_child, rv);
    char b[96];
    CHECKF(WIFSIGNALED(st) && WTERMSIG(st) == sig, "gregs[%d] forged to %#x: child %s, want killed by %s",
           reg, val, ctest_wait_str(st, b, sizeof b), ctest_signame(sig));
}

/* CS or SS that are not the user's: the return faults, SIGILL (Linux's iret_error). The
 * user's own selectors with RPL 0 are fixed up (RPL forced to 3). */
static void sigreturn_bad_cs_ss_sigill(void)
{
    for (unsigned i = 0; i < NBAD; i++) {
        expect_forge_killed(REG_CS, bad_selectors[i] | 3, SIGILL);
        expect_forge_killed(REG_SS, bad_selectors[i] | 3, SIGILL);
    }
    expect_forge_killed(REG_CS, cur_ss(), SIGILL); /* data segment as code */
    expect_forge_killed(REG_SS, cur_cs(), SIGILL); /* code segment as stack */
    expect_forge_killed(REG_SS, 0, SIGILL);        /* null stack segment */
    on(SIGILL, forge, 0);
    forge_reg = REG_CS;
    forge_val = cur_cs() & ~3u;
    unsigned cs;
    __asm__ volatile("ud2\n\tmovl %%cs, %0" : "=r"(cs) : : "memory");
    CHECK_EQ(cs & 0xffff, cur_cs());
}

/* A data segment register that cannot be loaded comes back as the null selector (Linux's
 * segment-load fixup); a loadable user one (the code segment is readable) is kept. */
static unsigned fs_after_forged(unsigned sel)
{
    on(SIGILL, forge, 0);
    forge_reg = REG_FS;
    forge_val = sel;
    unsigned fs;
    __asm__ volatile("ud2\n\tmovl %%fs, %0" : "=r"(fs) : : "memory");
    forge_reg = -1;
    return fs & 0xffff;
}

static void sigreturn_bad_fs_is_null(void)
{
    for (unsigned i = 0; i < NBAD; i++) {
        unsigned fs = fs_after_forged(bad_selectors[i] | 3);
        CHECKF(fs == 0, "fs forged to %#x reads %#x", bad_selectors[i] | 3, fs);
        fs = fs_after_forged(bad_selectors[i]);
        CHECKF(fs == 0, "fs forged to %#x reads %#x", bad_selectors[i], fs);
    }
    CHECK_EQ(fs_after_forged(cur_cs()), cur_cs());
    CHECK_EQ(fs_after_forged(cur_ss() & ~3u), cur_ss() & ~3u); /* RPL 0 kept, as a mov would */
    CHECK_EQ(fs_after_forged(0), 0);
}

/* EIP forged to a kernel address: the return succeeds, the fetch faults in user mode. */
static void segv_exit(int sig, siginfo_t *si, void *ucv)
{
    greg_t *g = ((ucontext_t *)ucv)->uc_mcontext.gregs;
    if ((unsigned)(uintptr_t)si->si_addr != forge_val)
        _exit(10);
    if ((unsigned)g[REG_EIP] != forge_val)
        _exit(11);
    _exit(si->si_code == SEGV_MAPERR ? 0 : 20 + si->si_code);
}

static int kernel_eip_child(void *arg)
{
    on(SIGSEGV, segv_exit, 0);
    forge_reg = REG_EIP;
    forge_val = (unsigned)(uintptr_t)arg;
    on(SIGILL, forge, SA_RESETHAND);
    __asm__ volatile("ud2" ::: "memory");
    return 1;
}

static void sigreturn_kernel_eip_sigsegv(void)
{
    static const unsigned eips[] = { 0xc0000000, 0xc0100000, 0xd0000000, 0xfffff000, 0xffffffff };
    for (unsigned i = 0; i < sizeof eips / sizeof eips[0]; i++) {
        int st = ctest_spawn(kernel_eip_child, (void *)(uintptr_t)eips[i]);
        char b[96];
        CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "EIP %#x: child %s (10: si_addr, 11: EIP, 2x: si_code x)",
               eips[i], ctest_wait_str(st, b, sizeof b));
    }
}

/* sigreturn/rt_sigreturn with ESP at an unreadable frame: SIGSEGV. */
static int bad_frame_child(void *arg)
{
    unsigned *a = arg;
    __asm__ volatile("movl %0, %%esp\n\tmovl %1, %%eax\n\tint $0x80" : : "r"(a[1]), "r"(a[0]) : "eax", "memory");
    return 0;
}

static void sigreturn_unreadable_frame_sigsegv(void)
{
    static const unsigned sps[] = { 0x1000, 0xc0001000, 0xfffffff0, 0 };
    for (unsigned i = 0; i < sizeof sps / sizeof sps[0]; i++) {
        unsigned a[2] = { SYS_rt_sigreturn, sps[i] };
        CHECK_KILLED(ctest_spawn(bad_frame_child, a), SIGSEGV);
        a[0] = SYS_sigreturn;
        CHECK_KILLED(ctest_spawn(bad_frame_child, a), SIGSEGV);
    }
}

/* set_thread_area: only present 32-bit data segments in slots 6..8. */
static long sta(struct user_desc *d) { return syscall(SYS_set_thread_area, d); }

static struct user_desc data_desc(unsigned entry, void *base)
{
    return (struct user_desc){ .entry_number = entry, .base_addr = (unsigned)(uintptr_t)base, .limit = 0xfff,
                               .seg_32bit = 1, .useable = 1 };
}

static volatile unsigned tls_word[2] = { 0x600dcafe, 0x12345678 };

static void tls_refuses_bad_descriptors(void)
{
    struct user_desc d = data_desc(-1, (void *)tls_word);
    d.contents = 2; /* code */
    ERR(sta(&d), EINVAL);
    d.contents = 3; /* conforming code */
    ERR(sta(&d), EINVAL);
    d = data_desc(-1, (void *)tls_word);
    d.seg_32bit = 0; /* 16-bit */
    ERR(sta(&d), EINVAL);
    d = data_desc(-1, (void *)tls_word);
    d.seg_not_present = 1;
    ERR(sta(&d), EINVAL);
    static const unsigned entries[] = { 0, 1, 5, 9, 12, 13, 14, 15, 16, 31, 8192, 0x7fffffff, 0xfffffffe };
    for (unsigned i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        d = data_desc(entries[i], (void *)tls_word);
        errno = 0;
        CHECKF(sta(&d) == -1 && errno == EINVAL, "entry %u: %s, want EINVAL", entries[i], ctest_errname(errno));
        d.entry_number = entries[i];
        errno = 0;
        CHECKF(syscall(SYS_get_thread_area, &d) == -1 && errno == EINVAL, "get entry %u: %s", entries[i],
               ctest_errname(errno));
    }
    ERR(sta((struct user_desc *)0xc0000000), EFAULT);
    ERR(sta(NULL), EFAULT);
    /* A good one works: its base is ours. */
    d = data_desc(-1, (void *)tls_word);
    OK(sta(&d));
    CHECK(d.entry_number >= 6 && d.entry_number <= 8);
    unsigned sel = d.entry_number * 8 + 3, v;
    __asm__ volatile("movl %1, %%fs\n\tmovl %%fs:4, %0" : "=r"(v) : "r"(sel) : "memory");
    CHECK_EQ(v, 0x12345678);
    struct user_desc clear = { .entry_number = d.entry_number, .read_exec_only = 1, .seg_not_present = 1 };
    OK(sta(&clear));
    unsigned fs;
    __asm__ volatile("movl %%fs, %0" : "=r"(fs));
    CHECK_EQ(fs & 0xffff, 0); /* the freed slot's selector is not kept */
}

/* Races: a thread maps and unmaps the middle of a buffer while this one passes it to calls. */
#define RACE_LEN (16 * 4096)
static char *race_buf;
static atomic_int race_stop;
static atomic_long race_flips;

static void *flipper(void *arg)
{
    while (!atomic_load(&race_stop)) {
        OK(munmap(race_buf + 4 * 4096, 8 * 4096));
        sched_yield();
        void *p = mmap(race_buf + 4 * 4096, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        CHECK(p == race_buf + 4 * 4096);
        atomic_fetch_add(&race_flips, 1);
        sched_yield();
    }
    return NULL;
}

static pthread_t start_flipper(void)
{
    race_buf = MMAP(NULL, RACE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    atomic_store(&race_stop, 0);
    atomic_store(&race_flips, 0);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, flipper, NULL) == 0);
    return t;
}

static void stop_flipper(pthread_t t)
{
    atomic_store(&race_stop, 1);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(atomic_load(&race_flips) > 0);
}

static int race_running(long long t0) { return ctest_now_ns() - t0 < 300000000LL; }

/* A count between 0 and len, or EFAULT. */
#define CHECK_COUNT(expr, len) \
    do { errno = 0; long r_ = (long)(expr); \
         CHECKF((r_ >= 0 && r_ <= (long)(len)) || (r_ == -1 && errno == EFAULT), "%s = %ld (%s)", #expr, r_, \
                ctest_errname(errno)); } while (0)

static void unmap_race_pread_pwrite(void)
{
    char path[] = "/tmp/c_hostile_XXXXXX";
    int fd = OK(mkstemp(path));
    OK(unlink(path));
    static char zero[RACE_LEN];
    CHECK_EQ(write(fd, zero, RACE_LEN), RACE_LEN);
    pthread_t t = start_flipper();
    long long t0 = ctest_now_ns();
    while (race_running(t0)) {
        CHECK_COUNT(pread(fd, race_buf, RACE_LEN, 0), RACE_LEN);
        CHECK_COUNT(pwrite(fd, race_buf, RACE_LEN, 0), RACE_LEN);
    }
    stop_flipper(t);
    close(fd);
}

static void unmap_race_futex(void)
{
    pthread_t t = start_flipper();
    long long t0 = ctest_now_ns();
    struct timespec ts = { 0, 100000 };
    while (race_running(t0)) {
        int *w = (int *)(race_buf + 6 * 4096);
        errno = 0;
        long r = syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0);
        CHECKF(r == -1 && (errno == EAGAIN || errno == EFAULT || errno == ETIMEDOUT), "futex wait = %ld (%s)", r,
               ctest_errname(errno));
        errno = 0;
        r = syscall(SYS_futex, w, FUTEX_WAIT, 0, &ts, NULL, 0);
        CHECKF(r == -1 && (errno == EAGAIN || errno == EFAULT || errno == ETIMEDOUT), "shared futex wait = %ld (%s)",
               r, ctest_errname(errno));
    }
    stop_flipper(t);
}

static void unmap_race_process_vm_readv(void)
{
    static char local[RACE_LEN];
    pthread_t t = start_flipper();
    long long t0 = ctest_now_ns();
    while (race_running(t0)) {
        struct iovec l = { local, RACE_LEN }, r = { race_buf, RACE_LEN };
        CHECK_COUNT(process_vm_readv(getpid(), &l, 1, &r, 1, 0), RACE_LEN);
        struct iovec l2 = { race_buf, RACE_LEN }, r2 = { local, RACE_LEN };
        CHECK_COUNT(process_vm_readv(getpid(), &l2, 1, &r2, 1, 0), RACE_LEN);
        CHECK_COUNT(process_vm_writev(getpid(), &r2, 1, &l2, 1, 0), RACE_LEN);
    }
    stop_flipper(t);
}

/* A thread writing to memory that another thread unmaps gets SIGSEGV, SEGV_MAPERR, at an
 * address inside the range. */
static char *toucher_buf;

static void toucher_segv(int sig, siginfo_t *si, void *ucv)
{
    char *a = si->si_addr;
    if (a < toucher_buf || a >= toucher_buf + RACE_LEN)
        _exit(10);
    _exit(si->si_code == SEGV_MAPERR ? 0 : 20 + si->si_code);
}

static void *toucher(void *arg)
{
    for (unsigned i = 0;; i++)
        ((volatile char *)toucher_buf)[(i * 4096 + i) % RACE_LEN] = (char)i;
    return NULL;
}

static int fault_race_child(void *arg)
{
    on(SIGSEGV, toucher_segv, 0);
    toucher_buf = MMAP(NULL, RACE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, toucher, NULL) == 0);
    ctest_sleep_ms(20);
    OK(munmap(toucher_buf, RACE_LEN));
    ctest_sleep_ms(5000);
    return 3;
}

static void fault_racing_munmap_sigsegv(void)
{
    for (int i = 0; i < 5; i++)
        CHECK_EXIT(ctest_spawn(fault_race_child, NULL), 0);
}

static const struct ctest cases[] = {
    CASE(sigreturn_eflags_sanitised),
    CASE(sigreturn_bad_cs_ss_sigill),
    CASE(sigreturn_bad_fs_is_null),
    CASE(sigreturn_kernel_eip_sigsegv),
    CASE(sigreturn_unreadable_frame_sigsegv),
    CASE(tls_refuses_bad_descriptors),
    CASE(unmap_race_pread_pwrite),
    CASE(unmap_race_futex),
    CASE(unmap_race_process_vm_readv),
    CASE_T(fault_racing_munmap_sigsegv, 40),
};

int main(int argc, char **argv) { return CTEST_MAIN(argc, argv, cases); }
