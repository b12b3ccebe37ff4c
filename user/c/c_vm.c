/* c_vm — the VM at Linux parity (issue 12): mincore, mlock2 and lock-on-fault, mlockall
 * MCL_FUTURE|MCL_ONFAULT, munlock splitting, MAP_LOCKED, VmLck and smaps' lo, the madvise family
 * and its errors, mremap moving/fixed/dontunmap/duplicating/growing past a file's end,
 * process_vm_readv/writev on a child's copy-on-write pages, PROT_GROWSDOWN/GROWSUP. */
#include "ctest.h"

#include <fcntl.h>
#include <sys/uio.h>

#define PG 4096u
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static int mlock2_(void *a, size_t len, int flags) { return (int)syscall(376, a, len, flags); }

/* The residency vector of n pages at p as a string of '0'/'1' (or "ENOMEM"...). */
static const char *resident(void *p, unsigned n)
{
    static char s[80];
    unsigned char v[64];
    if (mincore(p, (size_t)n * PG, v) != 0) {
        snprintf(s, sizeof s, "%s", ctest_errname(errno));
        return s;
    }
    for (unsigned i = 0; i < n; i++)
        s[i] = (char)('0' + v[i]);
    s[n] = 0;
    return s;
}

#define CHECK_RES(p, n, want) \
    do { const char *r_ = resident(p, n); \
         if (strcmp(r_, want) != 0) FAIL("mincore %s = %s, want %s", #p, r_, want); } while (0)

/* A "Name: N kB" value from a /proc file (-1 when absent). */
static long proc_kb(const char *path, const char *name)
{
    FILE *f = fopen(path, "r");
    if (!f)
        FAIL("open %s: %s", path, ctest_errname(errno));
    char line[256];
    long v = -1;
    size_t n = strlen(name);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, name, n) == 0 && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* Whether the smaps entry of the area holding addr has VmFlags code `code`. */
static int smaps_flag(void *addr, const char *code)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        FAIL("open smaps: %s", ctest_errname(errno));
    char line[512];
    int in = 0, found = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            in = s <= (unsigned long)addr && (unsigned long)addr < e;
            continue;
        }
        if (in && strncmp(line, "VmFlags:", 8) == 0) {
            char pat[8];
            snprintf(pat, sizeof pat, " %s", code);
            char *p = strstr(line, pat);
            found = p && (p[3] == ' ' || p[3] == '\n');
            break;
        }
    }
    fclose(f);
    return found;
}

/* Areas of /proc/self/maps overlapping [p, p + len). */
static int areas_in(void *p, size_t len)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s < (unsigned long)p + len && e > (unsigned long)p)
            n++;
    }
    fclose(f);
    return n;
}

static char *anon(unsigned pages, int prot) { return MMAP(NULL, pages * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); }

static void mincore_anon_touch_dontneed_errors(void)
{
    char *p = anon(8, PROT_READ | PROT_WRITE);
    CHECK_RES(p, 8, "00000000");
    p[0] = 1;
    p[2 * PG] = 1;
    CHECK_EQ(((volatile char *)p)[5 * PG], 0); /* a read maps the zero page: resident */
    CHECK_RES(p, 8, "10100100");
    OK(madvise(p, PG, MADV_DONTNEED));
    CHECK_RES(p, 8, "00100100");
    unsigned char v[8];
    ERR(mincore(p + 1, PG, v), EINVAL);
    ERR(mincore(p, PG, NULL), EFAULT);
    ERR(mincore((void *)0xBFFFF000, 2 * PG, v), ENOMEM);
    OK(munmap(p + 4 * PG, PG));
    memset(v, 9, sizeof v);
    ERR(mincore(p, 8 * PG, v), ENOMEM);
    CHECKF(v[0] == 0 && v[2] == 1 && v[3] == 0, "the part before the hole: %d %d %d", v[0], v[2], v[3]);
    ERR(mincore(p + 4 * PG, PG, v), ENOMEM);
    /* a length that is not a page multiple still covers its last page */
    OK(mincore(p, 2 * PG + 1, v));
    CHECKF(v[2] == 1, "v[2] = %d", v[2]);
}

