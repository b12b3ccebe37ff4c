/* c_vmview — seeing memory (issue 12, point 8): /proc/PID/smaps_rollup against the sums of
 * /proc/PID/smaps, /proc/kpagecount and /proc/kpageflags of private, COW-shared and zero
 * pages, /proc/PID/pagemap's bits after touch and fork, their permissions, and vmview's strip
 * (/bin/vmview) on a child whose pages were touched, shared by fork, copied and locked.
 * Run as root (c_run as init on both kernels). */
#include "ctest.h"

#include <fcntl.h>
#include <sys/prctl.h>

#define PG 4096u
#define PM_PRESENT (1ull << 63)
#define PM_SWAP (1ull << 62)
#define PM_FILE (1ull << 61)
#define PM_EXCLUSIVE (1ull << 56)
#define PM_SOFT_DIRTY (1ull << 55)
#define PM_PFN ((1ull << 55) - 1)
#define KPF_MMAP (1ull << 11)
#define KPF_ANON (1ull << 12)
#define KPF_ZERO_PAGE (1ull << 24)

static uint64_t entry_of(const char *file, uint64_t index)
{
    int fd = open(file, O_RDONLY);
    if (fd < 0)
        FAIL("open %s: %s", file, ctest_errname(errno));
    uint64_t v = 0;
    ssize_t r = pread(fd, &v, 8, (off_t)(index * 8));
    if (r != 8)
        FAIL("pread %s[%llu] = %zd (%s)", file, (unsigned long long)index, r, ctest_errname(errno));
    close(fd);
    return v;
}

static uint64_t pagemap(const void *p) { return entry_of("/proc/self/pagemap", (uintptr_t)p / PG); }
static uint64_t kcount(uint64_t pfn) { return entry_of("/proc/kpagecount", pfn); }
static uint64_t kflags(uint64_t pfn) { return entry_of("/proc/kpageflags", pfn); }

/* Reads a whole /proc file into buf (pre-touched, so reading changes no residency). */
static size_t slurp(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        FAIL("open %s: %s", path, ctest_errname(errno));
    size_t n = 0;
    ssize_t r;
    while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
    close(fd);
    return n;
}

/* The "Name: N kB" value of field `name`, summed over all lines of text. */
static long sum_of(const char *text, const char *name)
{
    long sum = 0;
    size_t n = strlen(name);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, name, n) == 0 && l[n] == ':')
            sum += strtol(l + n + 1, NULL, 10);
    return sum;
}

static char smaps_buf[1 << 17], rollup_buf[4096], maps_buf[1 << 15];

static void smaps_rollup_sums_smaps(void)
{
    memset(smaps_buf, 1, sizeof smaps_buf);
    memset(rollup_buf, 1, sizeof rollup_buf);
    memset(maps_buf, 1, sizeof maps_buf);
    slurp("/proc/self/maps", maps_buf, sizeof maps_buf);
    slurp("/proc/self/smaps", smaps_buf, sizeof smaps_buf);
    slurp("/proc/self/smaps_rollup", rollup_buf, sizeof rollup_buf);
    /* Header: first area's start to last area's end, no flags, name at column 49. */
    unsigned long first, last, lo, hi;
    CHECK(sscanf(maps_buf, "%lx-", &first) == 1);
    const char *lastline = maps_buf;
    for (const char *l = maps_buf; *l; l = strchr(l, '\n') + 1)
        if (l[0] != '\n')
            lastline = l;
    CHECK(sscanf(lastline, "%*x-%lx", &last) == 1);
    char tail[64];
    CHECK(sscanf(rollup_buf, "%lx-%lx ---p 00000000 00:00 0 %63s", &lo, &hi, tail) == 3);
    if (lo != first || hi != last)
        FAIL("rollup spans %08lx-%08lx, maps %08lx-%08lx", lo, hi, first, last);
    CHECK(strcmp(tail, "[rollup]") == 0 && rollup_buf[49] == '[' && rollup_buf[48] == ' ');
    static const char *exact[] = { "Rss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty",
                                   "Referenced", "Anonymous", "LazyFree", "AnonHugePages", "Swap" };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (sum_of(rollup_buf, exact[i]) != sum_of(smaps_buf, exact[i]))
            FAIL("%s: rollup %ld, smaps %ld", exact[i], sum_of(rollup_buf, exact[i]), sum_of(smaps_buf, exact[i]));
    /* Pss adds fractions before rounding: at most 1 kB per area above smaps' rounded sum. */
    long areas = 0;
    for (const char *l = smaps_buf; (l = strstr(l, "\nVmFlags:")); l++)
        areas++;
    long pss = sum_of(rollup_buf, "Pss"), pss_sum = sum_of(smaps_buf, "Pss");
    if (pss < pss_sum || pss > pss_sum + areas)
        FAIL("Pss: rollup %ld, smaps %ld over %ld areas", pss, pss_sum, areas);
    long parts = sum_of(rollup_buf, "Pss_Anon") + sum_of(rollup_buf, "Pss_File") + sum_of(rollup_buf, "Pss_Shmem");
    if (parts > pss || parts + 2 < pss)
        FAIL("Pss_Anon+Pss_File+Pss_Shmem = %ld, Pss %ld", parts, pss);
    CHECK(sum_of(rollup_buf, "Pss_Anon") > 0 && sum_of(rollup_buf, "Rss") > 0);
    /* Linux 6.1's lines, in order. */
    static const char *order[] = { "Rss:", "Pss:", "Pss_Dirty:", "Pss_Anon:", "Pss_File:", "Pss_Shmem:", "Shared_Clean:",
                                   "Shared_Dirty:", "Private_Clean:", "Private_Dirty:", "Referenced:", "Anonymous:",
                                   "LazyFree:", "AnonHugePages:", "ShmemPmdMapped:", "FilePmdMapped:", "Shared_Hugetlb:",
                                   "Private_Hugetlb:", "Swap:", "SwapPss:", "Locked:" };
    const char *l = strchr(rollup_buf, '\n') + 1;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++, l = strchr(l, '\n') + 1)
        if (strncmp(l, order[i], strlen(order[i])) != 0 || strlen(l) < 28 || strncmp(l + 24, " kB\n", 4) != 0)
            FAIL("rollup line %zu: want %s, got %.30s", i + 2, order[i], l);
    CHECK(*l == 0);
}

