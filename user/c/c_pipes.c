/* c_pipes — pipes, poll/select and the memory devices as a glibc program sees them: 1 MiB
 * between two processes, PIPE_BUF atomicity with several writers, end of file, EPIPE and
 * SIGPIPE (to the writing thread), O_NONBLOCK counts, packet mode, dup2 redirection across
 * exec, close-on-exec, poll/ppoll/select/pselect on pipes, /dev/null, /dev/zero, /dev/full,
 * /dev/urandom, sendfile. */
#include "ctest.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>

/* fstat and lseek by their plain system calls (glibc's go through statx and _llseek, which
 * belong to the file-system slice). */
static int fstat_raw(int fd, struct stat64 *st) { return (int)syscall(SYS_fstat64, fd, st); }
static off_t lseek_raw(int fd, off_t off, int whence) { return (off_t)syscall(SYS_lseek, fd, off, whence); }

static void pipe_ok(int fds[2], int flags)
{
    if (pipe2(fds, flags) != 0)
        FAIL("pipe2: %s", ctest_errname(errno));
}

/* Reads exactly len bytes (fewer only at end of file); fails the case on an error. */
static size_t read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, (char *)buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            FAIL("read: %s", ctest_errname(errno));
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static void write_full(int fd, const void *buf, size_t len)
{
    size_t put = 0;
    while (put < len) {
        ssize_t w = write(fd, (const char *)buf + put, len - put);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(90);
        put += (size_t)w;
    }
}

static unsigned char pattern(size_t i) { return (unsigned char)(i * 7 + (i >> 11)); }

/* ---- data ---- */

/* 1 MiB from a child to the parent in writes of varying sizes, read in other sizes; every byte
 * checked. */
static void one_mib_between_processes(void)
{
    enum { TOTAL = 1 << 20 };
    int fds[2];
    pipe_ok(fds, 0);
    long long t0 = ctest_now_ns();
    unsigned long long c0 = __builtin_ia32_rdtsc();
    pid_t p = ctest_fork();
    if (p == 0) {
        close(fds[0]);
        static unsigned char out[70000];
        size_t sizes[] = { 1, 4096, 65536, 100, 69999, 5000, 4095, 12345 };
        size_t at = 0;
        for (int k = 0; at < TOTAL; k++) {
            size_t n = sizes[k % 8];
            if (n > TOTAL - at)
                n = TOTAL - at;
            for (size_t i = 0; i < n; i++)
                out[i] = pattern(at + i);
            write_full(fds[1], out, n);
            at += n;
        }
        _exit(0);
    }
    close(fds[1]);
    static unsigned char in[32768];
    size_t at = 0, sizes[] = { 32768, 1, 4096, 777, 10000 };
    unsigned long sum = 0;
    for (int k = 0;; k++) {
        ssize_t r = read(fds[0], in, sizes[k % 5]);
        if (r < 0)
            FAIL("read: %s", ctest_errname(errno));
        if (r == 0)
            break;
        for (ssize_t i = 0; i < r; i++) {
            if (in[i] != pattern(at + (size_t)i))
                FAIL("byte %zu is %u, want %u", at + (size_t)i, in[i], pattern(at + (size_t)i));
            sum += in[i];
        }
        at += (size_t)r;
    }
    CHECK_EQ(at, TOTAL);
    CHECK_EXIT(ctest_wait(p), 0);
    long long t1 = ctest_now_ns();
    unsigned long long c1 = __builtin_ia32_rdtsc();
    unsigned long want = 0;
    for (size_t i = 0; i < TOTAL; i++)
        want += pattern(i);
    CHECK_EQ(sum, want);
    /* Under QEMU's -icount shift=0 the TSC counts guest instructions. */
    fprintf(stderr, "  (1 MiB through a pipe between two processes: %lld us, %llu TSC ticks)\n", (t1 - t0) / 1000, c1 - c0);
}

