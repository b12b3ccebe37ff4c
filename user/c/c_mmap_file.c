/* c_mmap_file — file mappings and the page cache: a MAP_SHARED mapping and read()/write() see
 * one copy of the data at once, two processes share a file mapping, MAP_PRIVATE copies on
 * write and never changes the file, ftruncate shrinking under a mapping raises SIGBUS
 * (BUS_ADRERR at the address) and growing exposes zeros, an unlinked mapped file keeps its
 * data, and msync's flags and errors. Needs a writable root (tmpfs; Linux's initramfs). */
#include "ctest.h"

#include <fcntl.h>
#include <setjmp.h>
#include <sys/stat.h>

#define PG 4096

/* A new file of `pages` pages, byte i = (i * 7 + seed) & 0xff; unlinked at the case's end by
 * the caller if it wants. Returns the descriptor (O_RDWR). */
static char path_buf[64];

static int make_file(const char *name, int pages, int seed)
{
    snprintf(path_buf, sizeof path_buf, "/c_mmap_file.%s.%d", name, (int)getpid());
    int fd = OK(open(path_buf, O_RDWR | O_CREAT | O_TRUNC, 0600));
    static unsigned char buf[PG];
    for (int p = 0; p < pages; p++) {
        for (int i = 0; i < PG; i++)
            buf[i] = (unsigned char)((p * PG + i) * 7 + seed);
        CHECK_EQ(write(fd, buf, PG), PG);
    }
    return fd;
}

static unsigned char pattern(int off, int seed) { return (unsigned char)(off * 7 + seed); }

static unsigned char pread1(int fd, off_t off)
{
    unsigned char c = 0xAA;
    CHECK_EQ(pread(fd, &c, 1, off), 1);
    return c;
}

static void pwrite1(int fd, off_t off, unsigned char c) { CHECK_EQ(pwrite(fd, &c, 1, off), 1); }

static void shared_mapping_and_read_write_see_one_copy(void)
{
    int fd = make_file("rw", 2, 1);
    volatile unsigned char *m = MMAP(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_EQ(m[5], pattern(5, 1));
    CHECK_EQ(m[PG + 9], pattern(PG + 9, 1));
    m[PG + 9] = 0x5A;
    CHECK_EQ(pread1(fd, PG + 9), 0x5A);     /* a store through the map, seen by read() at once */
    pwrite1(fd, 17, 0xC3);
    CHECK_EQ(m[17], 0xC3);                  /* write(), seen through the map at once */
    /* A second mapping of the same page shares the frame. */
    volatile unsigned char *m2 = MMAP(NULL, PG, PROT_READ, MAP_SHARED, fd, PG);
    CHECK_EQ(m2[9], 0x5A);
    m[PG + 10] = 0x11;
    CHECK_EQ(m2[10], 0x11);
    OK(munmap((void *)m, 2 * PG));
    OK(munmap((void *)m2, PG));
    /* Data written through a mapping outlives it. */
    CHECK_EQ(pread1(fd, PG + 10), 0x11);
    struct stat st;
    OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 2 * PG);
    OK(close(fd));
    OK(unlink(path_buf));
}

