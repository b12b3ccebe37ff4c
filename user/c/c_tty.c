/* c_tty — the terminal on the serial console through glibc: isatty, the termios values a
 * console=ttyS0 terminal starts with (TCGETS, raw and through tcgetattr), TCSETS round trips,
 * the window size, FIONREAD, FIONBIO, non-canonical reads with VMIN=0 (no input arrives in the
 * test VMs), TCFLSH, ENOTTY on a regular file and without a controlling terminal, and job
 * control in a session of its own: TIOCSCTTY, TIOCGPGRP/TIOCSPGRP/TIOCGSID, SIGWINCH, SIGTTIN
 * and SIGTTOU for a background group, TIOCNOTTY's hang-up and the hang-up when the session
 * leader exits. fd 0 is the console (/dev/console on Linux: it never becomes a controlling
 * terminal by being opened, and reads and writes through it skip the job-control checks); the
 * job-control cases open /dev/ttyS0, the same terminal as a terminal device. */
#include "ctest.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

/* The kernel's i386 struct termios (glibc's has speed fields after it). */
struct kterm {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[19];
};

static const uint8_t init_cc[19] = { 3, 034, 0177, 025, 4, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0, 0, 0 };

static void kget(struct kterm *t)
{
    OK(syscall(SYS_ioctl, 0, TCGETS, t));
}

static void kset(unsigned long cmd, const struct kterm *t)
{
    OK(syscall(SYS_ioctl, 0, cmd, t));
}

static void isatty_console_and_not_a_file(void)
{
    CHECK_EQ(isatty(0), 1);
    int fd = OK(open(ctest_self, O_RDONLY));
    errno = 0;
    CHECK_EQ(isatty(fd), 0);
    CHECK_EQ(errno, ENOTTY);
    struct kterm t;
    ERR(syscall(SYS_ioctl, fd, TCGETS, &t), ENOTTY);
    struct winsize ws;
    ERR(ioctl(fd, TIOCGWINSZ, &ws), ENOTTY);
    ERR(ioctl(fd, TIOCGPGRP, &ws), ENOTTY);
    close(fd);
}

static void console_termios_is_linux_serial_default(void)
{
    struct kterm t;
    kget(&t);
    CHECKF(t.iflag == (ICRNL | IXON), "c_iflag %#o", t.iflag);
    CHECKF(t.oflag == (OPOST | ONLCR), "c_oflag %#o", t.oflag);
    CHECKF(t.cflag == (B9600 | CS8 | CREAD | HUPCL | CLOCAL), "c_cflag %#o", t.cflag);
    CHECKF(t.lflag == (ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN), "c_lflag %#o", t.lflag);
    CHECK_EQ(t.line, 0);
    for (int i = 0; i < 19; i++)
        CHECKF(t.cc[i] == init_cc[i], "c_cc[%d] = %#o, want %#o", i, t.cc[i], init_cc[i]);
    struct termios g;
    OK(tcgetattr(0, &g));
    CHECK_EQ(cfgetospeed(&g), B9600);
    CHECK_EQ(cfgetispeed(&g), B9600);
    CHECK_EQ(g.c_lflag, t.lflag);
}

static void tcsets_round_trip(void)
{
    struct kterm old, t, back;
    kget(&old);
    t = old;
    t.lflag &= ~(ICANON | ECHO);
    t.iflag |= ISTRIP;
    t.cc[VMIN] = 5;
    t.cc[VTIME] = 3;
    t.cc[VEOL] = ';';
    kset(TCSETS, &t);
    kget(&back);
    CHECK(memcmp(&back, &t, sizeof t) == 0);
    kset(TCSETSF, &old);
    kget(&back);
    CHECK(memcmp(&back, &old, sizeof old) == 0);
    /* glibc: tcsetattr(TCSADRAIN) is TCSETSW */
    struct termios g, g2;
    OK(tcgetattr(0, &g));
    g2 = g;
    g2.c_lflag |= TOSTOP;
    OK(tcsetattr(0, TCSADRAIN, &g2));
    kget(&back);
    CHECK(back.lflag & TOSTOP);
    OK(tcsetattr(0, TCSANOW, &g));
    kget(&back);
    CHECK(memcmp(&back, &old, sizeof old) == 0);
}

