/* c_aslr — the address-space layout and its randomization, as Linux 6.1 i386: two execs get
 * different stacks, mmap areas and brk starts but compute the same; personality
 * (ADDR_NO_RANDOMIZE, what `setarch -R` sets) and randomize_va_space=0 give identical layouts,
 * inherited by children; level 1 leaves brk alone; mmap is top-down below the stack (also with
 * an unlimited stack, as on x86), legacy
 * (ADDR_COMPAT_LAYOUT, `setarch -L`) bottom-up from TASK_SIZE/3. */
#include "ctest.h"

#include <fcntl.h>
#include <sys/personality.h>
#include <sys/resource.h>

#define RVS "/proc/sys/kernel/randomize_va_space"

struct layout {
    unsigned long stack, map1, map2, brk, personality;
    unsigned result;
};

/* Run by exec (--child-layout): one line with where things landed and what it computed. */
static int child_layout(void)
{
    int local = 0;
    void *m1 = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *m2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *b = sbrk(0);
    unsigned sum = 0;
    for (unsigned i = 0; i < 1000; i++)
        sum = sum * 31 + i;
    printf("%lx %lx %lx %lx %lx %u\n", (unsigned long)&local, (unsigned long)m1, (unsigned long)m2,
           (unsigned long)b, (unsigned long)personality(0xffffffff), sum);
    return m1 == MAP_FAILED || m2 == MAP_FAILED;
}

/* Execs this program with --child-layout and reads its line. */
static struct layout run_child(void)
{
    int p[2];
    OK(pipe(p));
    pid_t pid = OK(fork());
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        char *argv[] = { (char *)ctest_self, "--child-layout", NULL };
        execv(ctest_self, argv);
        _exit(127);
    }
    close(p[1]);
    char buf[256];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = 0;
    close(p[0]);
    int status;
    OK(waitpid(pid, &status, 0));
    CHECK_EXIT(status, 0);
    struct layout l;
    if (sscanf(buf, "%lx %lx %lx %lx %lx %u", &l.stack, &l.map1, &l.map2, &l.brk, &l.personality, &l.result) != 6)
        FAIL("child printed '%s'", buf);
    return l;
}

static int read_rvs(void)
{
    char buf[16] = { 0 };
    int fd = open(RVS, O_RDONLY);
    if (fd < 0)
        FAIL("open %s: %s", RVS, ctest_errname(errno));
    OK(read(fd, buf, sizeof buf - 1));
    close(fd);
    return atoi(buf);
}

static void write_rvs(const char *text)
{
    int fd = open(RVS, O_WRONLY);
    if (fd < 0)
        FAIL("open %s for writing: %s", RVS, ctest_errname(errno));
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        FAIL("write '%s' to %s: %s", text, RVS, ctest_errname(errno));
    close(fd);
}

static int differ(unsigned long a, unsigned long b, unsigned long c)
{
    return a != b || b != c;
}

/* Three execs at level 2: the stack, the mmap area and the brk start each take at least two
 * places (the chance that 8 bits of mmap randomization repeat three times is 1/65536). */
static void randomized_execs_differ_and_compute_the_same(void)
{
    CHECK_EQ(read_rvs(), 2);
    struct layout a = run_child(), b = run_child(), c = run_child();
    CHECKF(differ(a.stack, b.stack, c.stack), "stack %lx each time", a.stack);
    CHECKF(differ(a.map1, b.map1, c.map1), "mmap %lx each time", a.map1);
    CHECKF(differ(a.brk, b.brk, c.brk), "brk %lx each time", a.brk);
    CHECK(a.result == b.result && b.result == c.result);
}

/* setarch -R: identical layouts in every child, the personality inherited across fork and
 * exec. */