static void kpagecount_private_cow_and_zero(void)
{
    char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    p[0] = 1, p[PG] = 2;
    volatile char z = p[2 * PG];
    (void)z;
    uint64_t e0 = pagemap(p), e1 = pagemap(p + PG), ez = pagemap(p + 2 * PG);
    CHECK((e0 & PM_PRESENT) && (e0 & PM_EXCLUSIVE) && !(e0 & PM_FILE) && (e0 & PM_PFN) != 0);
    uint64_t pfn0 = e0 & PM_PFN, pfn1 = e1 & PM_PFN, zero = ez & PM_PFN;
    if (kcount(pfn0) != 1 || kcount(pfn1) != 1)
        FAIL("private pages mapped %llu, %llu times, want 1", (unsigned long long)kcount(pfn0), (unsigned long long)kcount(pfn1));
    CHECK((kflags(pfn0) & (KPF_MMAP | KPF_ANON)) == (KPF_MMAP | KPF_ANON) && !(kflags(pfn0) & KPF_ZERO_PAGE));
    /* A read of an untouched private page maps the zero page: present, shared, not counted. */
    CHECK((ez & PM_PRESENT) && !(ez & PM_EXCLUSIVE) && !(ez & PM_FILE));
    CHECK(kflags(zero) & KPF_ZERO_PAGE);
    CHECK(kcount(zero) == 0);
    int go[2];
    CHECK(pipe(go) == 0);
    pid_t child = ctest_fork();
    if (child == 0) {
        char c;
        (void)!read(go[0], &c, 1);
        _exit(0);
    }
    /* After fork both pages are COW-shared by two mappings; writing one copies it. */
    if (kcount(pfn0) != 2 || kcount(pfn1) != 2)
        FAIL("after fork: mapped %llu, %llu times, want 2", (unsigned long long)kcount(pfn0), (unsigned long long)kcount(pfn1));
    CHECK(!(pagemap(p) & PM_EXCLUSIVE) && (pagemap(p) & PM_PFN) == pfn0);
    p[PG] = 3;
    uint64_t c1 = pagemap(p + PG);
    CHECK((c1 & PM_PFN) != pfn1 && (c1 & PM_EXCLUSIVE) && kcount(c1 & PM_PFN) == 1);
    CHECK(kcount(pfn1) == 1); /* the child's, now alone */
    CHECK(write(go[1], "x", 1) == 1);
    CHECK(ctest_wait(child) == 0);
    CHECK(kcount(pfn0) == 1 && (pagemap(p) & PM_EXCLUSIVE));
}

static void pagemap_bits_after_touch_and_fork(void)
{
    char *a = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED && s != MAP_FAILED);
    CHECK(pagemap(a) == 0 && pagemap(s) == 0); /* untouched: nothing, not even a flag */
    a[0] = 1, s[0] = 1;
    uint64_t ea = pagemap(a), es = pagemap(s);
    CHECK((ea & (PM_PRESENT | PM_EXCLUSIVE | PM_FILE | PM_SWAP | PM_SOFT_DIRTY)) == (PM_PRESENT | PM_EXCLUSIVE));
    CHECK((es & (PM_PRESENT | PM_EXCLUSIVE | PM_FILE | PM_SWAP | PM_SOFT_DIRTY)) == (PM_PRESENT | PM_EXCLUSIVE | PM_FILE));
    /* Linux copies no entries of a shared area at fork: the child's read maps the page. */
    pid_t child = ctest_fork();
    if (child == 0) {
        volatile char t = s[0];
        _exit(!(t == 1 && !(pagemap(a) & PM_EXCLUSIVE) && (pagemap(s) & (PM_PRESENT | PM_FILE)) == (PM_PRESENT | PM_FILE) &&
                !(pagemap(s) & PM_EXCLUSIVE)));
    }
    CHECK(ctest_wait(child) == 0);
    /* Frame numbers are for root only: present stays, the PFN reads 0. */
    child = ctest_fork();
    if (child == 0) {
        /* Dumpable again after the change of ids: the file is then the process's own. */
        if (setuid(65534) != 0 || prctl(PR_SET_DUMPABLE, 1) != 0)
            _exit(2);
        uint64_t e = pagemap(a);
        int count = open("/proc/kpagecount", O_RDONLY), err = errno;
        _exit(!((e & PM_PRESENT) && (e & PM_PFN) == 0 && count < 0 && err == EACCES));
    }
    CHECK(ctest_wait(child) == 0);
}

