/* c_basic — a glibc program's basics: FPU/SSE state per process (two processes computing
 * doubles at once, rounding modes, the state after fork and exec), printf of doubles, malloc
 * on the brk and mmap paths, fork/exec/wait, setjmp/longjmp, pids, errno values, the
 * auxiliary vector glibc reads, SSE2 string functions. */
#include "ctest.h"

#include <cpuid.h>
#include <emmintrin.h>
#include <fcntl.h>
#include <fenv.h>
#include <math.h>
#include <setjmp.h>
#include <sys/auxv.h>

extern char end[];   /* end of bss: the brk heap starts above it */
extern char _start[];

static unsigned short x87_cw(void)
{
    unsigned short cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}

static unsigned x87_sw(void)
{
    unsigned short sw;
    __asm__ volatile("fnstsw %0" : "=m"(sw));
    return sw;
}

static unsigned mxcsr(void)
{
    unsigned m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    return m;
}

static unsigned cpuid_edx(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    return d;
}

static int have_sse2(void) { return (cpuid_edx() >> 26) & 1; }

/* x87: keeps several values on the register stack through a long loop. */
static __attribute__((noinline)) double work_x87(double seed, int n)
{
    double x = seed, y = 1.0 / seed;
    long double z = seed;
    for (int i = 1; i <= n; i++) {
        x = x * 1.0000001 + y / (double)i;
        y = sqrt(y * y + 0.25) - 0.4;
        z = z * 0.999999L + (long double)x * 1e-7L;
    }
    return x + y + (double)z;
}

/* SSE2: the same idea in xmm registers. */
static __attribute__((noinline, target("sse2"))) double work_sse(double seed, int n)
{
    __m128d a = _mm_set_pd(seed, seed + 1.0), b = _mm_set_pd(0.5, 0.25);
    const __m128d m = _mm_set1_pd(1.0000001), q = _mm_set1_pd(0.125);
    for (int i = 1; i <= n; i++) {
        a = _mm_add_pd(_mm_mul_pd(a, m), _mm_div_pd(b, _mm_set1_pd((double)i)));
        b = _mm_sub_pd(_mm_sqrt_pd(_mm_add_pd(_mm_mul_pd(b, b), q)), _mm_set1_pd(0.3));
    }
    double r[2];
    _mm_storeu_pd(r, _mm_add_pd(a, b));
    return r[0] * 3.0 + r[1];
}

#define ROUNDS 40
#define ITERS 20000

/* Both processes compute at once (each its own seed), comparing every round bit for bit and as
 * printed text with what this process computed alone before the fork. */
static void isolation(double (*work)(double, int))
{
    double want[2];
    char want_s[2][64];
    for (int k = 0; k < 2; k++) {
        want[k] = work(1.5 + k, ITERS);
        snprintf(want_s[k], sizeof want_s[k], "%.17g", want[k]);
    }
    pid_t p = ctest_fork();
    int k = p == 0;
    for (int r = 0; r < ROUNDS; r++) {
        double got = work(1.5 + k, ITERS);
        char s[64];
        snprintf(s, sizeof s, "%.17g", got);
        if (memcmp(&got, &want[k], sizeof got) != 0 || strcmp(s, want_s[k]) != 0)
            FAIL("%s, round %d: got %s, want %s", k ? "child" : "parent", r, s, want_s[k]);
        sched_yield();
    }
    if (p == 0)
        _exit(0);
    CHECK_EXIT(ctest_wait(p), 0);
}

static void fpu_x87_isolation(void) { isolation(work_x87); }

static void fpu_sse_isolation(void)
{
    if (!have_sse2())
        SKIP("no SSE2 in CPUID");
    isolation(work_sse);
}

