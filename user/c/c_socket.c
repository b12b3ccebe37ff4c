/* c_socket — AF_UNIX socketpair as a glibc program sees it: both directions of a stream pair
 * (read/write, readv/writev, send/recv, sendto/recvfrom), 256 KiB through a child, end of
 * file and EPIPE/SIGPIPE after close and shutdown (MSG_NOSIGNAL), poll/select states,
 * SOCK_CLOEXEC/SOCK_NONBLOCK/MSG_DONTWAIT, fstat S_IFSOCK, message boundaries of SOCK_DGRAM
 * and SOCK_SEQPACKET, the direct i386 calls (360, 369, 371, 373) next to glibc's socketcall,
 * and Linux's errors (EFAULT leaks no descriptor, EAFNOSUPPORT, EPROTONOSUPPORT,
 * ESOCKTNOSUPPORT, EINVAL, ENOTSOCK, EISCONN, listen/accept on a pair). */
#include "ctest.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

static void pair(int type, int sv[2])
{
    if (socketpair(AF_UNIX, type, 0, sv) != 0)
        FAIL("socketpair(%d): %s", type, ctest_errname(errno));
}

static short revents(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP };
    CHECK_EQ(poll(&p, 1, 0), 1);
    return p.revents;
}

static void stream_both_directions(void)
{
    int sv[2];
    char buf[64];
    pair(SOCK_STREAM, sv);
    CHECK_EQ(write(sv[0], "ping", 4), 4);
    CHECK_EQ(read(sv[1], buf, sizeof buf), 4);
    CHECK(memcmp(buf, "ping", 4) == 0);
    CHECK_EQ(write(sv[1], "pong!", 5), 5);
    CHECK_EQ(read(sv[0], buf, sizeof buf), 5);
    CHECK(memcmp(buf, "pong!", 5) == 0);
    struct iovec out[2] = { { "ab", 2 }, { "cde", 3 } };
    CHECK_EQ(writev(sv[0], out, 2), 5);
    char x[3], y[8];
    struct iovec in[2] = { { x, 3 }, { y, 8 } };
    CHECK_EQ(readv(sv[1], in, 2), 5);
    CHECK(memcmp(x, "abc", 3) == 0 && memcmp(y, "de", 2) == 0);
    CHECK_EQ(send(sv[1], "send", 4, 0), 4);
    CHECK_EQ(recv(sv[0], buf, sizeof buf, 0), 4);
    CHECK_EQ(sendto(sv[0], "to", 2, 0, NULL, 0), 2);
    struct sockaddr_storage from;
    socklen_t len = sizeof from;
    CHECK_EQ(recvfrom(sv[1], buf, sizeof buf, 0, (struct sockaddr *)&from, &len), 2);
    CHECK_EQ(len, 0); /* the peer of a socketpair has no name */
    CHECK_EQ(send(sv[0], "", 0, 0), 0);
}

static unsigned char pattern(size_t i) { return (unsigned char)(i * 7 + (i >> 11)); }

enum { BIG = 256 * 1024 };

static void big_transfer_through_child(void)
{
    int sv[2];
    pair(SOCK_STREAM, sv);
    pid_t pid = ctest_fork();
    if (pid == 0) {
        close(sv[0]);
        static unsigned char in[4096];
        size_t got = 0;
        ssize_t r;
        while ((r = read(sv[1], in, sizeof in)) > 0) {
            for (ssize_t i = 0; i < r; i++)
                if (in[i] != pattern(got + (size_t)i))
                    _exit(2);
            got += (size_t)r;
        }
        uint32_t n = (uint32_t)got;
        _exit(r == 0 && write(sv[1], &n, 4) == 4 ? 0 : 3);
    }
    close(sv[1]);
    static unsigned char out[BIG];
    for (size_t i = 0; i < BIG; i++)
        out[i] = pattern(i);
    for (size_t put = 0; put < BIG;) {
        ssize_t w = write(sv[0], out + put, BIG - put > 5000 ? 5000 : BIG - put);
        CHECKF(w > 0, "write: %s", ctest_errname(errno));
        put += (size_t)w;
    }
    CHECK_EQ(shutdown(sv[0], SHUT_WR), 0);
    uint32_t n = 0;
    CHECK_EQ(read(sv[0], &n, 4), 4);
    CHECK_EQ(n, BIG);
    CHECK_EXIT(ctest_wait(pid), 0);
}