static void two_processes_share_a_file_mapping(void)
{
    int fd = make_file("procs", 1, 2);
    volatile unsigned char *m = MMAP(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    volatile int *flag = ctest_shared(PG);
    pid_t pid = ctest_fork();
    if (pid == 0) {
        /* The child maps the file itself too. */
        volatile unsigned char *c = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (c == MAP_FAILED)
            _exit(2);
        c[100] = 0x77;
        m[200] = 0x88;      /* the inherited mapping */
        *flag = 1;
        while (*flag != 2)
            sched_yield();
        _exit(c[300] == 0x99 ? 0 : 3);
    }
    while (*flag != 1)
        sched_yield();
    CHECK_EQ(m[100], 0x77);
    CHECK_EQ(m[200], 0x88);
    CHECK_EQ(pread1(fd, 100), 0x77);
    m[300] = 0x99;
    *flag = 2;
    CHECK_EXIT(ctest_wait(pid), 0);
    OK(close(fd));
    OK(unlink(path_buf));
}

static void private_mapping_copies_on_write_and_leaves_the_file(void)
{
    int fd = make_file("priv", 2, 3);
    volatile unsigned char *p = MMAP(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    volatile unsigned char *s = MMAP(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK_EQ(p[1], pattern(1, 3));
    /* Before its first write a private page shows the file's current data (Linux maps the
     * page cache copy-on-write). */
    pwrite1(fd, 2, 0x42);
    CHECK_EQ(p[2], 0x42);
    p[3] = 0xEE;
    CHECK_EQ(p[3], 0xEE);
    CHECK_EQ(pread1(fd, 3), pattern(3, 3));
    CHECK_EQ(s[3], pattern(3, 3));
    /* After the copy, the file's changes no longer show. */
    pwrite1(fd, 4, 0x24);
    CHECK_EQ(p[4], pattern(4, 3));
    CHECK_EQ(s[4], 0x24);
    /* A write fault on a page never read copies the file data too. */
    p[PG] = 0x01;
    CHECK_EQ(p[PG + 1], pattern(PG + 1, 3));
    CHECK_EQ(pread1(fd, PG), pattern(PG, 3));
    /* A forked child's private copy is its own. */
    pid_t pid = ctest_fork();
    if (pid == 0) {
        p[3] = 0x33;
        _exit(p[3] == 0x33 && s[3] == pattern(3, 3) ? 0 : 1);
    }
    CHECK_EXIT(ctest_wait(pid), 0);
    CHECK_EQ(p[3], 0xEE);
    OK(munmap((void *)p, 2 * PG));
    OK(munmap((void *)s, 2 * PG));
    OK(close(fd));
    OK(unlink(path_buf));
}

static sigjmp_buf bus_jmp;
static volatile int bus_code;
static void *volatile bus_addr;

static void on_bus(int sig, siginfo_t *si, void *ctx)
{
    bus_code = si->si_code;
    bus_addr = si->si_addr;
    siglongjmp(bus_jmp, 1);
}

/* Reads *p; returns 1 if that raised SIGBUS (with si_addr == p and BUS_ADRERR checked). */
static int bus_on_read(volatile unsigned char *p)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    OK(sigaction(SIGBUS, &sa, NULL));
    bus_code = 0;
    bus_addr = NULL;
    if (sigsetjmp(bus_jmp, 1) == 0) {
        (void)*p;
        return 0;
    }
    CHECK_EQ(bus_code, BUS_ADRERR);
    CHECKF(bus_addr == (void *)p, "si_addr %p, want %p", bus_addr, (void *)p);
    return 1;
}

static void truncate_shrinking_a_mapped_file_raises_sigbus_growing_exposes_zeros(void)
{
    int fd = make_file("trunc", 3, 4);
    volatile unsigned char *m = MMAP(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    volatile unsigned char *p = MMAP(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK_EQ(m[2 * PG + 5], pattern(2 * PG + 5, 4));
    p[2 * PG] = 0x55;                   /* a private copy of the last page */
    CHECK_EQ(p[PG + 1], pattern(PG + 1, 4));
    OK(ftruncate(fd, PG + 100));
    CHECK_EQ(m[PG + 99], pattern(PG + 99, 4));
    CHECK_EQ(m[PG + 100], 0);           /* the cut page's tail is zeroed */
    CHECK(bus_on_read(m + 2 * PG + 5)); /* the page past the end is gone */
    CHECK(bus_on_read(p + 2 * PG));     /* private copies too */
    CHECK(!bus_on_read(p + PG + 1));
    /* Growing the file back exposes zeros, never the old data. */
    OK(ftruncate(fd, 3 * PG));
    CHECK(!bus_on_read(m + 2 * PG + 5));
    CHECK_EQ(m[2 * PG + 5], 0);
    CHECK_EQ(m[PG + 200], 0);
    CHECK_EQ(pread1(fd, 2 * PG + 5), 0);
    CHECK_EQ(p[2 * PG], 0);
    m[2 * PG + 6] = 0x66;
    CHECK_EQ(pread1(fd, 2 * PG + 6), 0x66);
    OK(munmap((void *)m, 3 * PG));
    OK(munmap((void *)p, 3 * PG));
    OK(close(fd));
    OK(unlink(path_buf));
}

static void an_unlinked_mapped_file_keeps_its_data(void)
{
    int fd = make_file("unlink", 2, 5);
    char path[64];
    snprintf(path, sizeof path, "%s", path_buf);
    volatile unsigned char *m = MMAP(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    m[7] = 0x17;
    OK(close(fd));
    OK(unlink(path));
    ERR(open(path, O_RDONLY), ENOENT);
    CHECK_EQ(m[7], 0x17);
    CHECK_EQ(m[PG + 8], pattern(PG + 8, 5));
    m[PG + 8] = 0x18;
    CHECK_EQ(m[PG + 8], 0x18);
    /* A child inherits the mapping, and with it the file. */
    pid_t pid = ctest_fork();
    if (pid == 0)
        _exit(m[7] == 0x17 && m[PG + 8] == 0x18 ? 0 : 1);
    CHECK_EXIT(ctest_wait(pid), 0);
    OK(munmap((void *)m, 2 * PG));
}

static void msync_flags_and_errors(void)
{
    int fd = make_file("msync", 2, 6);
    unsigned char *m = MMAP(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    m[0] = 0x21;
    OK(msync(m, 2 * PG, MS_SYNC));
    OK(msync(m, 2 * PG, MS_ASYNC));
    OK(msync(m, 2 * PG, MS_INVALIDATE));
    OK(msync(m, 2 * PG, MS_SYNC | MS_INVALIDATE));
    OK(msync(m, 1, MS_SYNC));           /* the length is rounded up */
    OK(msync(m, 0, MS_SYNC));
    CHECK_EQ(pread1(fd, 0), 0x21);
    ERR(msync(m + 1, PG, MS_SYNC), EINVAL);
    ERR(msync(m, PG, 8), EINVAL);
    ERR(msync(m, PG, MS_SYNC | MS_ASYNC), EINVAL);
    ERR(msync(m + 1, PG, 8), EINVAL);
    /* Unmapped memory: ENOMEM, for a hole in the middle, before and after an area. */
    OK(munmap(m + PG, PG));
    ERR(msync(m, 3 * PG, MS_SYNC), ENOMEM);
    ERR(msync(m, 3 * PG, MS_ASYNC), ENOMEM);
    ERR(msync(m, 3 * PG, 0), ENOMEM);
    OK(msync(m + 2 * PG, 2 * PG, MS_ASYNC));
    ERR(msync(m + PG, PG, MS_ASYNC), ENOMEM);
    OK(munmap(m, 4 * PG));
    ERR(msync(m, PG, MS_SYNC), ENOMEM);
    /* Anonymous memory may be msynced too. */
    unsigned char *a = MMAP(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    OK(msync(a, 2 * PG, MS_SYNC));
    /* MS_INVALIDATE on locked memory: EBUSY; the other flags are fine. */
    OK(mlock(a, PG));
    ERR(msync(a, 2 * PG, MS_INVALIDATE), EBUSY);
    ERR(msync(a, PG, MS_SYNC | MS_INVALIDATE), EBUSY);
    OK(msync(a, 2 * PG, MS_SYNC));
    OK(msync(a + PG, PG, MS_INVALIDATE));
    OK(munmap(a, 2 * PG));
    OK(close(fd));
    OK(unlink(path_buf));
}

static const struct ctest cases[] = {
    CASE(shared_mapping_and_read_write_see_one_copy),
    CASE(two_processes_share_a_file_mapping),
    CASE(private_mapping_copies_on_write_and_leaves_the_file),
    CASE(truncate_shrinking_a_mapped_file_raises_sigbus_growing_exposes_zeros),
    CASE(an_unlinked_mapped_file_keeps_its_data),
    CASE(msync_flags_and_errors),
};

int main(int argc, char **argv) { return CTEST_MAIN(argc, argv, cases); }
