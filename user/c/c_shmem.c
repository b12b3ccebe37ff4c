/* c_shmem — shared anonymous memory as an object (Linux's shmem): a 1 GiB MAP_SHARED |
 * MAP_ANONYMOUS mapping costs nothing at fork and a child's writes reach the parent; such
 * mappings and memfds show as unlinked files in /proc/PID/maps; memfd_create with its names,
 * flags, descriptors and seals; MADV_REMOVE punching shared memory in every process mapping
 * it; mremap duplicating and growing shared memory (SIGBUS past the object); mincore of pages
 * another process touched. */
#include "ctest.h"

#include <fcntl.h>
#include <setjmp.h>
#include <sys/stat.h>

#define PG 4096

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif

static int memfd(const char *name, unsigned flags) { return (int)syscall(SYS_memfd_create, name, flags); }

/* MemFree in kB. */
static long mem_free_kb(void)
{
    char buf[4096];
    int fd = OK(open("/proc/meminfo", O_RDONLY));
    ssize_t n = OK(read(fd, buf, sizeof buf - 1));
    close(fd);
    buf[n] = 0;
    char *at = strstr(buf, "MemFree:");
    CHECK(at != NULL);
    return strtol(at + 8, NULL, 10);
}

/* The /proc/self/maps line of the mapping at `addr` into `line`. */
static void maps_line(const void *addr, char *line, size_t size)
{
    static char buf[16384];
    int fd = OK(open("/proc/self/maps", O_RDONLY));
    size_t len = 0;
    ssize_t n;
    while ((n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    buf[len] = 0;
    char want[32];
    snprintf(want, sizeof want, "%08lx-", (unsigned long)addr);
    char *at = strstr(buf, want);
    CHECKF(at != NULL, "no maps line for %p", addr);
    char *end = strchr(at, '\n');
    size_t l = end ? (size_t)(end - at) : strlen(at);
    if (l >= size)
        l = size - 1;
    memcpy(line, at, l);
    line[l] = 0;
}

static void shared_anonymous_fork_of_1gib_copies_nothing(void)
{
    const size_t len = 1UL << 30;
    volatile unsigned char *p = MMAP(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    p[0] = 1; /* one page touched before the fork */
    volatile long *report = ctest_shared(PG);
    long before = mem_free_kb();
    pid_t pid = ctest_fork();
    if (pid == 0) {
        report[0] = mem_free_kb();
        p[len / 2] = 2;
        p[len - 1] = 3;
        report[1] = p[0];
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(pid), 0);
    CHECKF(before - report[0] < 8192, "fork took %ld kB of a 1 GiB shared mapping", before - report[0]);
    CHECK_EQ(report[1], 1);     /* the parent's page, seen by the child */
    CHECK_EQ(p[len / 2], 2);    /* the child's pages, seen by the parent */
    CHECK_EQ(p[len - 1], 3);
    CHECK_EQ(p[4096], 0);
    OK(munmap((void *)p, len));
}

static void shared_anonymous_and_memfd_show_as_unlinked_files(void)
{
    char line[256];
    void *a = MMAP(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    maps_line(a, line, sizeof line);
    CHECKF(strstr(line, " rw-s 00000000 ") && strstr(line, "/dev/zero (deleted)"), "%s", line);
    int z = OK(open("/dev/zero", O_RDWR));
    void *b = MMAP(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, z, 0);
    maps_line(b, line, sizeof line);
    CHECKF(strstr(line, " rw-s ") && strstr(line, "/dev/zero (deleted)"), "%s", line);
    void *c = MMAP(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 0);
    maps_line(c, line, sizeof line);
    CHECKF(strstr(line, " rw-p 00000000 "), "%s", line); /* private: plain anonymous memory */
    int fd = OK(memfd("ctest map", 0));
    OK(ftruncate(fd, PG));
    void *d = MMAP(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
    maps_line(d, line, sizeof line);
    CHECKF(strstr(line, " r--s 00000000 ") && strstr(line, "/memfd:ctest map (deleted)"), "%s", line);
    /* A named file mapped and then unlinked reads the same way. */
    char path[64];
    snprintf(path, sizeof path, "/c_shmem.%d", (int)getpid());
    int f = OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    OK(ftruncate(f, PG));
    void *e = MMAP(NULL, PG, PROT_READ, MAP_SHARED, f, 0);
    maps_line(e, line, sizeof line);
    CHECKF(strstr(line, path) && !strstr(line, "(deleted)"), "%s", line);
    OK(unlink(path));
    maps_line(e, line, sizeof line);
    char want[80];
    snprintf(want, sizeof want, "%s (deleted)", path);
    size_t ll = strlen(line), wl = strlen(want);
    CHECKF(ll >= wl && strcmp(line + ll - wl, want) == 0, "%s", line);
}

static void memfd_is_an_unlinked_regular_file(void)
{
    int fd = OK(memfd("ctest", MFD_CLOEXEC));
    CHECK_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
    struct stat st;
    OK(fstat(fd, &st));
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_mode & 07777, 0777);
    CHECK_EQ(st.st_nlink, 0);
    CHECK_EQ(st.st_size, 0);
    char link[64], path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = OK(readlink(path, link, sizeof link - 1));
    link[n] = 0;
    CHECKF(strcmp(link, "/memfd:ctest (deleted)") == 0, "%s", link);
    CHECK_EQ(pwrite(fd, "hello", 5, 0), 5);
    OK(ftruncate(fd, 3 * PG));
    volatile char *m = MMAP(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_EQ(m[0], 'h');
    CHECK_EQ(m[2 * PG], 0);
    m[PG + 1] = 'x';
    char c = 0;
    CHECK_EQ(pread(fd, &c, 1, PG + 1), 1);
    CHECK_EQ(c, 'x');
    OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 3 * PG);
    /* A second descriptor name: what the first wrote through the map, read by lseek + read. */
    CHECK_EQ(lseek(fd, PG, SEEK_SET), PG);
    char two[2];
    CHECK_EQ(read(fd, two, 2), 2);
    CHECK_EQ(two[1], 'x');
}

static void memfd_is_shared_across_fork(void)
{
    int fd = OK(memfd("fork", 0));
    OK(ftruncate(fd, 2 * PG));
    volatile unsigned char *m = MMAP(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    m[10] = 1;
    pid_t pid = ctest_fork();
    if (pid == 0) {
        if (m[10] != 1)
            _exit(2);
        m[11] = 2; /* the inherited mapping */
        unsigned char v = 3;
        if (pwrite(fd, &v, 1, PG) != 1) /* the inherited descriptor */
            _exit(3);
        volatile unsigned char *own = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
        if (own == MAP_FAILED)
            _exit(4);
        own[1] = 4; /* a mapping of its own */
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(pid), 0);
    CHECK_EQ(m[11], 2);
    CHECK_EQ(m[PG], 3);
    CHECK_EQ(m[PG + 1], 4);
}

static void memfd_refuses_bad_flags_and_names(void)
{
    ERR(memfd("x", 0x100), EINVAL);
    ERR(memfd(NULL, 0), EFAULT);
    ERR(memfd((const char *)8, 0), EFAULT);
    char name[260];
    memset(name, 'n', sizeof name);
    name[250] = 0; /* 250 bytes: one more than NAME_MAX less "memfd:" */
    ERR(memfd(name, 0), EINVAL);
    name[249] = 0;
    int fd = OK(memfd(name, 0));
    OK(close(fd));
    fd = OK(memfd("", 0));
    OK(close(fd));
}

static void memfd_seals_as_linux(void)
{
    int plain = OK(memfd("plain", 0));
    CHECK_EQ(fcntl(plain, F_GET_SEALS), F_SEAL_SEAL);
    ERR(fcntl(plain, F_ADD_SEALS, F_SEAL_GROW), EPERM);
    int p[2];
    OK(pipe(p));
    ERR(fcntl(p[0], F_GET_SEALS), EINVAL);

    int fd = OK(memfd("sealed", MFD_ALLOW_SEALING));
    CHECK_EQ(fcntl(fd, F_GET_SEALS), 0);
    ERR(fcntl(fd, F_ADD_SEALS, 0x100), EINVAL);
    OK(ftruncate(fd, 2 * PG));
    OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
    ERR(ftruncate(fd, PG), EPERM);
    OK(ftruncate(fd, 3 * PG));
    OK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
    ERR(ftruncate(fd, 4 * PG), EPERM);
    ERR(pwrite(fd, "ab", 2, 3 * PG), EPERM);
    CHECK_EQ(pwrite(fd, "ab", 2, 3 * PG - 1), 1); /* checked per page: short at the end */
    CHECK_EQ(pwrite(fd, "ab", 2, 3 * PG - 2), 2);
    void *m = MMAP(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);
    OK(munmap(m, PG));
    OK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    ERR(pwrite(fd, "c", 1, 0), EPERM);
    CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EPERM);
    void *ro = MMAP(NULL, PG, PROT_READ, MAP_SHARED, fd, 0); /* read-only: allowed */
    OK(munmap(ro, PG));
    volatile char *priv = MMAP(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK_EQ(priv[3 * PG - 2], 'a');
    priv[0] = 'z'; /* a private copy: the file stays */
    char c = 1;
    CHECK_EQ(pread(fd, &c, 1, 0), 1);
    CHECK_EQ(c, 0);
    OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
    ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), EPERM);
    CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
}

static void madv_remove_punches_shared_memory_everywhere(void)
{
    volatile unsigned char *m = MMAP(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < 4; i++)
        m[i * PG] = (unsigned char)(i + 1);
    int ready[2], go[2];
    OK(pipe(ready));
    OK(pipe(go));
    pid_t pid = ctest_fork();
    if (pid == 0) {
        unsigned sum = 0;
        for (int i = 0; i < 4; i++)
            sum += m[i * PG]; /* every page mapped in the child too */
        char b = (char)sum;
        if (write(ready[1], &b, 1) != 1 || read(go[0], &b, 1) != 1)
            _exit(2);
        _exit(m[0] == 1 && m[PG] == 0 && m[2 * PG] == 0 && m[3 * PG] == 4 ? 0 : 3);
    }
    char b;
    CHECK_EQ(read(ready[0], &b, 1), 1);
    CHECK_EQ(b, 10);
    OK(madvise((void *)(m + PG), 2 * PG, MADV_REMOVE));
    CHECK_EQ(m[PG], 0);
    CHECK_EQ(m[2 * PG], 0);
    CHECK_EQ(m[3 * PG], 4);
    CHECK_EQ(write(go[1], &b, 1), 1);
    CHECK_EXIT(ctest_wait(pid), 0);
    void *priv = MMAP(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ERR(madvise(priv, PG, MADV_REMOVE), EINVAL);
}

static void madv_remove_frees_memfd_blocks(void)
{
    int fd = OK(memfd("punch", 0));
    static char page[PG];
    for (int i = 0; i < 4; i++) {
        memset(page, 'a' + i, PG);
        CHECK_EQ(write(fd, page, PG), PG);
    }
    struct stat st;
    OK(fstat(fd, &st));
    CHECK_EQ(st.st_blocks, 32);
    volatile char *m = MMAP(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_EQ(m[PG], 'b');
    OK(madvise((void *)(m + PG), 2 * PG, MADV_REMOVE));
    OK(fstat(fd, &st));
    CHECK_EQ(st.st_blocks, 16);
    CHECK_EQ(st.st_size, 4 * PG);
    char c = 1;
    CHECK_EQ(pread(fd, &c, 1, 2 * PG + 5), 1);
    CHECK_EQ(c, 0);
    CHECK_EQ(m[3 * PG], 'd');
    CHECK_EQ(m[PG], 0);
    /* A private mapping of the file may not punch it. */
    void *priv = MMAP(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ERR(madvise(priv, PG, MADV_REMOVE), EACCES);
}

static sigjmp_buf bus_jmp;
static void on_bus(int sig) { siglongjmp(bus_jmp, sig); }

static void mremap_duplicates_and_grows_shared_memory(void)
{
    volatile unsigned char *p = MMAP(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    p[0] = 5;
    volatile unsigned char *q = mremap((void *)p, 0, 2 * PG, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED && q != p);
    CHECK_EQ(q[0], 5);
    q[PG] = 6;
    CHECK_EQ(p[PG], 6);
    /* Growing past the object: the new pages have nothing behind them. */
    volatile unsigned char *r = mremap((void *)q, 2 * PG, 4 * PG, MREMAP_MAYMOVE);
    CHECK(r != MAP_FAILED);
    CHECK_EQ(r[PG], 6);
    struct sigaction sa = { .sa_handler = on_bus };
    OK(sigaction(SIGBUS, &sa, NULL));
    int sig = sigsetjmp(bus_jmp, 1);
    if (sig == 0) {
        (void)r[3 * PG];
        FAIL("read past the shared object did not raise SIGBUS");
    }
    CHECK_EQ(sig, SIGBUS);
}

static void mincore_sees_pages_another_process_touched(void)
{
    volatile unsigned char *m = MMAP(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    unsigned char vec[4];
    OK(mincore((void *)m, 4 * PG, vec));
    CHECK_EQ(vec[0] | vec[1] | vec[2] | vec[3], 0);
    pid_t pid = ctest_fork();
    if (pid == 0) {
        m[2 * PG] = 1;
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(pid), 0);
    OK(mincore((void *)m, 4 * PG, vec));
    CHECK_EQ(vec[2] & 1, 1);
    CHECK_EQ(vec[0] & 1, 0);
    CHECK_EQ(m[2 * PG], 1);
}

static const struct ctest cases[] = {
    CASE_T(shared_anonymous_fork_of_1gib_copies_nothing, 60),
    CASE(shared_anonymous_and_memfd_show_as_unlinked_files),
    CASE(memfd_is_an_unlinked_regular_file),
    CASE(memfd_is_shared_across_fork),
    CASE(memfd_refuses_bad_flags_and_names),
    CASE(memfd_seals_as_linux),
    CASE(madv_remove_punches_shared_memory_everywhere),
    CASE(madv_remove_frees_memfd_blocks),
    CASE(mremap_duplicates_and_grows_shared_memory),
    CASE(mincore_sees_pages_another_process_touched),
};

int main(int argc, char **argv) { return CTEST_MAIN(argc, argv, cases); }