static void kpagecount_reads_like_linux(void)
{
    int fd = open("/proc/kpagecount", O_RDONLY);
    CHECK(fd >= 0);
    uint64_t v[4];
    errno = 0;
    CHECK(pread(fd, v, 8, 4) < 0 && errno == EINVAL);
    CHECK(pread(fd, v, 12, 8) < 0 && errno == EINVAL);
    /* The end of RAM: the first 8-aligned offset where a read returns 0; the entry just
     * before it reads short. */
    uint64_t lo = 0, hi = 1ull << 30; /* offsets in bytes: lo readable, hi not (512 GiB of RAM) */
    while (hi - lo > 8) {
        uint64_t mid = (lo + hi) / 2 & ~7ull;
        if (pread(fd, v, 8, (off_t)mid) == 8)
            lo = mid;
        else
            hi = mid;
    }
    CHECK(hi > (16u << 20) / PG * 8); /* more than 16 MiB of RAM */
    CHECK(pread(fd, v, 32, (off_t)(hi - 16)) == 16);
    CHECK(pread(fd, v, 8, (off_t)hi) == 0);
    close(fd);
}

/* vmview of a child: runs /bin/vmview PID into a pipe, returns the strip row of `addr`. */
static const char *vmview_row(pid_t pid, unsigned long addr)
{
    static char out[1 << 16];
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t v = ctest_fork();
    if (v == 0) {
        dup2(fds[1], 1);
        char arg[16];
        snprintf(arg, sizeof arg, "%d", pid);
        execl("/bin/vmview", "vmview", arg, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while (n < sizeof out - 1 && (r = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = 0;
    close(fds[0]);
    int st = ctest_wait(v);
    if (st != 0)
        FAIL("vmview %d: status %#x", pid, st);
    char want[16];
    snprintf(want, sizeof want, "  %08lx ", addr);
    char *row = strstr(out, want);
    if (!row)
        FAIL("vmview: no row %s", want);
    row += strlen(want);
    row[strcspn(row, "\n")] = 0;
    return row;
}

static void vmview_shows_touch_cow_zero_shared_and_locked(void)
{
    /* 8 private pages: 0-3 written (then page 1 copied by the parent after fork), page 4 read
     * (zero page), 5-7 untouched; a shared anonymous page, touched; one page the
     * child locks. */
    char *p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char *l = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED && s != MAP_FAILED && l != MAP_FAILED);
    for (int i = 0; i < 4; i++)
        p[i * PG] = 1;
    volatile char z = p[4 * PG];
    (void)z;
    s[0] = 1;
    int ready[2], go[2];
    CHECK(pipe(ready) == 0 && pipe(go) == 0);
    pid_t child = ctest_fork();
    if (child == 0) {
        char c;
        if (mlock(l, PG) != 0 || s[0] != 1) /* the read maps the shared page here too */
            _exit(1);
        (void)!write(ready[1], "r", 1);
        (void)!read(go[0], &c, 1);
        _exit(0);
    }
    char c;
    CHECK(read(ready[0], &c, 1) == 1);
    p[PG] = 2;
    const char *row = vmview_row(child, (unsigned long)p);
    if (strcmp(row, "2a220...") != 0)
        FAIL("child's private strip %s, want 2a220...", row);
    row = vmview_row(getpid(), (unsigned long)p);
    if (strcmp(row, "2a220...") != 0)
        FAIL("parent's private strip %s, want 2a220...", row);
    row = vmview_row(child, (unsigned long)s);
    if (strcmp(row, "s") != 0)
        FAIL("shared strip %s, want s", row);
    row = vmview_row(child, (unsigned long)l);
    if (strcmp(row, "L") != 0)
        FAIL("locked strip %s, want L", row);
    CHECK(write(go[1], "g", 1) == 1);
    CHECK(ctest_wait(child) == 0);
}

static const struct ctest cases[] = {
    CASE(smaps_rollup_sums_smaps),
    CASE(kpagecount_private_cow_and_zero),
    CASE(pagemap_bits_after_touch_and_fork),
    CASE(kpagecount_reads_like_linux),
    CASE_T(vmview_shows_touch_cow_zero_shared_and_locked, 60),
};

int main(int argc, char **argv) { return CTEST_MAIN(argc, argv, cases); }