/* Parent rounds upward, child downward: the modes (x87 CW and MXCSR) are per process. */
static void fpu_rounding_mode_isolation(void)
{
    static const int modes[2] = { FE_UPWARD, FE_DOWNWARD };
    volatile double three = 3.0;
    double want[2];
    for (int k = 0; k < 2; k++) {
        fesetround(modes[k]);
        volatile double w = 1.0 / three;
        want[k] = w;
    }
    fesetround(FE_TONEAREST);
    CHECK(want[0] != want[1]);
    pid_t p = ctest_fork();
    int k = p == 0;
    CHECK_EQ(fesetround(modes[k]), 0);
    for (int r = 0; r < 2000; r++) {
        volatile double got = 1.0 / three; /* stored: no x87 excess precision */
        if (got != want[k])
            FAIL("%s, round %d: 1/3 = %a, want %a", k ? "child" : "parent", r, got, want[k]);
        if (fegetround() != modes[k])
            FAIL("%s, round %d: rounding mode 0x%x, want 0x%x", k ? "child" : "parent", r, fegetround(), modes[k]);
        if ((r & 15) == 0)
            sched_yield();
    }
    if (p == 0)
        _exit(0);
    CHECK_EXIT(ctest_wait(p), 0);
}

/* A forked child starts with its parent's FPU state (control word, MXCSR, registers' mode). */
static void fpu_state_copied_by_fork(void)
{
    CHECK_EQ(fesetround(FE_TOWARDZERO), 0);
    unsigned short cw = x87_cw();
    unsigned m = have_sse2() ? mxcsr() : 0;
    pid_t p = ctest_fork();
    if (p == 0) {
        CHECK_EQ(x87_cw(), cw);
        if (have_sse2())
            CHECK_EQ(mxcsr(), m);
        CHECK_EQ(fegetround(), FE_TOWARDZERO);
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(p), 0);
}

/* Run by exec (--child-fpu): a new program starts with Linux's defaults whatever its parent
 * had: x87 control word 0x037f, status word 0, MXCSR 0x1f80. Exit 0 or 10 + which. */
static int child_fpu(void)
{
    if (x87_cw() != 0x037f)
        return 11;
    if ((x87_sw() & 0x3fff) != 0)
        return 12;
    if (have_sse2() && mxcsr() != 0x1f80)
        return 13;
    return 0;
}

static void fpu_defaults_after_exec(void)
{
    pid_t p = ctest_fork();
    if (p == 0) {
        fesetround(FE_DOWNWARD);
        volatile double z = 0.0;
        (void)(1.0 / z); /* sets a sticky exception flag */
        char *argv[] = { (char *)ctest_self, "--child-fpu", NULL };
        execv(ctest_self, argv);
        FAIL("execv %s: %s", ctest_self, ctest_errname(errno));
    }
    int st = ctest_wait(p);
    CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0,
           "exec'd program: status %d (11: x87 CW, 12: x87 SW, 13: MXCSR not the default)",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void printf_doubles(void)
{
    static const struct { const char *fmt; double v; const char *want; } t[] = {
        { "%.17g", 0.1, "0.10000000000000001" },
        { "%f", 1e10, "10000000000.000000" },
        { "%e", 12345.678, "1.234568e+04" },
        { "%g", 1e-5, "1e-05" },
        { "%.3f", -2.5, "-2.500" },
        { "%a", 1.0, "0x1p+0" },
        { "%.0f", 2.5, "2" },
        { "%.0f", 3.5, "4" },
        { "%10.4f", 3.14159265358979, "    3.1416" },
        { "%.15f", 1.4142135623730951, "1.414213562373095" },
        { "%g", 1e100, "1e+100" },
        { "%.20g", 1.0 / 3.0, "0.33333333333333331483" },
        { "%f", -0.0, "-0.000000" },
        { "%f", 1.0 / 0.0, "inf" },
    };
    char buf[64];
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        snprintf(buf, sizeof buf, t[i].fmt, t[i].v);
        CHECKF(strcmp(buf, t[i].want) == 0, "printf(\"%s\") = \"%s\", want \"%s\"", t[i].fmt, buf, t[i].want);
    }
    snprintf(buf, sizeof buf, "%.20Lf", 1.0L / 3.0L);
    CHECKF(strcmp(buf, "0.33333333333333333334") == 0, "long double 1/3 = %s", buf);
    snprintf(buf, sizeof buf, "%.10f", sqrt(2.0) * sin(1.0) + exp(1.0) - log(10.0));
    CHECKF(strcmp(buf, "1.6057164145") == 0, "libm expression = %s", buf);
    CHECK(strtod("3.14159", NULL) == 3.14159);
    snprintf(buf, sizeof buf, "%.5f", strtod("2.718281828", NULL));
    CHECKF(strcmp(buf, "2.71828") == 0, "strtod round trip = %s", buf);
}