static void window_size(void)
{
    struct winsize ws, old;
    OK(ioctl(0, TIOCGWINSZ, &old));
    CHECK_EQ(old.ws_row, 0);
    CHECK_EQ(old.ws_col, 0);
    ws = (struct winsize){ .ws_row = 24, .ws_col = 80, .ws_xpixel = 640, .ws_ypixel = 480 };
    OK(ioctl(0, TIOCSWINSZ, &ws));
    struct winsize got;
    OK(ioctl(0, TIOCGWINSZ, &got));
    CHECK(got.ws_row == 24 && got.ws_col == 80 && got.ws_xpixel == 640 && got.ws_ypixel == 480);
    OK(ioctl(0, TIOCSWINSZ, &old));
    ERR(ioctl(0, TIOCGWINSZ, (void *)16), EFAULT);
}

static void fionread_and_flush(void)
{
    int n = -1;
    OK(ioctl(0, FIONREAD, &n));
    CHECK_EQ(n, 0);
    OK(ioctl(0, TCFLSH, TCIFLUSH));
    OK(tcflush(0, TCIOFLUSH));
    ERR(ioctl(0, TCFLSH, 7), EINVAL);
}

/* FIONBIO: a read with nothing typed fails with EAGAIN instead of blocking. (The console's
 * open file description is shared with c_run: the flag is cleared again at once.) */
