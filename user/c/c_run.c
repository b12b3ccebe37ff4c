/* c_run — runs the glibc C tests one program after another, each under a watchdog, forwards
 * their output and counts their verdict lines. Runs on Linux and on our kernel, as init or
 * under another runner (linit).
 *
 *   c_run [--timeout=SECS] [--dir=DIR] [PROGRAM...]
 *
 * PROGRAMs default to c_basic c_threads c_signals c_limits c_time c_ids c_procfs c_jobs c_tty c_pipes c_vm c_forkshare c_files c_mmap_file c_shmem c_socket c_hostile c_elf c_vmview c_exhaust c_caps c_oom c_aslr c_setid, found in DIR (default
 * the directory of argv[0], else /bin). Each is exec'd with argv[0] = DIR/PROGRAM and no
 * arguments. With a working pipe() the program's stdout and stderr come through a pipe: c_run
 * forwards them line by line and counts `test ... ok|FAILED|skipped`; without pipe() (ENOSYS)
 * the program writes to c_run's stdout itself and only its exit status is counted. After each
 * program: `test PROGRAM_completed ... ok` when it exited by itself with a status <= 125 (the
 * number of its failed cases), FAILED when it was killed, timed out or could not run.
 * Last lines: "c_run: N passed, N failed, N skipped" (case lines plus the _completed lines) and
 * "c_run: done". Exit status: 0 iff nothing failed. As pid 1 it mounts /proc first (tolerating
 * failure) and, on Linux (where init must not exit), powers off at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned passed, failed, skipped;

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    for (int off = 0; off < n;) {
        ssize_t w = write(1, buf + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += w;
    }
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= w;
    }
}

/* Counts one complete line (without its newline). */
static void count_line(const char *s, size_t n)
{
    if (n < 5 || memcmp(s, "test ", 5) != 0)
        return;
    const char *dots = memmem(s, n, " ... ", 5);
    if (!dots)
        return;
    const char *v = dots + 5;
    size_t vn = n - (v - s);
    if ((vn == 2 && memcmp(v, "ok", 2) == 0) || (vn > 3 && memcmp(v, "ok ", 3) == 0))
        passed++;
    else if (vn >= 6 && memcmp(v, "FAILED", 6) == 0)
        failed++;
    else if (vn >= 7 && memcmp(v, "skipped", 7) == 0)
        skipped++;
}

static const char *signame(int sig)
{
    static char buf[24];
    const char *n = sigabbrev_np(sig);
    if (n)
        snprintf(buf, sizeof buf, "SIG%s", n);
    else
        snprintf(buf, sizeof buf, "signal %d", sig);
    return buf;
}