static void close_gives_eof_and_epipe(void)
{
    int sv[2];
    char c;
    pair(SOCK_STREAM, sv);
    CHECK_EQ(write(sv[1], "z", 1), 1);
    OK(close(sv[1]));
    CHECK_EQ(read(sv[0], &c, 1), 1); /* the data sent before the close is still there */
    CHECK_EQ(read(sv[0], &c, 1), 0);
    signal(SIGPIPE, SIG_IGN);
    ERR(write(sv[0], "x", 1), EPIPE);
    ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    signal(SIGPIPE, SIG_DFL);
    ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE); /* no signal: still alive */
    pid_t pid = ctest_fork();
    if (pid == 0) {
        (void)!write(sv[0], "x", 1);
        _exit(0);
    }
    CHECK_KILLED(ctest_wait(pid), SIGPIPE);
}

static void shutdown_rules(void)
{
    int sv[2];
    char buf[8];
    pair(SOCK_STREAM, sv);
    signal(SIGPIPE, SIG_IGN);
    CHECK_EQ(write(sv[0], "ab", 2), 2);
    OK(shutdown(sv[0], SHUT_WR));
    ERR(write(sv[0], "c", 1), EPIPE);
    CHECK_EQ(read(sv[1], buf, sizeof buf), 2);
    CHECK_EQ(read(sv[1], buf, sizeof buf), 0);
    CHECK_EQ(write(sv[1], "back", 4), 4); /* the other direction still works */
    CHECK_EQ(read(sv[0], buf, sizeof buf), 4);
    OK(shutdown(sv[0], SHUT_RD));
    ERR(write(sv[1], "x", 1), EPIPE);
    CHECK_EQ(read(sv[0], buf, sizeof buf), 0);
    OK(shutdown(sv[1], SHUT_RDWR));
    ERR(shutdown(sv[1], 3), EINVAL);
    int p[2];
    OK(pipe(p));
    ERR(shutdown(p[0], SHUT_RD), ENOTSOCK);
    ERR(send(p[1], "x", 1, 0), ENOTSOCK);
    ERR(recv(p[0], buf, 1, 0), ENOTSOCK);
    ERR(shutdown(999, SHUT_RD), EBADF);
}

static void poll_states(void)
{
    int sv[2];
    pair(SOCK_STREAM, sv);
    CHECK_EQ(revents(sv[0]), POLLOUT);
    CHECK_EQ(write(sv[1], "a", 1), 1);
    CHECK_EQ(revents(sv[0]), POLLIN | POLLOUT);
    OK(shutdown(sv[1], SHUT_WR));
    CHECK_EQ(revents(sv[0]), POLLIN | POLLOUT | POLLRDHUP);
    CHECK_EQ(revents(sv[1]), POLLOUT);
    OK(close(sv[1]));
    CHECK_EQ(revents(sv[0]), POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
    /* select wakes when a child writes */
    pair(SOCK_STREAM, sv);
    pid_t pid = ctest_fork();
    if (pid == 0) {
        ctest_sleep_ms(50);
        _exit(write(sv[1], "w", 1) == 1 ? 0 : 1);
    }
    fd_set r;
    FD_ZERO(&r);
    FD_SET(sv[0], &r);
    struct timeval tv = { 5, 0 };
    CHECK_EQ(select(sv[0] + 1, &r, NULL, NULL, &tv), 1);
    CHECK(FD_ISSET(sv[0], &r));
    CHECK_EXIT(ctest_wait(pid), 0);
}

static void flags_and_fstat(void)
{
    int sv[2];
    char c;
    OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv));
    CHECK_EQ(fcntl(sv[0], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(sv[1], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(sv[0], F_GETFL), O_RDWR | O_NONBLOCK);
    ERR(read(sv[0], &c, 1), EAGAIN);
    static char chunk[4096];
    int full = 0;
    for (int i = 0; i < 4096 && !full; i++) {
        ssize_t w = write(sv[0], chunk, sizeof chunk);
        if (w < 0) {
            CHECKF(errno == EAGAIN, "write: %s", ctest_errname(errno));
            full = 1;
        }
    }
    CHECK(full);
    struct stat st, st1;
    OK(fstat(sv[0], &st));
    OK(fstat(sv[1], &st1));
    CHECK(S_ISSOCK(st.st_mode));
    CHECK(st.st_ino != st1.st_ino);
    pair(SOCK_STREAM, sv);
    CHECK_EQ(fcntl(sv[0], F_GETFD), 0);
    CHECK_EQ(fcntl(sv[0], F_GETFL), O_RDWR);
    ERR(recv(sv[0], &c, 1, MSG_DONTWAIT), EAGAIN);
}

static void message_boundaries(int type)
{
    int sv[2];
    char buf[100];
    pair(type, sv);
    CHECK_EQ(send(sv[0], "0123456789", 10, 0), 10);
    CHECK_EQ(send(sv[0], "abcdefghijklmnopqrst", 20, 0), 20);
    CHECK_EQ(write(sv[0], "XYZ", 3), 3);
    CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 10);
    CHECK_EQ(read(sv[1], buf, 5), 5); /* the rest of the message is gone */
    CHECK(memcmp(buf, "abcde", 5) == 0);
    CHECK_EQ(read(sv[1], buf, sizeof buf), 3);
    CHECK(memcmp(buf, "XYZ", 3) == 0);
}