static void malloc_small_blocks(void)
{
    enum { N = 3000 };
    static unsigned char *p[N];
    char *b0 = sbrk(0);
    for (int i = 0; i < N; i++) {
        size_t len = (size_t)(i * 37) % 500 + 1;
        p[i] = malloc(len);
        CHECKF(p[i] != NULL, "malloc(%zu) #%d failed", len, i);
        memset(p[i], i & 0xff, len);
    }
    /* small blocks come from the brk heap, between the end of bss and the current break */
    char *b1 = sbrk(0);
    CHECKF(b1 > b0, "the break did not move (brk heap not used)");
    for (int i = 0; i < N; i++)
        CHECKF((char *)p[i] >= end && (char *)p[i] < b1, "block %d is outside the brk heap", i);
    for (int i = 0; i < N; i++) {
        size_t len = (size_t)(i * 37) % 500 + 1;
        for (size_t j = 0; j < len; j++)
            CHECKF(p[i][j] == (i & 0xff), "block %d byte %zu = %d", i, j, p[i][j]);
        if (i % 2)
            free(p[i]);
    }
    for (int i = 1; i < N; i += 2) {
        p[i] = calloc(1, 64);
        CHECK(p[i] != NULL);
        for (int j = 0; j < 64; j++)
            CHECKF(p[i][j] == 0, "calloc'd block not zero");
    }
    for (int i = 0; i < N; i++)
        free(p[i]);
}

static void malloc_huge_blocks(void)
{
    const size_t len = 48u << 20;
    char *b0 = sbrk(0);
    unsigned char *p = malloc(len);
    CHECKF(p != NULL, "malloc(48 MiB): %s", ctest_errname(errno));
    /* a huge block is its own mapping, not brk: the break does not move, the block is not in
     * the heap */
    CHECKF(sbrk(0) == b0, "the break moved for a huge block");
    CHECKF(!((char *)p >= end && (char *)p < b0), "the huge block is in the brk heap");
    for (size_t off = 0; off < len; off += 4096)
        *(unsigned *)(p + off) = (unsigned)(off >> 12) * 2654435761u;
    for (size_t off = 0; off < len; off += 4096)
        CHECKF(*(unsigned *)(p + off) == (unsigned)(off >> 12) * 2654435761u, "page %zu lost its tag", off >> 12);
    /* realloc of a mapped block grows it in place or moves it (mremap): contents kept */
    unsigned char *q = realloc(p, len * 2);
    CHECKF(q != NULL, "realloc to 96 MiB: %s", ctest_errname(errno));
    for (size_t off = 0; off < len; off += 4096)
        CHECKF(*(unsigned *)(q + off) == (unsigned)(off >> 12) * 2654435761u, "page %zu lost after realloc", off >> 12);
    q[len * 2 - 1] = 7;
    free(q);
    unsigned char *c = calloc(1, 8u << 20);
    CHECK(c != NULL);
    for (size_t off = 0; off < (8u << 20); off += 4093)
        CHECKF(c[off] == 0, "calloc'd 8 MiB not zero at %zu", off);
    free(c);
}

static int child_args(int argc, char **argv)
{
    const char *e = getenv("CTEST_ENV");
    if (argc != 4)
        return 20 + argc;
    if (strcmp(argv[2], "one") != 0 || strcmp(argv[3], "two words") != 0)
        return 3;
    if (!e || strcmp(e, "value=with=equals") != 0)
        return 4;
    return 0;
}