static void run_program(const char *dir, const char *name, unsigned timeout)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fds[2];
    int piped = pipe(fds) == 0;
    if (!piped)
        out("c_run: pipe: %s: %s writes to the console itself; only its exit status is counted\n",
            strerrorname_np(errno) ? strerrorname_np(errno) : "error", name);
    pid_t pid = fork();
    if (pid < 0) {
        out("test %s_completed ... FAILED (fork: %s)\n", name, strerrorname_np(errno));
        failed++;
        return;
    }
    if (pid == 0) {
        setpgid(0, 0); /* its own group: leftovers are killed when it ends */
        if (piped) {
            close(fds[0]);
            dup2(fds[1], 1);
            dup2(fds[1], 2);
            close(fds[1]);
        }
        char *argv[] = { path, NULL };
        char *envp[] = { "PATH=/bin:/", NULL };
        execve(path, argv, envp);
        char msg[600];
        int n = snprintf(msg, sizeof msg, "c_run: execve %s: %s\n", path, strerrorname_np(errno));
        if (write(2, msg, n) < 0) { /* nothing to do */ }
        _exit(127);
    }
    pid_t dog = fork();
    if (dog == 0) {
        if (piped) {
            close(fds[0]);
            close(fds[1]);
        }
        struct timespec ts = { timeout, 0 };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
        kill(pid, SIGKILL);
        _exit(0);
    }
    setpgid(pid, pid);
    int st = 0, dst = 0, exited = 0;
    if (piped) {
        close(fds[1]);
        static char line[8192];
        size_t len = 0;
        char buf[4096];
        int can_poll = 1;
        for (;;) {
            /* Once the program has ended, kill what it left behind so that the pipe's last
             * writers go and the read ends (poll() decides; without it, plain reads). */
            if (can_poll) {
                struct pollfd pf = { fds[0], POLLIN, 0 };
                int n = poll(&pf, 1, 500);
                if (n < 0 && errno == ENOSYS)
                    can_poll = 0;
                if (!exited && waitpid(pid, &st, WNOHANG) == pid) {
                    exited = 1;
                    kill(-pid, SIGKILL);
                }
                if (n == 0 || (n < 0 && errno == EINTR))
                    continue;
            }
            ssize_t r = read(fds[0], buf, sizeof buf);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            for (ssize_t i = 0; i < r; i++) {
                if (len < sizeof line - 1)
                    line[len++] = buf[i];
                if (buf[i] == '\n') {
                    write_all(line, len);
                    count_line(line, len - 1);
                    len = 0;
                }
            }
        }
        if (len > 0) {
            line[len++] = '\n';
            write_all(line, len);
            count_line(line, len - 1);
        }
        close(fds[0]);
    }
    while (!exited && waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    kill(-pid, SIGKILL);
    int fired = 0;
    if (dog > 0) {
        kill(dog, SIGKILL);
        while (waitpid(dog, &dst, 0) < 0 && errno == EINTR)
            ;
        fired = WIFEXITED(dst);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) /* orphans, when we are init */
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) <= 125) {
        if (!piped)
            failed += WEXITSTATUS(st); /* its case lines went straight to the console */
        out("test %s_completed ... ok\n", name);
        passed++;
    } else if (WIFEXITED(st)) {
        out("test %s_completed ... FAILED (exited with status %d)\n", name, WEXITSTATUS(st));
        failed++;
    } else if (fired && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
        out("test %s_completed ... FAILED (timed out after %u s)\n", name, timeout);
        failed++;
    } else {
        out("test %s_completed ... FAILED (killed by %s%s)\n", name, WIFSIGNALED(st) ? signame(WTERMSIG(st)) : "?",
            WIFSIGNALED(st) && WCOREDUMP(st) ? ", core dumped" : "");
        failed++;
    }
}

int main(int argc, char **argv)
{
    static const char *defaults[] = { "c_basic", "c_threads", "c_signals", "c_limits", "c_time", "c_ids", "c_procfs", "c_jobs", "c_tty", "c_pipes", "c_vm", "c_forkshare", "c_files", "c_mmap_file", "c_shmem", "c_socket", "c_hostile", "c_elf", "c_vmview", "c_exhaust", "c_caps", "c_oom", "c_aslr", "c_setid" };
    unsigned timeout = 600;
    char dir[256] = "/bin";
    const char *a0 = argc > 0 ? argv[0] : "c_run";
    const char *slash = strrchr(a0, '/');
    if (slash && slash != a0)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - a0), a0);
    int first = 1;
    for (; first < argc && strncmp(argv[first], "--", 2) == 0; first++) {
        if (strncmp(argv[first], "--timeout=", 10) == 0)
            timeout = (unsigned)atoi(argv[first] + 10);
        else if (strncmp(argv[first], "--dir=", 6) == 0)
            snprintf(dir, sizeof dir, "%s", argv[first] + 6);
        else {
            out("usage: c_run [--timeout=SECS] [--dir=DIR] [PROGRAM...]\n");
            return 2;
        }
    }
    int linux_kernel = 0;
    struct utsname u;
    if (uname(&u) == 0) {
        linux_kernel = strcmp(u.sysname, "Linux") == 0;
        out("c_run: kernel %s %s\n", u.sysname, u.release);
    }
    if (getpid() == 1) {
        mkdir("/proc", 0555);
        mount("proc", "/proc", "proc", 0, NULL);
        mkdir("/tmp", 01777);
    }
    if (first < argc) {
        for (int i = first; i < argc; i++)
            run_program(dir, argv[i], timeout);
    } else {
        for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
            run_program(dir, defaults[i], timeout);
    }
    out("c_run: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
    out("c_run: done\n");
    if (getpid() == 1 && linux_kernel) {
        sync();
        reboot(RB_POWER_OFF);
    }
    return failed > 125 ? 125 : (int)failed;
}