static void dgram_boundaries(void) { message_boundaries(SOCK_DGRAM); }
static void seqpacket_boundaries(void) { message_boundaries(SOCK_SEQPACKET); }

static void direct_syscalls(void)
{
    int sv[2];
    char buf[8];
    CHECK_EQ(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(syscall(SYS_sendto, sv[0], "hi", 2, 0, NULL, 0), 2);
    CHECK_EQ(syscall(SYS_recvfrom, sv[1], buf, sizeof buf, 0, NULL, NULL), 2);
    CHECK_EQ(syscall(SYS_shutdown, sv[1], SHUT_WR), 0);
    CHECK_EQ(syscall(SYS_recvfrom, sv[0], buf, sizeof buf, 0, NULL, NULL), 0);
    errno = 0;
    CHECK_EQ(syscall(SYS_socketpair, 200, SOCK_STREAM, 0, sv), -1);
    CHECK_EQ(errno, EAFNOSUPPORT);
}

static void errors_as_linux(void)
{
    int sv[2], *volatile bad = (int *)1, before = OK(dup(0));
    OK(close(before));
    ERR(socketpair(AF_UNIX, SOCK_STREAM, 0, bad), EFAULT);
    ERR(socketpair(200, SOCK_STREAM, 0, bad), EFAULT);
    int after = OK(dup(0));
    CHECK_EQ(after, before); /* no descriptor left behind */
    OK(close(after));
    ERR(socketpair(200, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
    ERR(socketpair(AF_UNIX, SOCK_STREAM, 7, sv), EPROTONOSUPPORT);
    ERR(socketpair(AF_UNIX, SOCK_RDM, 0, sv), ESOCKTNOSUPPORT);
    ERR(socketpair(AF_UNIX, 11, 0, sv), EINVAL);
    ERR(socketpair(AF_UNIX, SOCK_STREAM | 0x10000, 0, sv), EINVAL);
    ERR(socket(200, SOCK_STREAM, 0), EAFNOSUPPORT);
    ERR(send(999, "x", 1, 0), EBADF);
    pair(SOCK_STREAM, sv);
    ERR(listen(sv[0], 1), EINVAL);
    ERR(accept(sv[0], NULL, NULL), EINVAL);
    struct { sa_family_t f; char p[8]; } a = { AF_UNIX, "/x" };
    ERR(sendto(sv[0], "x", 1, 0, (struct sockaddr *)&a, sizeof a), EISCONN);
    pair(SOCK_DGRAM, sv);
    ERR(listen(sv[0], 1), EOPNOTSUPP);
    ERR(accept(sv[0], NULL, NULL), EOPNOTSUPP);
}

static const struct ctest cases[] = {
    CASE(stream_both_directions),
    CASE_T(big_transfer_through_child, 60),
    CASE(close_gives_eof_and_epipe),
    CASE(shutdown_rules),
    CASE(poll_states),
    CASE(flags_and_fstat),
    CASE(dgram_boundaries),
    CASE(seqpacket_boundaries),
    CASE(direct_syscalls),
    CASE(errors_as_linux),
};

int main(int argc, char **argv) { return CTEST_MAIN(argc, argv, cases); }