static void fork_exec_wait(void)
{
    pid_t p = ctest_fork();
    if (p == 0) {
        char *argv[] = { (char *)ctest_self, "--child-args", "one", "two words", NULL };
        char *envp[] = { "A=1", "CTEST_ENV=value=with=equals", NULL };
        execve(ctest_self, argv, envp);
        FAIL("execve %s: %s", ctest_self, ctest_errname(errno));
    }
    int st = ctest_wait(p);
    CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exec'd program exited %d (3: argv, 4: envp, 2x: argc)",
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    /* exit statuses travel unchanged through exit_group and wait */
    static const int codes[] = { 1, 42, 127, 128, 255, 256 + 7 };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        p = ctest_fork();
        if (p == 0) {
            char num[16];
            snprintf(num, sizeof num, "%d", codes[i]);
            char *argv[] = { (char *)ctest_self, "--child-exit", num, NULL };
            execv(ctest_self, argv);
            _exit(99);
        }
        CHECK_EXIT(ctest_wait(p), codes[i] & 0xff);
    }
}

static void exec_errors(void)
{
    char *argv[] = { "x", NULL };
    ERR(execv("/nonexistent/program", argv), ENOENT);
    ERR(execv("/", argv), EACCES);
    ERR(execv("", argv), ENOENT);
}

static void wait_for_several_children(void)
{
    pid_t pids[5];
    for (int i = 0; i < 5; i++) {
        pids[i] = ctest_fork();
        if (pids[i] == 0) {
            ctest_sleep_ms(10 * (5 - i));
            _exit(10 + i);
        }
    }
    int seen = 0;
    for (int n = 0; n < 5; n++) {
        int st;
        pid_t r = waitpid(-1, &st, 0);
        CHECKF(r > 0, "waitpid(-1): %s", ctest_errname(errno));
        int i;
        for (i = 0; i < 5 && pids[i] != r; i++)
            ;
        CHECKF(i < 5, "waitpid returned a pid that is not a child");
        CHECK_EXIT(st, 10 + i);
        CHECKF(!(seen & (1 << i)), "child %d reaped twice", i);
        seen |= 1 << i;
    }
    ERR(waitpid(-1, NULL, 0), ECHILD);
    /* WNOHANG on a running child: 0 */
    pid_t p = ctest_fork();
    if (p == 0) {
        ctest_sleep_ms(200);
        _exit(0);
    }
    int st;
    CHECK_EQ(waitpid(p, &st, WNOHANG), 0);
    CHECK_EXIT(ctest_wait(p), 0);
    /* killed children */
    p = ctest_fork();
    if (p == 0) {
        kill(getpid(), SIGTERM);
        _exit(0);
    }
    CHECK_KILLED(ctest_wait(p), SIGTERM);
}

static jmp_buf jb;
static int depth_reached;

static __attribute__((noinline)) void dive(int n)
{
    volatile char pad[256];
    pad[0] = (char)n;
    depth_reached = n + pad[0] - pad[0];
    if (n == 50)
        longjmp(jb, 0); /* 0 becomes 1 */
    if (n < 1000)
        dive(n + 1);
}

static void setjmp_longjmp(void)
{
    volatile int counter = 0;
    int r = setjmp(jb);
    if (r == 0) {
        counter = 1;
        longjmp(jb, 5);
    }
    if (r == 5) {
        CHECK_EQ(counter, 1);
        counter = 2;
        dive(0);
        FAIL("dive returned");
    }
    CHECK_EQ(r, 1);
    CHECK_EQ(counter, 2);
    CHECK_EQ(depth_reached, 50);
    /* a double kept in a volatile survives the jump */
    volatile double d = 0.25;
    if (setjmp(jb) == 0) {
        d = d * 3.0;
        longjmp(jb, 1);
    }
    CHECK(d == 0.75);
}