static void nonblocking_read(void)
{
    int on = 1, off = 0;
    OK(ioctl(0, FIONBIO, &on));
    char c;
    errno = 0;
    ssize_t r = read(0, &c, 1);
    int e = errno;
    int fl = fcntl(0, F_GETFL);
    OK(ioctl(0, FIONBIO, &off));
    CHECK_EQ(r, -1);
    CHECK_EQ(e, EAGAIN);
    CHECK(fl & O_NONBLOCK);
    CHECK(!(fcntl(0, F_GETFL) & O_NONBLOCK));
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Non-canonical reads with VMIN 0: TIME 0 returns at once, TIME 2 after 0.2 s. */
static void raw_reads_with_vmin_zero(void)
{
    struct kterm old, t;
    kget(&old);
    t = old;
    t.lflag &= ~(ICANON | ECHO);
    t.cc[VMIN] = 0;
    t.cc[VTIME] = 0;
    kset(TCSETS, &t);
    char c;
    long long t0 = now_ms();
    ssize_t r = read(0, &c, 1);
    long long t1 = now_ms();
    t.cc[VTIME] = 2;
    kset(TCSETS, &t);
    ssize_t r2 = read(0, &c, 1);
    long long t2 = now_ms();
    kset(TCSETS, &old);
    CHECK_EQ(r, 0);
    CHECKF(t1 - t0 < 100, "VTIME 0 read took %lld ms", t1 - t0);
    CHECK_EQ(r2, 0);
    CHECKF(t2 - t1 >= 150 && t2 - t1 < 1000, "VTIME 2 read took %lld ms", t2 - t1);
}

static void no_controlling_terminal(void)
{
    pid_t pg;
    ERR(ioctl(0, TIOCGPGRP, &pg), ENOTTY);
    ERR(ioctl(0, TIOCGSID, &pg), ENOTTY);
    ERR(ioctl(0, TIOCNOTTY), ENOTTY);
    /* Not a session leader: TIOCSCTTY is refused. */
    ERR(ioctl(0, TIOCSCTTY, 0), EPERM);
}

static volatile sig_atomic_t caught;
static void on_signal(int sig) { caught = sig; }

static void catch(int sig)
{
    struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
    sigaction(sig, &sa, NULL);
}

/* Reads and writes from a background group of the terminal's session. */
static int background_io(int fd)
{
    /* Background read: SIGTTIN ignored → EIO; caught → the handler runs, EINTR. */
    char c;
    signal(SIGTTIN, SIG_IGN);
    if (read(fd, &c, 1) != -1 || errno != EIO)
        return 21;
    catch(SIGTTIN);
    caught = 0;
    if (read(fd, &c, 1) != -1 || errno != EINTR || caught != SIGTTIN)
        return 22;
    /* Background write: free without TOSTOP; with TOSTOP SIGTTOU, unless blocked; never
     * through the console. */
    if (write(fd, "\r", 1) != 1)
        return 23;
    struct termios t, tostop;
    tcgetattr(fd, &t);
    tostop = t;
    tostop.c_lflag |= TOSTOP;
    if (tcsetattr(fd, TCSANOW, &tostop) != 0) /* SIGTTOU ignored: allowed */
        return 24;
    catch(SIGTTOU);
    caught = 0;
    if (write(fd, "\r", 1) != -1 || errno != EINTR || caught != SIGTTOU)
        return 25;
    caught = 0;
    if (write(0, "\r", 1) != 1 || caught != 0)
        return 26;
    if (tcsetattr(fd, TCSANOW, &t) != -1 || errno != EINTR || caught != SIGTTOU)
        return 27;
    sigset_t ttou;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    sigprocmask(SIG_BLOCK, &ttou, NULL);
    if (write(fd, "\r", 1) != 1)
        return 28;
    if (tcsetattr(fd, TCSANOW, &t) != 0)
        return 29;
    return 0;
}

/* In a new session (the case's child: the case itself leads a process group, so it cannot
 * call setsid): /dev/ttyS0 opened with O_NOCTTY, then made our controlling terminal. */
static int session_child(void)
{
    if (setsid() < 0)
        return 10;
    int fd = open("/dev/ttyS0", O_RDWR | O_NOCTTY);
    if (fd < 0)
        return 9;
    pid_t me = getpid(), pg = -1;
    if (ioctl(fd, TIOCGPGRP, &pg) != -1 || errno != ENOTTY)
        return 11;
    if (ioctl(fd, TIOCSCTTY, 0) != 0)
        return 12;
    if (ioctl(fd, TIOCSCTTY, 0) != 0) /* already ours: fine */
        return 13;
    if (ioctl(fd, TIOCGPGRP, &pg) != 0 || pg != me || tcgetpgrp(fd) != me || tcgetpgrp(0) != me)
        return 14;
    pid_t sid = -1;
    if (ioctl(fd, TIOCGSID, &sid) != 0 || sid != me || tcgetsid(fd) != me)
        return 15;
    /* A new window size signals the foreground group (us) with SIGWINCH; the same size does not. */
    struct winsize old, ws = { .ws_row = 30, .ws_col = 100 };
    ioctl(fd, TIOCGWINSZ, &old);
    catch(SIGWINCH);
    caught = 0;
    if (ioctl(fd, TIOCSWINSZ, &ws) != 0 || caught != SIGWINCH)
        return 33;
    caught = 0;
    if (ioctl(fd, TIOCSWINSZ, &ws) != 0 || caught != 0)
        return 34;
    if (ioctl(fd, TIOCSWINSZ, &old) != 0 || caught != SIGWINCH)
        return 35;
    /* A second group in the session, made the foreground. */
    pid_t b = fork();
    if (b == 0) {
        setpgid(0, 0);
        for (;;)
            pause();
    }
    setpgid(b, b);
    signal(SIGTTOU, SIG_IGN); /* we are about to be in the background */
    if (tcsetpgrp(fd, b) != 0)
        return 16;
    if (tcgetpgrp(fd) != b)
        return 17;
    pg = -1;
    if (ioctl(fd, TIOCSPGRP, &pg) != -1 || errno != EINVAL)
        return 18;
    pg = 30000;
    if (ioctl(fd, TIOCSPGRP, &pg) != -1 || errno != ESRCH)
        return 19;
    pg = 1; /* init's group: another session */
    if (ioctl(fd, TIOCSPGRP, &pg) != -1 || errno != EPERM)
        return 20;
    /* A background reader and writer: in a group of its own whose parent (us) is in the
     * same session, so the group is not orphaned (ours is: its members' parents are all
     * outside the session, and an orphaned group gets EIO instead of SIGTTIN). */
    pid_t r = fork();
    if (r == 0) {
        setpgid(0, 0);
        _exit(background_io(fd));
    }
    setpgid(r, r);
    int st;
    if (waitpid(r, &st, 0) != r || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return WIFEXITED(st) ? WEXITSTATUS(st) : 40;
    /* Our own group is orphaned: a background read fails at once. */
    char c;
    if (read(fd, &c, 1) != -1 || errno != EIO)
        return 41;
    /* TIOCNOTTY by the session leader: the foreground group gets SIGHUP (and SIGCONT). */
    if (ioctl(fd, TIOCNOTTY) != 0)
        return 30;
    if (waitpid(b, &st, 0) != b || !WIFSIGNALED(st) || WTERMSIG(st) != SIGHUP)
        return 31;
    if (ioctl(fd, TIOCGPGRP, &pg) != -1 || errno != ENOTTY)
        return 32;
    return 0;
}

/* A session leader without a terminal that opens /dev/ttyS0 (no O_NOCTTY) acquires it. */
static int open_acquires(void)
{
    if (setsid() < 0)
        return 10;
    int fd = open("/dev/ttyS0", O_RDWR);
    if (fd < 0)
        return 9;
    if (tcgetpgrp(fd) != getpid() || tcgetsid(fd) != getpid())
        return 11;
    signal(SIGHUP, SIG_IGN); /* we are the foreground group TIOCNOTTY hangs up */
    if (ioctl(fd, TIOCNOTTY) != 0)
        return 12;
    return 0;
}

static void open_acquires_controlling_terminal(void)
{
    pid_t pid = ctest_fork();
    if (pid == 0)
        _exit(open_acquires());
    CHECK_EXIT(ctest_wait(pid), 0);
}

static void job_control_in_a_session(void)
{
    pid_t pid = ctest_fork();
    if (pid == 0)
        _exit(session_child());
    CHECK_EXIT(ctest_wait(pid), 0);
}

/* The session leader exits: its terminal's foreground group gets SIGHUP. */
static void leader_exit_hangs_up_foreground(void)
{
    volatile int *flag = MMAP(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pid = ctest_fork();
    if (pid == 0) {
        if (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) != 0)
            _exit(10);
        pid_t c = fork();
        if (c == 0) {
            setpgid(0, 0);
            signal(SIGHUP, on_signal);
            *flag = 1;
            while (caught != SIGHUP)
                pause();
            *flag = 2;
            _exit(0);
        }
        setpgid(c, c);
        signal(SIGTTOU, SIG_IGN);
        if (tcsetpgrp(0, c) != 0)
            _exit(11);
        while (*flag != 1)
            usleep(1000);
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(pid), 0);
    for (int i = 0; i < 2000 && *flag != 2; i++)
        usleep(1000);
    CHECK_EQ(*flag, 2);
}

static const struct ctest cases[] = {
    CASE(isatty_console_and_not_a_file),
    CASE(console_termios_is_linux_serial_default),
    CASE(tcsets_round_trip),
    CASE(window_size),
    CASE(fionread_and_flush),
    CASE(nonblocking_read),
    CASE(raw_reads_with_vmin_zero),
    CASE(no_controlling_terminal),
    CASE(job_control_in_a_session),
    CASE(open_acquires_controlling_terminal),
    CASE(leader_exit_hangs_up_foreground),
};

int main(int argc, char **argv) { return CTEST_MAIN(argc, argv, cases); }