/* Writes of at most PIPE_BUF bytes from four processes never interleave. */
static void atomic_writes_several_writers(void)
{
    enum { WRITERS = 4, RECORDS = 150 };
    size_t sizes[] = { 512, 4096, 100 };
    for (int s = 0; s < 3; s++) {
        size_t rec = sizes[s];
        int fds[2];
        pipe_ok(fds, 0);
        pid_t kids[WRITERS];
        for (int w = 0; w < WRITERS; w++) {
            kids[w] = ctest_fork();
            if (kids[w] == 0) {
                close(fds[0]);
                unsigned char buf[4096];
                for (int r = 0; r < RECORDS; r++) {
                    memset(buf, 'A' + w, rec);
                    buf[0] = (unsigned char)r;
                    if (write(fds[1], buf, rec) != (ssize_t)rec)
                        _exit(1);
                }
                _exit(0);
            }
        }
        close(fds[1]);
        int next[WRITERS] = { 0 };
        unsigned char buf[4096];
        size_t n;
        while ((n = read_full(fds[0], buf, rec)) == rec) {
            int w = buf[1] - 'A';
            CHECKF(w >= 0 && w < WRITERS, "record of unknown writer %d (size %zu)", w, rec);
            for (size_t i = 1; i < rec; i++)
                CHECKF(buf[i] == 'A' + w, "record of writer %d mixed at byte %zu (size %zu)", w, i, rec);
            CHECKF(buf[0] == (unsigned char)next[w], "writer %d: record %d after %d", w, buf[0], next[w]);
            next[w]++;
        }
        CHECK_EQ(n, 0);
        for (int w = 0; w < WRITERS; w++) {
            CHECK_EQ(next[w], RECORDS);
            CHECK_EXIT(ctest_wait(kids[w]), 0);
        }
        close(fds[0]);
    }
}

/* A read returns what is there; 0 once every writer (here a child's copy too) is gone. */
static void eof_when_writers_close(void)
{
    int fds[2];
    pipe_ok(fds, 0);
    char buf[64];
    CHECK_EQ(read(fds[0], buf, 0), 0);
    CHECK_EQ(write(fds[1], "0123456789", 10), 10);
    CHECK_EQ(read(fds[0], buf, sizeof buf), 10);
    pid_t p = ctest_fork();
    if (p == 0) {
        ctest_sleep_ms(100);
        _exit(write(fds[1], "xy", 2) == 2 ? 0 : 1);
    }
    close(fds[1]);
    CHECK_EQ(read(fds[0], buf, sizeof buf), 2); /* blocked until the child wrote */
    CHECK_EQ(read(fds[0], buf, sizeof buf), 0); /* the child exited: no writer left */
    CHECK_EQ(read(fds[0], buf, sizeof buf), 0);
    CHECK_EXIT(ctest_wait(p), 0);
    close(fds[0]);
}

/* ---- EPIPE and SIGPIPE ---- */

static void sigpipe_kills_writer(void)
{
    int fds[2];
    pipe_ok(fds, 0);
    close(fds[0]);
    pid_t p = ctest_fork();
    if (p == 0) {
        signal(SIGPIPE, SIG_DFL);
        (void)write(fds[1], "x", 1);
        _exit(0);
    }
    CHECK_KILLED(ctest_wait(p), SIGPIPE);
    CHECK_EQ(write(fds[1], "", 0), 0); /* an empty write checks nothing */
}

static volatile int pipe_sig_tid, pipe_sig_code, pipe_sig_pid, pipe_sigs;
static void on_sigpipe(int sig, siginfo_t *si, void *uc)
{
    pipe_sigs++;
    pipe_sig_tid = ctest_gettid();
    pipe_sig_code = si->si_code;
    pipe_sig_pid = si->si_pid;
}

static int wfd_for_thread;
static volatile int thread_tid, thread_errno, thread_ret;
static void *writer_thread(void *arg)
{
    thread_tid = ctest_gettid();
    thread_ret = (int)write(wfd_for_thread, "abc", 3);
    thread_errno = errno;
    return NULL;
}

/* EPIPE with SIGPIPE ignored; with a handler, the signal goes to the thread that wrote. */
static void epipe_and_thread_directed_sigpipe(void)
{
    int fds[2];
    pipe_ok(fds, 0);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    ERR(write(fds[1], "x", 1), EPIPE);
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_sigpipe;
    sa.sa_flags = SA_SIGINFO;
    OK(sigaction(SIGPIPE, &sa, NULL));
    ERR(write(fds[1], "x", 1), EPIPE);
    CHECK_EQ(pipe_sigs, 1);
    CHECK_EQ(pipe_sig_tid, ctest_gettid());
    CHECK_EQ(pipe_sig_code, SI_USER);
    CHECK_EQ(pipe_sig_pid, getpid());
    wfd_for_thread = fds[1];
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, writer_thread, NULL), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(thread_ret, -1);
    CHECK_EQ(thread_errno, EPIPE);
    CHECK_EQ(pipe_sigs, 2);
    CHECK_EQ(pipe_sig_tid, thread_tid);
}

