/* vmview [PID] — one process's memory, page by page (issue 12, "Seeing memory").
 *
 * Built only on Linux's standard interfaces — /proc/PID/maps, /proc/PID/pagemap,
 * /proc/kpagecount, /proc/kpageflags — so the same static binary runs on our kernel and on
 * Linux. Prints one line per area (range, permissions, size, name), then a strip with one
 * character per page, STRIP pages per row, each row headed by its first address; a run of
 * two or more rows with nothing resident collapses into one line (the 8 MiB stack, big
 * reservations). Without PID: the process itself ("self").
 *
 * The characters (also printed as the legend):
 *   .      not resident                 0      the shared zero page
 *   a      private anonymous page, mapped once
 *   2-9 +  anonymous page shared copy-on-write by that many mappings (+: more than 9)
 *   f      page-cache page of a private file mapping (pagemap's file bit, private area)
 *   s      shared object page: shared anonymous, memfd, shared file mapping (file bit, shared area)
 *   L      locked (kpageflags' MLOCKED)      w   swapped (pagemap bit 62)
 *   *      anonymous page mapped more than once, count unknown (kpagecount needs root)
 * Frame numbers, kpagecount and kpageflags need root (CAP_SYS_ADMIN on Linux); without them
 * vmview says so and falls back on pagemap's own bits. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE 4096u
#define STRIP 64 /* pages per row */
#define PM_PRESENT (1ull << 63)
#define PM_SWAP (1ull << 62)
#define PM_FILE (1ull << 61)
#define PM_EXCLUSIVE (1ull << 56)
#define PM_PFN ((1ull << 55) - 1)
#define KPF_ZERO_PAGE (1ull << 24)
#define KPF_MLOCKED (1ull << 33)
#define WINDOW 512 /* kpage entries read at once */

struct area {
    unsigned long start, end;
    char perms[5];
    char name[256];
};

/* One of /proc/kpagecount, /proc/kpageflags, read a window of WINDOW entries at a time. */
struct kfile {
    int fd;
    uint64_t first, n;
    uint64_t v[WINDOW];
};

static int kget(struct kfile *k, uint64_t pfn, uint64_t *out)
{
    if (k->fd < 0)
        return 0;
    if (pfn < k->first || pfn >= k->first + k->n) {
        ssize_t r = pread(k->fd, k->v, sizeof k->v, (off_t)(pfn * 8));
        if (r < 8)
            return 0;
        k->first = pfn;
        k->n = (uint64_t)r / 8;
    }
    *out = k->v[pfn - k->first];
    return 1;
}

/* The character of one page (see the legend). */
static char classify(uint64_t e, int shared, struct kfile *count, struct kfile *flags)
{
    if (!(e & PM_PRESENT))
        return e & PM_SWAP ? 'w' : '.';
    uint64_t pfn = e & PM_PFN, f = 0, n = 0;
    int have = pfn != 0 && kget(flags, pfn, &f) && kget(count, pfn, &n);
    if (have && (f & KPF_ZERO_PAGE))
        return '0';
    if (have && (f & KPF_MLOCKED))
        return 'L';
    if (e & PM_FILE)
        return shared ? 's' : 'f';
    if (!have)
        return e & PM_EXCLUSIVE ? 'a' : '*';
    if (n <= 1)
        return 'a';
    return n <= 9 ? (char)('0' + n) : '+';
}

static struct area *read_maps(const char *pid, size_t *count)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/maps", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "vmview: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t n = 0, cap = 32;
    struct area *a = malloc(cap * sizeof *a);
    char line[512];
    while (a && fgets(line, sizeof line, f)) {
        if (n == cap)
            a = realloc(a, (cap *= 2) * sizeof *a);
        if (!a)
            break;
        struct area *v = &a[n];
        int off = 0;
        v->name[0] = 0;
        if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &v->start, &v->end, v->perms, &off) < 3)
            continue;
        line[strcspn(line, "\n")] = 0;
        snprintf(v->name, sizeof v->name, "%s", line + off);
        n++;
    }
    fclose(f);
    if (!a) {
        fprintf(stderr, "vmview: out of memory\n");
        exit(1);
    }
    *count = n;
    return a;
}

/* Prints row `row` of a strip, or collapses a run of empty rows. */
static void print_strip(const struct area *v, const char *strip, unsigned long pages)
{
    unsigned long rows = (pages + STRIP - 1) / STRIP, r = 0;
    while (r < rows) {
        unsigned long len = pages - r * STRIP < STRIP ? pages - r * STRIP : STRIP, empty = r;
        while (empty < rows && strspn(strip + empty * STRIP, ".") >= (empty == rows - 1 ? pages - empty * STRIP : STRIP))
            empty++;
        if (empty - r >= 2) {
            unsigned long n = (empty == rows ? pages : empty * STRIP) - r * STRIP;
            printf("  %08lx (%lu pages not resident, %luK)\n", v->start + r * STRIP * PAGE, n, n * PAGE / 1024);
            r = empty;
            continue;
        }
        printf("  %08lx %.*s\n", v->start + r * STRIP * PAGE, (int)len, strip + r * STRIP);
        r++;
    }
}

int main(int argc, char **argv)
{
    const char *pid = argc > 1 ? argv[1] : "self";
    if (argc > 2 || (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))) {
        fprintf(stderr, "usage: vmview [PID]\n");
        return 2;
    }
    size_t n;
    struct area *areas = read_maps(pid, &n);
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/pagemap", pid);
    int pm = open(path, O_RDONLY);
    if (pm < 0) {
        fprintf(stderr, "vmview: %s: %s\n", path, strerror(errno));
        return 1;
    }
    static struct kfile count = { .fd = -1 }, flags = { .fd = -1 };
    count.fd = open("/proc/kpagecount", O_RDONLY);
    flags.fd = open("/proc/kpageflags", O_RDONLY);
    unsigned long resident = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        const struct area *v = &areas[i];
        unsigned long pages = (v->end - v->start) / PAGE;
        uint64_t *e = calloc(pages ? pages : 1, sizeof *e);
        char *strip = malloc(pages + 1);
        if (!e || !strip) {
            fprintf(stderr, "vmview: out of memory\n");
            return 1;
        }
        ssize_t r = pread(pm, e, pages * 8, (off_t)(v->start / PAGE * 8));
        if (r < 0)
            memset(e, 0, pages * 8);
        for (unsigned long p = 0; p < pages; p++) {
            strip[p] = classify(e[p], v->perms[3] == 's', &count, &flags);
            resident += strip[p] != '.' && strip[p] != 'w';
        }
        strip[pages] = 0;
        total += pages;
        printf("%08lx-%08lx %s %7luK %s\n", v->start, v->end, v->perms, pages * PAGE / 1024, v->name);
        print_strip(v, strip, pages);
        free(e);
        free(strip);
    }
    printf("%zu areas, %lu pages, %lu resident (%luK)\n", n, total, resident, resident * PAGE / 1024);
    printf("legend: . not resident  0 zero page  a private anonymous  2-9/+ COW-shared by N/>9\n"
           "        f page cache  s shared object  L locked  w swapped%s\n",
           count.fd < 0 || flags.fd < 0 ? "  * shared, count unknown (kpagecount/kpageflags need root)" : "");
    return 0;
}