static void mincore_after_fork_populate_and_lock(void)
{
    char *p = anon(4, PROT_READ | PROT_WRITE);
    p[PG] = 7;
    pid_t c = ctest_fork();
    if (c == 0) {
        if (strcmp(resident(p, 4), "0100") != 0)
            _exit(1);
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(c), 0);
    char *q = MMAP(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    CHECK_RES(q, 4, "1111");
    char *r = anon(4, PROT_READ | PROT_WRITE);
    OK(mlock(r + PG, 2 * PG));
    CHECK_RES(r, 4, "0110");
    char *s = MMAP(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
    CHECK_RES(s, 3, "111");
    CHECK(smaps_flag(s, "lo"));
}

static void mlock2_onfault_locks_as_pages_fault_in(void)
{
    long lck0 = proc_kb("/proc/self/status", "VmLck");
    CHECK_EQ(lck0, 0);
    char *p = anon(4, PROT_READ | PROT_WRITE);
    ERR(mlock2_(p, 4 * PG, 2), EINVAL);
    OK(mlock2_(p, 4 * PG, MLOCK_ONFAULT));
    CHECK_RES(p, 4, "0000");
    CHECK_EQ(proc_kb("/proc/self/status", "VmLck"), 16);
    CHECK(smaps_flag(p, "lo"));
    p[2 * PG] = 1;
    CHECK_RES(p, 4, "0010");
    /* plain mlock of the same range populates it */
    OK(mlock(p, 4 * PG));
    CHECK_RES(p, 4, "1111");
    OK(munlock(p + PG, 2 * PG));
    CHECK_EQ(areas_in(p, 4 * PG), 3);
    CHECK_EQ(proc_kb("/proc/self/status", "VmLck"), 8);
    CHECK(!smaps_flag(p + PG, "lo"));
    OK(munlock(p, 4 * PG));
    CHECK_EQ(areas_in(p, 4 * PG), 1);
    CHECK_EQ(proc_kb("/proc/self/status", "VmLck"), 0);
}

static void locks_are_not_inherited_by_fork(void)
{
    char *p = anon(4, PROT_READ | PROT_WRITE);
    OK(mlock2_(p, 2 * PG, MLOCK_ONFAULT));
    OK(mlock(p + 2 * PG, 2 * PG));
    pid_t c = ctest_fork();
    if (c == 0)
        _exit(proc_kb("/proc/self/status", "VmLck") == 0 && !smaps_flag(p, "lo") && !smaps_flag(p + 2 * PG, "lo") ? 0 : 1);
    CHECK_EXIT(ctest_wait(c), 0);
    CHECK_EQ(proc_kb("/proc/self/status", "VmLck"), 16);
}

static void mlockall_future_onfault_is_lazy(void)
{
    OK(mlockall(MCL_FUTURE | MCL_ONFAULT));
    char *p = anon(4, PROT_READ | PROT_WRITE);
    CHECK_RES(p, 4, "0000");
    CHECK_EQ(proc_kb("/proc/self/status", "VmLck"), 16);
    p[PG] = 1;
    CHECK_RES(p, 4, "0100");
    OK(munlockall());
    CHECK_EQ(proc_kb("/proc/self/status", "VmLck"), 0);
    char *q = anon(2, PROT_READ | PROT_WRITE);
    CHECK(!smaps_flag(q, "lo"));
    OK(mlockall(MCL_FUTURE));
    char *r = anon(2, PROT_READ | PROT_WRITE);
    CHECK_RES(r, 2, "11");
    OK(munlockall());
    ERR(mlockall(MCL_ONFAULT), EINVAL);
    ERR(mlockall(0), EINVAL);
}

static void madvise_errors_per_advice(void)
{
    char *p = anon(4, PROT_READ | PROT_WRITE);
    char *sh = MMAP(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ERR(madvise(p, PG, 999), EINVAL);
    ERR(madvise(p + 1, PG, MADV_NORMAL), EINVAL);
    CHECK_EQ(madvise(p, 0, MADV_DONTNEED), 0);
    ERR(madvise(sh, PG, MADV_WIPEONFORK), EINVAL);
    ERR(madvise(sh, PG, MADV_FREE), EINVAL);
    ERR(madvise(p, PG, MADV_REMOVE), EINVAL);
    OK(mlock(p, PG));
    ERR(madvise(p, PG, MADV_DONTNEED), EINVAL);
    ERR(madvise(p, PG, MADV_FREE), EINVAL);
    ERR(madvise(p, PG, MADV_COLD), EINVAL);
    OK(munlock(p, PG));
    OK(madvise(p, 4 * PG, MADV_COLD));
    OK(madvise(p, 4 * PG, MADV_PAGEOUT));
    OK(madvise(p, 4 * PG, MADV_SEQUENTIAL));
    CHECK(smaps_flag(p, "sr"));
    OK(madvise(p, 4 * PG, MADV_RANDOM));
    CHECK(smaps_flag(p, "rr") && !smaps_flag(p, "sr"));
    OK(madvise(p, 4 * PG, MADV_NORMAL));
    OK(madvise(p, 4 * PG, MADV_WILLNEED));
    OK(madvise(p + PG, PG, MADV_DONTDUMP));
    CHECK(smaps_flag(p + PG, "dd") && !smaps_flag(p, "dd"));
    CHECK_EQ(areas_in(p, 4 * PG), 3);
    OK(madvise(p + PG, PG, MADV_DODUMP));
    CHECK_EQ(areas_in(p, 4 * PG), 1);
    /* a hole: the mapped parts are advised, then ENOMEM */
    OK(munmap(p + 2 * PG, PG));
    ERR(madvise(p, 4 * PG, MADV_DONTFORK), ENOMEM);
    ERR(madvise(p, 4 * PG, MADV_POPULATE_READ), ENOMEM);
    CHECK_RES(p, 2, "11");
    CHECK(smaps_flag(p, "dc") && smaps_flag(p + 3 * PG, "dc"));
    ERR(madvise((void *)0xBFFFF000, 2 * PG, MADV_NORMAL), ENOMEM);
    ERR(madvise(p, 0xFFFFFFFFu, MADV_NORMAL), EINVAL);
    /* populate */
    char *ro = anon(2, PROT_READ);
    ERR(madvise(ro, PG, MADV_POPULATE_WRITE), EINVAL);
    OK(madvise(ro, 2 * PG, MADV_POPULATE_READ));
    CHECK_RES(ro, 2, "11");
    char *none = anon(1, PROT_NONE);
    ERR(madvise(none, PG, MADV_POPULATE_READ), EINVAL);
    char *w = anon(3, PROT_READ | PROT_WRITE);
    OK(madvise(w, 3 * PG, MADV_POPULATE_WRITE));
    CHECK_RES(w, 3, "111");
}

static void madv_free_then_write_keeps_data(void)
{
    char *p = anon(2, PROT_READ | PROT_WRITE);
    memset(p, 'a', 2 * PG);
    OK(madvise(p, 2 * PG, MADV_FREE));
    p[0] = 'b';
    CHECK_EQ(p[0], 'b');
    CHECK_EQ(p[1], 'a');
    CHECK_RES(p, 2, "11");
}

static void wipeonfork_and_dontfork_children(void)
{
    char *w = anon(1, PROT_READ | PROT_WRITE);
    char *d = anon(1, PROT_READ | PROT_WRITE);
    w[0] = 'w';
    d[0] = 'd';
    OK(madvise(w, PG, MADV_WIPEONFORK));
    OK(madvise(d, PG, MADV_DONTFORK));
    pid_t c = ctest_fork();
    if (c == 0)
        _exit(w[0] == 0 ? 0 : 1);
    CHECK_EXIT(ctest_wait(c), 0);
    c = ctest_fork();
    if (c == 0) {
        (void)*(volatile char *)d;
        _exit(0);
    }
    CHECK_KILLED(ctest_wait(c), SIGSEGV);
    CHECK_EQ(w[0], 'w');
    OK(madvise(w, PG, MADV_KEEPONFORK));
    OK(madvise(d, PG, MADV_DOFORK));
    c = ctest_fork();
    if (c == 0)
        _exit(w[0] == 'w' && d[0] == 'd' ? 0 : 1);
    CHECK_EXIT(ctest_wait(c), 0);
}

static void madv_remove_punches_shared_anonymous(void)
{
    char *s = MMAP(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    s[0] = 'x';
    s[PG] = 'y';
    OK(madvise(s, PG, MADV_REMOVE));
    CHECK_EQ(s[0], 0);
    CHECK_EQ(s[PG], 'y');
    /* read-only but shared and MAYWRITE: Linux 6.1 punches it too */
    char *r = MMAP(NULL, PG, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    OK(madvise(r, PG, MADV_REMOVE));
    CHECK_EQ(r[0], 0);
}

static void mremap_moves_keeping_contents(void)
{
    char *p = anon(16, PROT_READ | PROT_WRITE);
    for (unsigned i = 0; i < 16; i++)
        p[i * PG] = (char)(i + 1);
    char *block = MMAP(p + 16 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    ERR(mremap(p, 16 * PG, 32 * PG, 0), ENOMEM);
    char *q = mremap(p, 16 * PG, 32 * PG, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED && q != p);
    for (unsigned i = 0; i < 16; i++)
        CHECK_EQ(q[i * PG], (char)(i + 1));
    CHECK_EQ(q[20 * PG], 0);
    unsigned char v;
    ERR(mincore(p, PG, &v), ENOMEM);
    /* shrink in place, then grow in place */
    CHECK(mremap(q, 32 * PG, 4 * PG, 0) == q);
    ERR(mincore(q + 4 * PG, PG, &v), ENOMEM);
    CHECK(mremap(q, 4 * PG, 6 * PG, 0) == q);
    CHECK_EQ(q[3 * PG], 4);
    CHECK_EQ(q[5 * PG], 0);
    (void)block;
}

static void mremap_fixed_dontunmap_duplicate(void)
{
    char *p = anon(4, PROT_READ | PROT_WRITE);
    char *t = anon(8, PROT_READ | PROT_WRITE);
    memset(p, 'p', 4 * PG);
    t[0] = 't';
    char *q = mremap(p, 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, t + 2 * PG);
    CHECK(q == t + 2 * PG);
    CHECK_EQ(t[0], 't');
    CHECK_EQ(q[3 * PG], 'p');
    ERR(mremap(q, 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, q + PG), EINVAL);
    /* DONTUNMAP: the old range stays, empty */
    char *r = mremap(q, 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
    CHECK(r != MAP_FAILED && r != q);
    CHECK_EQ(r[PG], 'p');
    CHECK_RES(q, 4, "0000");
    CHECK_EQ(q[PG], 0);
    ERR(mremap(r, 4 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL), EINVAL);
    /* old_len 0: a duplicate of a shared mapping; EINVAL for a private one */
    ERR(mremap(r, 0, PG, MREMAP_MAYMOVE), EINVAL);
    char *s = MMAP(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    s[PG] = 's';
    char *d = mremap(s, 0, 2 * PG, MREMAP_MAYMOVE);
    CHECK(d != MAP_FAILED && d != s);
    CHECK_EQ(d[PG], 's');
    d[0] = 'd';
    CHECK_EQ(s[0], 'd');
}

static void mremap_errors(void)
{
    char *p = anon(4, PROT_READ | PROT_WRITE);
    ERR(mremap(p + 1, PG, PG, 0), EINVAL);
    ERR(mremap(p, PG, 0, 0), EINVAL);
    ERR(mremap(p, PG, PG, 8), EINVAL);
    ERR(mremap(p, PG, PG, MREMAP_FIXED, p + 8 * PG), EINVAL);
    ERR(mremap(p, PG, PG, MREMAP_DONTUNMAP, NULL), EINVAL);
    OK(munmap(p + 2 * PG, 2 * PG));
    ERR(mremap(p + 2 * PG, PG, 2 * PG, MREMAP_MAYMOVE), EFAULT);
    ERR(mremap(p, 3 * PG, 4 * PG, MREMAP_MAYMOVE), EFAULT);
    char *q = anon(2, PROT_READ);
    (void)q;
}

static void mremap_locked_stays_locked(void)
{
    char *p = anon(2, PROT_READ | PROT_WRITE);
    OK(mlock(p, 2 * PG));
    char *block = MMAP(p + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    char *q = mremap(p, 2 * PG, 4 * PG, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED);
    CHECK(smaps_flag(q, "lo"));
    CHECK_RES(q, 4, "1111");
    CHECK_EQ(proc_kb("/proc/self/status", "VmLck"), 16);
    (void)block;
}

static void mremap_grows_a_file_mapping_past_its_end(void)
{
    int fd = OK(open(ctest_self, O_RDONLY));
    off_t size = OK(lseek(fd, 0, SEEK_END));
    off_t last = (size - 1) & ~(off_t)(PG - 1);
    char *p = MMAP(NULL, PG, PROT_READ, MAP_SHARED, fd, last);
    char *q = mremap(p, PG, 3 * PG, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED);
    CHECK_EQ(q[0], ((volatile char *)q)[0]);
    pid_t c = ctest_fork();
    if (c == 0) {
        (void)*(volatile char *)(q + 2 * PG);
        _exit(0);
    }
    CHECK_KILLED(ctest_wait(c), SIGBUS);
    close(fd);
}

/* A file page not mapped here is resident when the page cache holds it (Linux 6.1): the
 * program's own file is all in memory (the initrd; Linux's rootfs keeps it in its page cache),
 * untouched or dropped from this mapping; a page past the end of the file is not. */
static void mincore_file_pages_in_the_page_cache(void)
{
    int fd = OK(open(ctest_self, O_RDONLY));
    off_t size = OK(lseek(fd, 0, SEEK_END));
    off_t last = (size - 1) & ~(off_t)(PG - 1);
    char *p = MMAP(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, last);
    CHECK_RES(p, 2, "10");
    CHECK_EQ(((volatile char *)p)[0], p[0]);
    OK(madvise(p, PG, MADV_DONTNEED));
    CHECK_RES(p, 2, "10");
    char *q = MMAP(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK_RES(q, 1, "1");
    OK(munmap(q, PG));
    OK(munmap(p, 2 * PG));
    close(fd);
}

/* Waits until *flag == want (the other process sets it). */
static void await_flag(volatile int *flag, int want)
{
    while (*flag != want)
        sched_yield();
}

/* A child that changes its copy of buf, then waits to be read and written. */
static void process_vm_on_a_childs_copy_on_write_pages(void)
{
    static char buf[2 * 4096] __attribute__((aligned(4096)));
    volatile int *flag = ctest_shared(PG);
    memset(buf, 'p', sizeof buf);
    pid_t c = ctest_fork();
    if (c == 0) {
        memset(buf, 'c', PG);
        *flag = 1;
        await_flag(flag, 2);
        _exit(buf[10] == 'W' && buf[PG] == 'p' ? 0 : 1);
    }
    await_flag(flag, 1);
    char got[8] = { 0 };
    struct iovec l = { got, 4 }, r = { buf + 8, 4 };
    CHECK_EQ(process_vm_readv(c, &l, 1, &r, 1, 0), 4);
    CHECK(memcmp(got, "cccc", 4) == 0);
    struct iovec w = { (void *)"WWWW", 4 }, rw = { buf + 10, 1 };
    CHECK_EQ(process_vm_writev(c, &w, 1, &rw, 1, 0), 1);
    CHECK_EQ(buf[10], 'p');
    /* partial: the second remote iovec is bad */
    char two[8];
    struct iovec l2 = { two, 8 }, r2[2] = { { buf, 4 }, { (void *)16, 4 } };
    CHECK_EQ(process_vm_readv(c, &l2, 1, r2, 2, 0), 4);
    struct iovec bad = { (void *)16, 4 };
    ERR(process_vm_readv(c, &l2, 1, &bad, 1, 0), EFAULT);
    ERR(process_vm_readv(c, &l2, 1, r2, 1, 1), EINVAL);
    ERR(process_vm_readv(c, &l2, 2000, r2, 1, 0), EINVAL);
    *flag = 2;
    CHECK_EXIT(ctest_wait(c), 0);
    ERR(process_vm_readv(c, &l2, 1, r2, 1, 0), ESRCH);
}

static void mprotect_growsdown_and_growsup(void)
{
    char *p = anon(4, PROT_READ | PROT_WRITE);
    ERR(mprotect(p + PG, PG, PROT_READ | PROT_GROWSDOWN), EINVAL);
    ERR(mprotect(p, PG, PROT_READ | PROT_GROWSUP), EINVAL);
    ERR(mprotect(p, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP), EINVAL);
    OK(mprotect(p, PG, PROT_READ | PROT_WRITE | PROT_SEM));
    char *g = MMAP(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
    g[3 * PG] = 1;
    OK(mprotect(g + 2 * PG, PG, PROT_READ | PROT_GROWSDOWN));
    pid_t c = ctest_fork();
    if (c == 0) {
        g[0] = 1; /* the change reached the start of the area */
        _exit(0);
    }
    CHECK_KILLED(ctest_wait(c), SIGSEGV);
    g[3 * PG] = 2; /* above the range: unchanged */
    CHECK_EQ(areas_in(g, 4 * PG), 2);
}

static const struct ctest cases[] = {
    CASE(mincore_anon_touch_dontneed_errors),
    CASE(mincore_after_fork_populate_and_lock),
    CASE(mlock2_onfault_locks_as_pages_fault_in),
    CASE(locks_are_not_inherited_by_fork),
    CASE(mlockall_future_onfault_is_lazy),
    CASE(madvise_errors_per_advice),
    CASE(madv_free_then_write_keeps_data),
    CASE(wipeonfork_and_dontfork_children),
    CASE(madv_remove_punches_shared_anonymous),
    CASE(mremap_moves_keeping_contents),
    CASE(mremap_fixed_dontunmap_duplicate),
    CASE(mremap_errors),
    CASE(mremap_locked_stays_locked),
    CASE(mremap_grows_a_file_mapping_past_its_end),
    CASE(mincore_file_pages_in_the_page_cache),
    CASE(process_vm_on_a_childs_copy_on_write_pages),
    CASE(mprotect_growsdown_and_growsup),
};

int main(int argc, char **argv) { return CTEST_MAIN(argc, argv, cases); }