/* ---- O_NONBLOCK, capacity, FIONREAD, packets ---- */

static void nonblock_counts(void)
{
    int fds[2];
    pipe_ok(fds, O_NONBLOCK);
    CHECK_EQ(fcntl(fds[0], F_GETFL) & (O_NONBLOCK | O_ACCMODE), O_NONBLOCK | O_RDONLY);
    CHECK_EQ(fcntl(fds[1], F_GETFL) & (O_NONBLOCK | O_ACCMODE), O_NONBLOCK | O_WRONLY);
    CHECK_EQ(fcntl(fds[0], F_GETPIPE_SZ), 65536);
    char buf[4096];
    ERR(read(fds[0], buf, sizeof buf), EAGAIN);
    static char big[100000];
    memset(big, 'z', sizeof big);
    /* An empty pipe takes 16 whole pages of a large write. */
    CHECK_EQ(write(fds[1], big, sizeof big), 65536);
    int avail = -1;
    OK(ioctl(fds[0], FIONREAD, &avail));
    CHECK_EQ(avail, 65536);
    ERR(write(fds[1], big, 1), EAGAIN);
    CHECK_EQ(read(fds[0], buf, 1), 1);
    ERR(write(fds[1], big, 1), EAGAIN);    /* no slot free, the last page is full */
    CHECK_EQ(read(fds[0], buf, 4095), 4095); /* the first slot drained */
    CHECK_EQ(write(fds[1], big, 4096), 4096);
    ERR(write(fds[1], big, 4096), EAGAIN);
    close(fds[0]);
    close(fds[1]);

    /* Small writes merge into the last page: 1000-byte writes fill 4000 bytes of each. */
    pipe_ok(fds, O_NONBLOCK);
    size_t total = 0;
    ssize_t w;
    while ((w = write(fds[1], big, 1000)) > 0)
        total += (size_t)w;
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(total, 64000);
    OK(ioctl(fds[0], FIONREAD, &avail));
    CHECK_EQ(avail, 64000);
    /* fcntl turns blocking back on for the read end. */
    OK(fcntl(fds[0], F_SETFL, 0));
    CHECK_EQ(read_full(fds[0], big, 64000), 64000);
    OK(fcntl(fds[0], F_SETFL, O_NONBLOCK));
    ERR(read(fds[0], buf, 1), EAGAIN);
    close(fds[1]);
    CHECK_EQ(read(fds[0], buf, 1), 0); /* end of file beats EAGAIN */
    close(fds[0]);
}

