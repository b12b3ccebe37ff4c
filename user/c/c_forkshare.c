/* c_forkshare — fork's copy-on-write isolation in the cases page-table sharing (issue 14,
 * vmcore/src/ptshare) must keep: writes after fork in parent and child over several 4 MiB
 * tables, munmap / mprotect / mremap in one of them, kernel writes (read(2)) into forked
 * memory, a fork of a fork (three sharers) whose middle process exits first, and a parent
 * writing after many children came and went. Pass on Linux 6.1 (make test-linux). */
#include "ctest.h"
#include <sys/uio.h>

#define PG 4096
#define LEN (10u << 20) /* spans three or four page tables */
#define NPG (LEN / PG)

/* A private anonymous region with word 0 of page i set to tag * 100000 + i. */
static unsigned *filled(unsigned tag)
{
    unsigned *p = MMAP(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (unsigned i = 0; i < NPG; i++)
        p[i * (PG / 4)] = tag * 100000 + i;
    return p;
}

/* Index of the first page in [from, to) whose word 0 is not tag * 100000 + i, or -1. */
static long first_wrong(const unsigned *p, unsigned from, unsigned to, unsigned tag)
{
    for (unsigned i = from; i < to; i++)
        if (((volatile const unsigned *)p)[i * (PG / 4)] != tag * 100000 + i)
            return i;
    return -1;
}

static void write_pages(unsigned *p, unsigned from, unsigned to, unsigned tag)
{
    for (unsigned i = from; i < to; i++)
        p[i * (PG / 4)] = tag * 100000 + i;
}

/* In a child: blocks until the parent writes a byte into the pipe of fd (exit 9 on EOF). */
static void await_go(int fd)
{
    char b;
    if (read(fd, &b, 1) != 1)
        _exit(9);
}

/* Parent and child each write half of the region, in both orders around the fork's return. */
static void writes_after_fork_in_parent_and_child(void)
{
    unsigned *p = filled(1);
    int go[2];
    OK(pipe(go));
    pid_t c = ctest_fork();
    if (c == 0) {
        write_pages(p, 0, NPG / 2, 2);
        await_go(go[0]); /* the parent has written its half */
        _exit(first_wrong(p, 0, NPG / 2, 2) == -1 && first_wrong(p, NPG / 2, NPG, 1) == -1 ? 0 : 4);
    }
    write_pages(p, NPG / 2, NPG, 3);
    OK(write(go[1], "x", 1));
    CHECK_EXIT(ctest_wait(c), 0);
    CHECK_EQ(first_wrong(p, 0, NPG / 2, 1), -1);
    CHECK_EQ(first_wrong(p, NPG / 2, NPG, 3), -1);
    write_pages(p, 0, NPG, 4);
    CHECK_EQ(first_wrong(p, 0, NPG, 4), -1);
}

/* The child unmaps, write-protects and moves parts of its copy; the parent's stays whole. */
static void munmap_mprotect_mremap_in_the_child(void)
{
    unsigned *p = filled(5);
    pid_t c = ctest_fork();
    if (c == 0) {
        unsigned q = NPG / 4;
        if (munmap(p, q * PG) != 0 || mprotect(p + q * (PG / 4), q * PG, PROT_READ) != 0)
            _exit(2);
        unsigned *m = mremap(p + 2 * q * (PG / 4), q * PG, q * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
                             p); /* onto the unmapped first quarter */
        if (m != p)
            _exit(3);
        for (unsigned i = 0; i < q; i++)
            if (m[i * (PG / 4)] != 5 * 100000 + 2 * q + i)
                _exit(4);
        if (first_wrong(p, q, 2 * q, 5) != -1 || first_wrong(p, 3 * q, NPG, 5) != -1)
            _exit(5);
        write_pages(p, 3 * q, NPG, 6);
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(c), 0);
    CHECK_EQ(first_wrong(p, 0, NPG, 5), -1);
    write_pages(p, 0, NPG, 7);
    CHECK_EQ(first_wrong(p, 0, NPG, 7), -1);
}

/* The parent unmaps and write-protects while the child still holds its copy. */
static void munmap_mprotect_in_the_parent_while_the_child_lives(void)
{
    unsigned *p = filled(8);
    int go[2];
    OK(pipe(go));
    pid_t c = ctest_fork();
    if (c == 0) {
        await_go(go[0]);
        if (first_wrong(p, 0, NPG, 8) != -1)
            _exit(3);
        write_pages(p, 0, NPG, 9);
        _exit(first_wrong(p, 0, NPG, 9) == -1 ? 0 : 4);
    }
    OK(munmap(p + (NPG / 2) * (PG / 4), (NPG / 2) * PG));
    OK(mprotect(p, (NPG / 4) * PG, PROT_READ));
    write_pages(p, NPG / 4, NPG / 2, 10);
    OK(write(go[1], "x", 1));
    CHECK_EXIT(ctest_wait(c), 0);
    CHECK_EQ(first_wrong(p, 0, NPG / 4, 8), -1);
    CHECK_EQ(first_wrong(p, NPG / 4, NPG / 2, 10), -1);
}

/* The kernel writes into forked memory (read(2) from a pipe; readv across pages). */
static void kernel_writes_into_forked_memory(void)
{
    unsigned *p = filled(11);
    int d[2];
    OK(pipe(d));
    pid_t c = ctest_fork();
    if (c == 0) {
        if (read(d[0], (char *)p + 5 * PG + 8, 32) != 32)
            _exit(2);
        if (((char *)p)[5 * PG + 8] != 'p' || first_wrong(p, 6, NPG, 11) != -1)
            _exit(3);
        _exit(0);
    }
    char msg[32];
    memset(msg, 'p', sizeof msg);
    OK(write(d[1], msg, sizeof msg));
    CHECK_EXIT(ctest_wait(c), 0);
    CHECK_EQ(((char *)p)[5 * PG + 8], 0); /* the child's read landed in its copy only */
    OK(write(d[1], msg, sizeof msg));
    struct iovec v[2] = { { (char *)p + 7 * PG - 16, 16 }, { (char *)p + 9 * PG, 16 } };
    CHECK_EQ(readv(d[0], v, 2), 32);
    CHECK(((char *)p)[7 * PG - 1] == 'p' && ((char *)p)[9 * PG + 15] == 'p');
    CHECK_EQ(first_wrong(p, 10, NPG, 11), -1);
}

/* P forks A, A forks B (three sharers), A exits first; B and P keep their own views. */
static void fork_of_a_fork_and_the_middle_exits(void)
{
    unsigned *p = filled(12);
    volatile int *verdict = ctest_shared(PG);
    *verdict = -1;
    int done[2];
    OK(pipe(done));
    pid_t a = ctest_fork();
    if (a == 0) {
        write_pages(p, 0, NPG / 4, 13);
        pid_t me = getpid(); /* B's parent until A is gone (A may exit before B first runs) */
        pid_t b = fork();
        if (b < 0)
            _exit(2);
        if (b == 0) {
            close(done[0]);
            while (getppid() == me) /* until A is gone */
                sched_yield();
            int v = first_wrong(p, 0, NPG / 4, 13) == -1 && first_wrong(p, NPG / 4, NPG, 12) == -1;
            write_pages(p, 0, NPG, 14);
            v = v && first_wrong(p, 0, NPG, 14) == -1;
            *verdict = v;
            _exit(0); /* closes done[1]: the parent's read sees EOF */
        }
        write_pages(p, NPG / 4, NPG / 2, 15); /* after B's fork: B must not see it */
        _exit(first_wrong(p, NPG / 4, NPG / 2, 15) == -1 ? 0 : 3);
    }
    close(done[1]);
    CHECK_EXIT(ctest_wait(a), 0);
    char b;
    CHECK_EQ(read(done[0], &b, 1), 0);
    CHECK_EQ(*verdict, 1);
    CHECK_EQ(first_wrong(p, 0, NPG, 12), -1);
    write_pages(p, 0, NPG, 16);
    CHECK_EQ(first_wrong(p, 0, NPG, 16), -1);
}

/* Many children come and go (each exit drops its tables); then the parent writes everything,
 * and a last child checks it still sees the parent's values from its fork. */
static void parent_writes_after_many_children_exit(void)
{
    unsigned *p = filled(17);
    for (int k = 0; k < 20; k++) {
        pid_t c = ctest_fork();
        if (c == 0)
            _exit(first_wrong(p, k, NPG, 17) == -1 ? 0 : 2);
        CHECK_EXIT(ctest_wait(c), 0);
    }
    write_pages(p, 0, NPG, 18);
    CHECK_EQ(first_wrong(p, 0, NPG, 18), -1);
    pid_t c = ctest_fork();
    if (c == 0)
        _exit(first_wrong(p, 0, NPG, 18) == -1 ? 0 : 2);
    write_pages(p, 0, NPG, 19);
    CHECK_EXIT(ctest_wait(c), 0);
    CHECK_EQ(first_wrong(p, 0, NPG, 19), -1);
}

static const struct ctest cases[] = {
    CASE(writes_after_fork_in_parent_and_child),
    CASE(munmap_mprotect_mremap_in_the_child),
    CASE(munmap_mprotect_in_the_parent_while_the_child_lives),
    CASE(kernel_writes_into_forked_memory),
    CASE(fork_of_a_fork_and_the_middle_exits),
    CASE_T(parent_writes_after_many_children_exit, 60),
};

int main(int argc, char **argv) { return CTEST_MAIN(argc, argv, cases); }