static void getpid_getppid(void)
{
    pid_t me = getpid();
    CHECK_EQ(syscall(SYS_getpid), me);
    CHECK(getppid() > 0);
    pid_t *shared = ctest_shared(4096);
    pid_t p = ctest_fork();
    if (p == 0) {
        shared[0] = getpid();
        shared[1] = getppid();
        shared[2] = (pid_t)syscall(SYS_getppid);
        shared[3] = ctest_gettid();
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(p), 0);
    CHECK_EQ(shared[0], p);
    CHECK_EQ(shared[1], me);
    CHECK_EQ(shared[2], me);
    CHECK_EQ(shared[3], p); /* a single-threaded process: tid = pid */
    CHECK(p != me);
    CHECK_EQ(ctest_gettid(), me);
}

static void errno_values(void)
{
    char buf[16];
    ERR(open("/nonexistent-file", O_RDONLY), ENOENT);
    ERR(open("/nonexistent-dir/file", O_RDONLY), ENOENT);
    ERR(read(-1, buf, 1), EBADF);
    ERR(read(999, buf, 1), EBADF);
    ERR(write(-1, buf, 1), EBADF);
    ERR(close(-1), EBADF);
    ERR(close(999), EBADF);
    ERR(munmap((void *)0x10001, 4096), EINVAL);
    ERR(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    ERR(waitpid(-1, NULL, 0), ECHILD);
    ERR(syscall(0x7fff), ENOSYS);
    pid_t p = ctest_fork();
    if (p == 0)
        _exit(0);
    ctest_wait(p);
    ERR(kill(p, 0), ESRCH); /* reaped: gone */
    ERR(kill(getpid(), 12345), EINVAL);
    CHECK_EQ(kill(getpid(), 0), 0);
    errno = 0;
    CHECK_EQ(getpid() > 0, 1);
    CHECK_EQ(errno, 0); /* success leaves errno alone */
}

static void exit_runs_atexit(void)
{
    static volatile int *flag;
    flag = ctest_shared(4096);
    void handler(void) { *flag += 1; }
    pid_t p = ctest_fork();
    if (p == 0) {
        atexit(handler);
        exit(3);
    }
    CHECK_EXIT(ctest_wait(p), 3);
    CHECK_EQ(*flag, 1);
    p = ctest_fork();
    if (p == 0) {
        atexit(handler);
        _exit(4); /* no atexit handlers */
    }
    CHECK_EXIT(ctest_wait(p), 4);
    CHECK_EQ(*flag, 1);
}

/* glibc's string functions pick SSE2 variants from CPUID: they must give the plain results at
 * every alignment (needs CR4.OSFXSR). */
static void sse_string_functions(void)
{
    static unsigned char src[8192], dst[8192], ref[8192];
    for (int i = 0; i < 8192; i++)
        src[i] = (unsigned char)(i * 7 + 3);
    for (int sa = 0; sa < 16; sa++)
        for (int da = 0; da < 16; da++)
            for (int len = 0; len < 300; len += 7) {
                memset(dst, 0xee, 400);
                memcpy(dst + da, src + sa, len);
                for (int i = 0; i < 400; i++) {
                    int want = (i >= da && i < da + len) ? src[sa + i - da] : 0xee;
                    if (dst[i] != want)
                        FAIL("memcpy(dst+%d, src+%d, %d): byte %d = %d, want %d", da, sa, len, i, dst[i], want);
                }
                CHECK(memcmp(dst + da, src + sa, len) == 0);
            }
    memcpy(ref, src, sizeof ref);
    memmove(ref + 3, ref, 5000);
    for (int i = 0; i < 5000; i++)
        CHECKF(ref[i + 3] == src[i], "memmove byte %d", i);
    for (int a = 0; a < 32; a++)
        for (int len = 0; len < 100; len++) {
            char *s = (char *)dst + a;
            memset(s, 'x', len);
            s[len] = 0;
            CHECKF(strlen(s) == (size_t)len, "strlen at alignment %d, length %d = %zu", a, len, strlen(s));
            CHECK(len == 0 || strchr(s, 'x') == s);
            CHECK(strchr(s, 'y') == NULL);
        }
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    big[4321] = 'b';
    CHECK(strchr(big, 'b') == big + 4321);
    CHECK(strrchr(big, 'a') == big + 4998);
    CHECK(memchr(big, 'b', sizeof big) == big + 4321);
}

static char **main_envp;

/* The kernel's own auxiliary vector entry (after envp's NULL on the initial stack): glibc's
 * getauxval(AT_HWCAP) is glibc's rewritten value on x86 (HWCAP_X86_SSE2 etc.). */
static unsigned long raw_auxv(unsigned long type)
{
    char **e = main_envp;
    while (*e)
        e++;
    for (unsigned long *a = (unsigned long *)(e + 1); a[0] != AT_NULL; a += 2)
        if (a[0] == type)
            return a[1];
    return 0;
}

/* The auxiliary vector glibc reads, as Linux fills it for a static i386 program. */
static void auxv_for_glibc(void)
{
    CHECK_EQ(getauxval(AT_PAGESZ), 4096);
    CHECK_EQ(getauxval(AT_CLKTCK), 100);
    CHECK_EQ(sysconf(_SC_CLK_TCK), 100);
    CHECK_EQ(getauxval(AT_UID), getuid());
    CHECK_EQ(getauxval(AT_EUID), geteuid());
    CHECK_EQ(getauxval(AT_GID), getgid());
    CHECK_EQ(getauxval(AT_EGID), getegid());
    CHECK_EQ(getauxval(AT_SECURE), 0);
    CHECK_EQ(getauxval(AT_ENTRY), (uintptr_t)_start);
    CHECK_EQ(getauxval(AT_BASE), 0);
    CHECK(getauxval(AT_PHDR) != 0);
    CHECK_EQ(getauxval(AT_PHENT), 32);
    CHECK(getauxval(AT_PHNUM) > 0);
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    CHECKF(plat && strcmp(plat, "i686") == 0, "AT_PLATFORM = %s, want i686", plat ? plat : "(none)");
    unsigned hw = raw_auxv(AT_HWCAP);
    CHECK_EQ(raw_auxv(AT_PAGESZ), 4096);
    CHECKF(hw & 1, "AT_HWCAP 0x%x lacks FPU", hw);
    CHECKF((hw & (1u << 25)) == (cpuid_edx() & (1u << 25)), "AT_HWCAP 0x%x and CPUID 0x%x differ on SSE", hw, cpuid_edx());
    CHECKF((hw & (1u << 26)) == (cpuid_edx() & (1u << 26)), "AT_HWCAP 0x%x and CPUID 0x%x differ on SSE2", hw, cpuid_edx());
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    CHECK(rnd != NULL);
    int nonzero = 0;
    for (int i = 0; i < 16; i++)
        nonzero |= rnd[i];
    CHECKF(nonzero, "AT_RANDOM's 16 bytes are all zero");
    const char *fn = (const char *)getauxval(AT_EXECFN);
    CHECKF(fn && strcmp(fn, ctest_self) == 0, "AT_EXECFN = %s, want %s", fn ? fn : "(none)", ctest_self);
}

static const struct ctest cases[] = {
    CASE_T(fpu_x87_isolation, 120),
    CASE_T(fpu_sse_isolation, 120),
    CASE(fpu_rounding_mode_isolation),
    CASE(fpu_state_copied_by_fork),
    CASE(fpu_defaults_after_exec),
    CASE(printf_doubles),
    CASE(malloc_small_blocks),
    CASE_T(malloc_huge_blocks, 60),
    CASE(fork_exec_wait),
    CASE(exec_errors),
    CASE(wait_for_several_children),
    CASE(setjmp_longjmp),
    CASE(getpid_getppid),
    CASE(errno_values),
    CASE(exit_runs_atexit),
    CASE_T(sse_string_functions, 60),
    CASE(auxv_for_glibc),
};

int main(int argc, char **argv, char **envp)
{
    main_envp = envp;
    if (argc >= 2 && strcmp(argv[1], "--child-args") == 0)
        return child_args(argc, argv);
    if (argc == 3 && strcmp(argv[1], "--child-exit") == 0)
        return atoi(argv[2]);
    if (argc == 2 && strcmp(argv[1], "--child-fpu") == 0)
        return child_fpu();
    return CTEST_MAIN(argc, argv, cases);
}