static void pipe2_flags(void)
{
    int fds[2];
    pipe_ok(fds, O_CLOEXEC);
    CHECK_EQ(fcntl(fds[0], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(fds[1], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(fds[1], F_GETFL) & O_NONBLOCK, 0);
    close(fds[0]);
    close(fds[1]);
    ERR(pipe2(fds, O_APPEND), EINVAL);
    ERR(pipe2(fds, O_NOCTTY), EINVAL);
    ERR(syscall(SYS_pipe, (void *)16), EFAULT);
    /* The failed call left no descriptor behind. */
    pipe_ok(fds, 0);
    int again[2];
    pipe_ok(again, 0);
    CHECK_EQ(again[0], fds[1] + 1);
    struct stat64 st;
    OK(fstat_raw(fds[0], &st));
    CHECK(S_ISFIFO(st.st_mode));
    CHECK_EQ(st.st_nlink, 1);
    OK(fstat_raw(fds[1], &st));
    CHECK(S_ISFIFO(st.st_mode));
    ERR(lseek_raw(fds[0], 0, SEEK_CUR), ESPIPE);
    char c;
    ERR(pread(fds[0], &c, 1, 0), ESPIPE);
    ERR(write(fds[0], "x", 1), EBADF);
    ERR(read(fds[1], &c, 1), EBADF);
}

/* O_DIRECT: every write is a packet, read whole or its rest discarded. */
static void packet_mode(void)
{
    int fds[2];
    pipe_ok(fds, O_DIRECT);
    CHECK_EQ(write(fds[1], "0123456789", 10), 10);
    CHECK_EQ(write(fds[1], "abcdefghijklmnopqrst", 20), 20);
    CHECK_EQ(write(fds[1], "ABCDEFGHIJ", 10), 10);
    char buf[64];
    CHECK_EQ(read(fds[0], buf, sizeof buf), 10);
    CHECK(memcmp(buf, "0123456789", 10) == 0);
    CHECK_EQ(read(fds[0], buf, 5), 5);
    CHECK(memcmp(buf, "abcde", 5) == 0);
    CHECK_EQ(read(fds[0], buf, sizeof buf), 10); /* the rest of the second packet is gone */
    CHECK(memcmp(buf, "ABCDEFGHIJ", 10) == 0);
    close(fds[0]);
    close(fds[1]);
}

/* ---- descriptors across exec ---- */

static int child_echo(void)
{
    const char msg[] = "hello from exec\n";
    return write(1, msg, sizeof msg - 1) == sizeof msg - 1 ? 0 : 3;
}

/* The child's stdout is a pipe (dup2) when it execs this program again. */
static void dup2_stdout_then_exec(void)
{
    int fds[2];
    pipe_ok(fds, 0);
    pid_t p = ctest_fork();
    if (p == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(ctest_self, ctest_prog, "--child-echo", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[64];
    size_t n = read_full(fds[0], buf, sizeof buf);
    CHECK_EQ(n, 16);
    CHECK(memcmp(buf, "hello from exec\n", 16) == 0);
    CHECK_EXIT(ctest_wait(p), 0);
    close(fds[0]);
}

/* argv: --child-fds OPEN CLOSED: exit 0 if fd OPEN is open and fd CLOSED is not. */
static int child_fds(int open_fd, int closed_fd)
{
    if (fcntl(open_fd, F_GETFD) < 0)
        return 4;
    if (fcntl(closed_fd, F_GETFD) != -1 || errno != EBADF)
        return 5;
    return write(open_fd, "ok", 2) == 2 ? 0 : 6;
}

static void close_on_exec(void)
{
    int keep[2], gone[2];
    pipe_ok(keep, 0);
    pipe_ok(gone, O_CLOEXEC);
    int dupped = OK(fcntl(keep[1], F_DUPFD_CLOEXEC, 20));
    CHECK_EQ(fcntl(dupped, F_GETFD), FD_CLOEXEC);
    pid_t p = ctest_fork();
    if (p == 0) {
        char a[16], b[16];
        snprintf(a, sizeof a, "%d", keep[1]);
        snprintf(b, sizeof b, "%d", gone[1]);
        execl(ctest_self, ctest_prog, "--child-fds", a, b, (char *)NULL);
        _exit(127);
    }
    CHECK_EXIT(ctest_wait(p), 0);
    close(keep[1]);
    close(dupped);
    char buf[8];
    CHECK_EQ(read_full(keep[0], buf, sizeof buf), 2);
    /* The exec closed the child's copy of gone[1]; ours is the last writer. */
    close(gone[1]);
    CHECK_EQ(read(gone[0], buf, 1), 0);
}

/* ---- poll, select ---- */

static void poll_pipe_states(void)
{
    int fds[2];
    pipe_ok(fds, 0);
    struct pollfd p[4] = { { fds[0], POLLIN, 0 }, { fds[1], POLLOUT, 0 }, { -1, POLLIN, 0 }, { 99, POLLIN, 0 } };
    /* Empty: only the write end is ready; fd 99 is not open (POLLNVAL); -1 is skipped. */
    CHECK_EQ(poll(p, 4, 0), 2);
    CHECK_EQ(p[0].revents, 0);
    CHECK_EQ(p[1].revents, POLLOUT);
    CHECK_EQ(p[2].revents, 0);
    CHECK_EQ(p[3].revents, POLLNVAL);
    CHECK_EQ(write(fds[1], "ab", 2), 2);
    CHECK_EQ(poll(p, 2, 0), 2);
    CHECK_EQ(p[0].revents, POLLIN);
    /* The write end gone: POLLHUP, with POLLIN while data is left. */
    close(fds[1]);
    CHECK_EQ(poll(p, 1, 0), 1);
    CHECK_EQ(p[0].revents, POLLIN | POLLHUP);
    char buf[4];
    CHECK_EQ(read(fds[0], buf, 4), 2);
    p[0].events = POLLIN | POLLRDNORM;
    CHECK_EQ(poll(p, 1, 0), 1);
    CHECK_EQ(p[0].revents, POLLHUP);
    close(fds[0]);
    /* The read end gone: POLLERR on the write end (asked or not). */
    pipe_ok(fds, 0);
    close(fds[0]);
    struct pollfd w = { fds[1], 0, 0 };
    CHECK_EQ(poll(&w, 1, 0), 1);
    CHECK_EQ(w.revents, POLLERR);
    w.events = POLLOUT | POLLWRNORM;
    CHECK_EQ(poll(&w, 1, 0), 1);
    CHECK_EQ(w.revents, POLLOUT | POLLWRNORM | POLLERR);
    close(fds[1]);
    /* A full pipe is not writable. */
    pipe_ok(fds, O_NONBLOCK);
    static char big[65536];
    CHECK_EQ(write(fds[1], big, sizeof big), 65536);
    w = (struct pollfd){ fds[1], POLLOUT, 0 };
    CHECK_EQ(poll(&w, 1, 0), 0);
    CHECK_EQ(read(fds[0], big, 4096), 4096);
    CHECK_EQ(poll(&w, 1, 0), 1);
    ERR(poll(&w, (nfds_t)(1 << 30), 0), EINVAL);
    /* Files that never wait are always ready (DEFAULT_POLLMASK): a regular file, /dev/null. */
    int f = OK(open(ctest_self, O_RDONLY));
    int n = OK(open("/dev/null", O_RDWR));
    struct pollfd always[2] = { { f, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLPRI, 0 }, { n, POLLRDNORM, 0 } };
    CHECK_EQ(poll(always, 2, -1), 2);
    CHECK_EQ(always[0].revents, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
    CHECK_EQ(always[1].revents, POLLRDNORM);
    close(f);
    close(n);
}

static void poll_timeout_and_wakeup(void)
{
    int fds[2];
    pipe_ok(fds, 0);
    struct pollfd p = { fds[0], POLLIN, 0 };
    long long t0 = ctest_now_ns();
    CHECK_EQ(poll(&p, 1, 150), 0);
    long long ms = (ctest_now_ns() - t0) / 1000000;
    CHECKF(ms >= 140, "poll returned after %lld ms, want 150", ms);
    /* A writer wakes a poll without a timeout. */
    pid_t c = ctest_fork();
    if (c == 0) {
        ctest_sleep_ms(100);
        _exit(write(fds[1], "w", 1) == 1 ? 0 : 1);
    }
    CHECK_EQ(poll(&p, 1, -1), 1);
    CHECK_EQ(p.revents, POLLIN);
    CHECK_EXIT(ctest_wait(c), 0);
    /* A sleeping poll sees the last writer go. */
    char b;
    CHECK_EQ(read(fds[0], &b, 1), 1);
    c = ctest_fork();
    if (c == 0) {
        ctest_sleep_ms(100);
        _exit(0);
    }
    close(fds[1]);
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK_EQ(p.revents, POLLHUP);
    CHECK_EXIT(ctest_wait(c), 0);
}

/* A stop and continue (no handler) in the middle of a poll: it goes on to its first deadline
 * (restart_syscall), it does not start its timeout over. */
static void poll_resumes_after_stop(void)
{
    int fds[2];
    pipe_ok(fds, 0);
    pid_t me = getpid();
    pid_t c = ctest_fork();
    if (c == 0) {
        ctest_sleep_ms(100);
        kill(me, SIGSTOP);
        ctest_sleep_ms(150);
        kill(me, SIGCONT);
        _exit(0);
    }
    struct pollfd p = { fds[0], POLLIN, 0 };
    long long t0 = ctest_now_ns();
    CHECK_EQ(poll(&p, 1, 1000), 0);
    long long ms = (ctest_now_ns() - t0) / 1000000;
    CHECKF(ms >= 990 && ms < 1140, "poll returned after %lld ms, want 1000", ms);
    CHECK_EXIT(ctest_wait(c), 0);
}

static volatile int alarms;
static void on_alarm(int sig) { alarms++; }

/* A handler ends poll and select with EINTR even under SA_RESTART. */
static void poll_select_eintr(void)
{
    int fds[2];
    pipe_ok(fds, 0);
    struct sigaction sa = { 0 };
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    OK(sigaction(SIGALRM, &sa, NULL));
    struct itimerval it = { { 0, 0 }, { 0, 100000 } };
    OK(setitimer(ITIMER_REAL, &it, NULL));
    struct pollfd p = { fds[0], POLLIN, 0 };
    ERR(poll(&p, 1, -1), EINTR);
    CHECK_EQ(alarms, 1);
    OK(setitimer(ITIMER_REAL, &it, NULL));
    fd_set r;
    FD_ZERO(&r);
    FD_SET(fds[0], &r);
    ERR(select(fds[0] + 1, &r, NULL, NULL, NULL), EINTR);
    CHECK_EQ(alarms, 2);
}

static void select_sets_and_timeout(void)
{
    int fds[2];
    pipe_ok(fds, 0);
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(fds[0], &r);
    struct timeval tv = { 0, 150000 };
    long long t0 = ctest_now_ns();
    CHECK_EQ(select(fds[0] + 1, &r, NULL, NULL, &tv), 0);
    long long ms = (ctest_now_ns() - t0) / 1000000;
    CHECKF(ms >= 140, "select returned after %lld ms, want 150", ms);
    CHECK(!FD_ISSET(fds[0], &r));
    CHECKF(tv.tv_sec == 0 && tv.tv_usec == 0, "time left %ld.%06ld, want 0", (long)tv.tv_sec, (long)tv.tv_usec);
    /* Ready at once: both sets, the count is of bits, the time left is written back. */
    CHECK_EQ(write(fds[1], "x", 1), 1);
    FD_SET(fds[0], &r);
    FD_SET(fds[0], &w);
    FD_SET(fds[1], &w);
    tv = (struct timeval){ 5, 0 };
    CHECK_EQ(select(fds[1] + 1, &r, &w, NULL, &tv), 2);
    CHECK(FD_ISSET(fds[0], &r));
    CHECK(!FD_ISSET(fds[0], &w));
    CHECK(FD_ISSET(fds[1], &w));
    CHECKF(tv.tv_sec >= 4 && tv.tv_sec <= 5, "time left %ld.%06ld", (long)tv.tv_sec, (long)tv.tv_usec);
    /* A descriptor that is not open: EBADF. */
    FD_ZERO(&r);
    FD_SET(30, &r);
    ERR(select(31, &r, NULL, NULL, &(struct timeval){ 0, 0 }), EBADF);
    ERR(select(-1, NULL, NULL, NULL, NULL), EINVAL);
    ERR(select(1, NULL, NULL, NULL, &(struct timeval){ -1, 0 }), EINVAL);
    /* A zero timeout polls; a select without sets sleeps for its timeout. */
    FD_ZERO(&r);
    FD_SET(fds[0], &r);
    tv = (struct timeval){ 0, 0 };
    CHECK_EQ(select(fds[0] + 1, &r, NULL, NULL, &tv), 1);
    tv = (struct timeval){ 0, 50000 };
    t0 = ctest_now_ns();
    CHECK_EQ(select(0, NULL, NULL, NULL, &tv), 0);
    CHECK((ctest_now_ns() - t0) / 1000000 >= 45);
}

static volatile int usr1s;
static void on_usr1(int sig) { usr1s++; }

/* ppoll and pselect install their mask for the wait only: a blocked pending signal is
 * delivered inside, the old mask is back after. */
static void ppoll_pselect_sigmask(void)
{
    int fds[2];
    pipe_ok(fds, 0);
    signal(SIGUSR1, on_usr1);
    sigset_t block, unblocked, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    OK(sigprocmask(SIG_BLOCK, &block, NULL));
    raise(SIGUSR1);
    CHECK_EQ(usr1s, 0);
    struct pollfd p = { fds[0], POLLIN, 0 };
    struct timespec ts = { 0, 50000000 };
    /* Still blocked inside: the timeout passes. */
    CHECK_EQ(ppoll(&p, 1, &ts, &block), 0);
    CHECK_EQ(usr1s, 0);
    sigemptyset(&unblocked);
    ts = (struct timespec){ 5, 0 };
    ERR(ppoll(&p, 1, &ts, &unblocked), EINTR);
    CHECK_EQ(usr1s, 1);
    OK(sigprocmask(SIG_BLOCK, NULL, &now));
    CHECK(sigismember(&now, SIGUSR1));
    raise(SIGUSR1);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(fds[0], &r);
    ERR(pselect(fds[0] + 1, &r, NULL, NULL, &ts, &unblocked), EINTR);
    CHECK_EQ(usr1s, 2);
    OK(sigprocmask(SIG_BLOCK, NULL, &now));
    CHECK(sigismember(&now, SIGUSR1));
    /* Ready with the signal pending: no EINTR, and the signal waits for the old mask. */
    raise(SIGUSR1);
    CHECK_EQ(write(fds[1], "x", 1), 1);
    CHECK_EQ(ppoll(&p, 1, &ts, &block), 1);
    CHECK_EQ(usr1s, 2);
    ERR(syscall(SYS_ppoll, &p, 1, NULL, &unblocked, 4), EINVAL);
    OK(sigprocmask(SIG_UNBLOCK, &block, NULL));
    CHECK_EQ(usr1s, 3);
}

/* ---- devices ---- */

static void check_dev(const char *path, unsigned maj, unsigned min)
{
    struct stat64 st;
    int fd = open(path, O_RDWR);
    CHECKF(fd >= 0, "open %s: %s", path, ctest_errname(errno));
    OK(fstat_raw(fd, &st));
    CHECKF(S_ISCHR(st.st_mode), "%s: mode %o", path, st.st_mode);
    CHECKF(major(st.st_rdev) == maj && minor(st.st_rdev) == min, "%s: rdev %u:%u", path, major(st.st_rdev), minor(st.st_rdev));
    close(fd);
}

static void dev_null_zero_full(void)
{
    check_dev("/dev/null", 1, 3);
    check_dev("/dev/zero", 1, 5);
    check_dev("/dev/full", 1, 7);
    check_dev("/dev/random", 1, 8);
    check_dev("/dev/urandom", 1, 9);
    char buf[5000];
    int fd = OK(open("/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644)); /* a shell's "> /dev/null" */
    CHECK_EQ(write(fd, "abc", 3), 3);
    close(fd);
    fd = OK(open("/dev/null", O_RDONLY));
    CHECK_EQ(read(fd, buf, sizeof buf), 0);
    close(fd);
    fd = OK(open("/dev/zero", O_RDWR));
    memset(buf, 'x', sizeof buf);
    CHECK_EQ(read(fd, buf, sizeof buf), sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        CHECKF(buf[i] == 0, "/dev/zero byte %zu is %d", i, buf[i]);
    CHECK_EQ(write(fd, buf, 100), 100);
    memset(buf, 'x', 10);
    CHECK_EQ(pread(fd, buf, 10, 12345), 10);
    CHECK_EQ(buf[9], 0);
    close(fd);
    fd = OK(open("/dev/full", O_RDWR));
    ERR(write(fd, "x", 1), ENOSPC);
    memset(buf, 'x', 10);
    CHECK_EQ(read(fd, buf, 10), 10);
    CHECK_EQ(buf[0], 0);
    close(fd);
    ERR(open("/dev/null", O_RDONLY | O_DIRECTORY), ENOTDIR);
}

static void dev_urandom(void)
{
    unsigned char a[64], b[64];
    int fd = OK(open("/dev/urandom", O_RDONLY));
    CHECK_EQ(read(fd, a, sizeof a), 64);
    CHECK_EQ(read(fd, b, sizeof b), 64);
    CHECK(memcmp(a, b, sizeof a) != 0);
    int zeros = 0;
    for (int i = 0; i < 64; i++)
        zeros += a[i] == 0;
    CHECKF(zeros < 8, "%d zero bytes of 64", zeros);
    close(fd);
    fd = OK(open("/dev/random", O_RDWR));
    CHECK_EQ(read(fd, a, sizeof a), 64);
    CHECK_EQ(write(fd, b, sizeof b), 64); /* accepted */
    close(fd);
}

/* /dev/zero mapped: private is anonymous memory, shared is shared with a child. */
static void dev_zero_mmap(void)
{
    int fd = OK(open("/dev/zero", O_RDWR));
    unsigned char *priv = MMAP(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK_EQ(priv[100], 0);
    priv[100] = 7;
    unsigned char *other = MMAP(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK_EQ(other[100], 0);
    volatile unsigned char *shared = MMAP(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_EQ(shared[5], 0);
    pid_t p = ctest_fork();
    if (p == 0) {
        shared[5] = 42;
        priv[100] = 9;
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(p), 0);
    CHECK_EQ(shared[5], 42);
    CHECK_EQ(priv[100], 7);
    close(fd);
    fd = OK(open("/dev/zero", O_RDONLY));
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EACCES);
    close(fd);
    fd = OK(open("/dev/null", O_RDWR));
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == ENODEV);
    close(fd);
}

/* ---- sendfile ---- */

static void sendfile_to_pipe(void)
{
    int in = OK(open(ctest_self, O_RDONLY));
    int fds[2];
    pipe_ok(fds, 0);
    unsigned char want[1000], got[1000];
    CHECK_EQ(pread(in, want, sizeof want, 100), sizeof want);
    /* With an offset: the file's own offset does not move. */
    off_t off = 100;
    CHECK_EQ(sendfile(fds[1], in, &off, sizeof want), sizeof want);
    CHECK_EQ(off, 1100);
    CHECK_EQ(lseek_raw(in, 0, SEEK_CUR), 0);
    CHECK_EQ(read_full(fds[0], got, sizeof got), sizeof got);
    CHECK(memcmp(want, got, sizeof want) == 0);
    /* Without: from the file offset, which advances. */
    OK(lseek_raw(in, 100, SEEK_SET));
    CHECK_EQ(sendfile(fds[1], in, NULL, sizeof want), sizeof want);
    CHECK_EQ(lseek_raw(in, 0, SEEK_CUR), 1100);
    CHECK_EQ(read_full(fds[0], got, sizeof got), sizeof got);
    CHECK(memcmp(want, got, sizeof want) == 0);
    /* Into an empty pipe: as much as its 16 pages hold. */
    off = 0;
    CHECK_EQ(sendfile(fds[1], in, &off, 200000), 65536);
    CHECK_EQ(off, 65536);
    OK(fcntl(fds[1], F_SETFL, O_NONBLOCK));
    ERR(sendfile(fds[1], in, &off, 10), EAGAIN);
    static unsigned char drain[65536];
    CHECK_EQ(read_full(fds[0], drain, sizeof drain), sizeof drain);
    /* Past the end of the file: 0. */
    struct stat64 st;
    OK(fstat_raw(in, &st));
    off = st.st_size;
    CHECK_EQ(sendfile(fds[1], in, &off, 10), 0);
    off = st.st_size - 3;
    CHECK_EQ(sendfile(fds[1], in, &off, 10), 3);
    CHECK_EQ(read(fds[0], got, 10), 3);
    /* From /dev/urandom; /dev/zero is no source and no destination in Linux 6.1. */
    int zero = OK(open("/dev/zero", O_RDWR));
    ERR(sendfile(fds[1], zero, NULL, 5000), EINVAL);
    off = 0;
    ERR(sendfile(zero, in, &off, 10), EINVAL);
    close(zero);
    int ur = OK(open("/dev/urandom", O_RDONLY));
    CHECK_EQ(sendfile(fds[1], ur, NULL, 5000), 5000);
    CHECK_EQ(read_full(fds[0], drain, 5000), 5000);
    close(ur);
    /* Errors: a pipe as source, a write-only source, a read-only destination. */
    ERR(sendfile(fds[1], fds[0], NULL, 10), EINVAL);
    ERR(sendfile(in, in, NULL, 10), EBADF);
    ERR(sendfile(fds[1], 99, NULL, 10), EBADF);
    int wo = OK(open("/dev/null", O_WRONLY));
    ERR(sendfile(fds[1], wo, NULL, 10), EBADF);
    /* To /dev/null: all of it. */
    off = 0;
    CHECK_EQ(sendfile(wo, in, &off, 100000), 100000);
    close(wo);
    close(in);
}

static const struct ctest cases[] = {
    CASE_T(one_mib_between_processes, 60),
    CASE_T(atomic_writes_several_writers, 60),
    CASE(eof_when_writers_close),
    CASE(sigpipe_kills_writer),
    CASE(epipe_and_thread_directed_sigpipe),
    CASE(nonblock_counts),
    CASE(pipe2_flags),
    CASE(packet_mode),
    CASE(dup2_stdout_then_exec),
    CASE(close_on_exec),
    CASE(poll_pipe_states),
    CASE(poll_timeout_and_wakeup),
    CASE(poll_resumes_after_stop),
    CASE(poll_select_eintr),
    CASE(select_sets_and_timeout),
    CASE(ppoll_pselect_sigmask),
    CASE(dev_null_zero_full),
    CASE(dev_urandom),
    CASE(dev_zero_mmap),
    CASE(sendfile_to_pipe),
};

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--child-echo") == 0)
        return child_echo();
    if (argc >= 4 && strcmp(argv[1], "--child-fds") == 0)
        return child_fds(atoi(argv[2]), atoi(argv[3]));
    return CTEST_MAIN(argc, argv, cases);
}