static void no_randomize_personality_gives_identical_layouts(void)
{
    CHECK_EQ(personality(0xffffffff) & ADDR_NO_RANDOMIZE, 0);
    int old = personality(ADDR_NO_RANDOMIZE);
    CHECK_EQ(old & ADDR_NO_RANDOMIZE, 0);
    CHECK_EQ(personality(0xffffffff), ADDR_NO_RANDOMIZE);
    struct layout a = run_child(), b = run_child();
    CHECK_EQ(a.personality, ADDR_NO_RANDOMIZE);
    CHECK(a.stack == b.stack && a.map1 == b.map1 && a.map2 == b.map2 && a.brk == b.brk);
    CHECK_EQ(a.result, b.result);
    /* Linux's fixed layout: mmap_base 0xB8000000 (128 MiB below the 3 GiB stack top). */
    CHECKF(a.map1 < 0xB8000000ul && a.map1 >= 0xB7000000ul, "mmap at %lx", a.map1);
    CHECKF(a.stack > 0xBF000000ul && a.stack < 0xC0000000ul, "stack at %lx", a.stack);
}

/* The top-down layout: mmap below the stack and above brk, each new one below the last. */
static void mmap_is_top_down_between_brk_and_stack(void)
{
    struct layout a = run_child();
    CHECKF(a.brk < a.map2 && a.map2 < a.map1 && a.map1 < a.stack, "brk %lx map2 %lx map1 %lx stack %lx",
           a.brk, a.map2, a.map1, a.stack);
    /* mmap_base is 128 MiB below the top less up to 1 MiB; the stack top moves down by up to
     * 8 MiB. */
    CHECKF(a.stack - a.map1 >= 118ul << 20, "only %lx between mmap and stack", a.stack - a.map1);
}

/* x86 keeps the top-down layout with an unlimited stack (only the personality or
 * legacy_va_layout select the legacy one): mmap_base is then TASK_SIZE less its 5/6 clamp. */
static void unlimited_stack_is_top_down_from_512m(void)
{
    struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
    OK(setrlimit(RLIMIT_STACK, &rl));
    personality(ADDR_NO_RANDOMIZE);
    struct layout a = run_child();
    CHECKF(a.map1 < 0x20000000ul && a.map1 >= 0x1FF00000ul && a.map2 < a.map1, "map1 %lx map2 %lx", a.map1, a.map2);
}

/* setarch -L -R: the legacy layout, bottom-up from TASK_SIZE / 3. */
static void compat_layout_is_bottom_up_from_a_third(void)
{
    personality(ADDR_COMPAT_LAYOUT | ADDR_NO_RANDOMIZE);
    struct layout a = run_child();
    CHECKF(a.map1 >= 0x40000000ul && a.map1 < 0x40100000ul && a.map2 > a.map1, "map1 %lx map2 %lx",
           a.map1, a.map2);
}

/* randomize_va_space: 0 turns everything off, 1 all but brk; root may write it, garbage is
 * EINVAL; restored to 2 afterwards. */
static void randomize_va_space_levels(void)
{
    if (geteuid() != 0)
        SKIP("needs root");
    write_rvs("0\n");
    CHECK_EQ(read_rvs(), 0);
    struct layout a = run_child(), b = run_child();
    write_rvs("1");
    struct layout c = run_child(), d = run_child(), e = run_child();
    int fd = open(RVS, O_WRONLY);
    ssize_t w = write(fd, "two", 3);
    int err = errno;
    close(fd);
    write_rvs("2\n");
    CHECK(a.stack == b.stack && a.map1 == b.map1 && a.brk == b.brk);
    CHECKF(c.brk == d.brk && d.brk == e.brk, "brk %lx %lx %lx at level 1", c.brk, d.brk, e.brk);
    CHECKF(differ(c.map1, d.map1, e.map1), "mmap %lx each time at level 1", c.map1);
    CHECK(w == -1 && err == EINVAL);
    CHECK_EQ(read_rvs(), 2);
}

static const struct ctest cases[] = {
    CASE(randomized_execs_differ_and_compute_the_same),
    CASE(no_randomize_personality_gives_identical_layouts),
    CASE(mmap_is_top_down_between_brk_and_stack),
    CASE(unlimited_stack_is_top_down_from_512m),
    CASE(compat_layout_is_bottom_up_from_a_third),
    CASE(randomize_va_space_levels),
};

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--child-layout") == 0)
        return child_layout();
    return CTEST_MAIN(argc, argv, cases);
}
