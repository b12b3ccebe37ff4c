/* ctest.h — the tiny test framework of the glibc C tests (user/c/README in user/README.md,
 * section "glibc C tests").
 *
 * A program lists its cases in a table and hands it to ctest_main():
 *
 *     static void my_case(void) { CHECK(1 + 1 == 2); }
 *     static const struct ctest cases[] = { CASE(my_case), CASE_T(slow_case, 30) };
 *     int main(int argc, char **argv) { return CTEST_MAIN(argc, argv, cases); }
 *
 * Every case runs in its own forked child, in a process group of its own (killed as a whole
 * when the case ends, so nothing it left behind outlives it), watched by a second child (the
 * watchdog) that kills it with SIGKILL after its timeout (default 20 s): a hang fails the case,
 * never the run. The
 * child's verdict: exit 0 = ok; a failed check writes its reason into a MAP_SHARED page (no
 * pipe needed) and exits 1; SKIP() exits 77 with its reason; any other end (a signal, another
 * status) fails with how it ended. The parent prints exactly one line per case,
 *
 *     test NAME ... ok
 *     test NAME ... FAILED (why)
 *     test NAME ... skipped (why)
 *
 * with write(2) straight to fd 1 (no stdio buffer to duplicate into children), then
 * "PROG: N passed, N failed, N skipped"; the exit status is the number of failures (at most
 * 125). Lines carry no addresses, pids or timings, so Linux's output and ours compare line by
 * line; values appear only in FAILED reasons.
 *
 * Options: case names (run only those), --list, --direct NAME (run one case in this process,
 * for strace/gdb). Programs may handle their own "--child-..." arguments (used by cases that
 * exec the program again) before calling ctest_main.
 */
#ifndef CTEST_H
#define CTEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct ctest {
    const char *name;
    void (*fn)(void);
    unsigned timeout; /* seconds */
};

#define CASE(f) { #f, f, 20 }
#define CASE_T(f, secs) { #f, f, secs }
#define CTEST_MAIN(argc, argv, cases) ctest_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]))

/* The program's own path (for cases that exec it or map it): argv[0] if it names a path,
 * else /bin/PROG. */
extern const char *ctest_self;
extern const char *ctest_prog;

int ctest_main(int argc, char **argv, const struct ctest *cases, size_t n);
void ctest_fail(const char *file, int line, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));
void ctest_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Errno's symbolic name ("ENOENT"), or "errno N". */
const char *ctest_errname(int e);
/* A signal's name ("SIGSEGV"), or "signal N". */
const char *ctest_signame(int sig);
/* "exited with status N" / "killed by SIGSEGV (core dumped)" / "stopped by ..." into buf. */
const char *ctest_wait_str(int status, char *buf, size_t len);
/* fork() that fails the case on error; the child returns 0. */
pid_t ctest_fork(void);
/* waitpid(pid, &st, 0) retrying on EINTR; fails the case on error. Returns the status. */
int ctest_wait(pid_t pid);
/* Sleep for ms milliseconds (nanosleep, restarted after EINTR). */
void ctest_sleep_ms(long ms);
/* CLOCK_MONOTONIC in nanoseconds. */
long long ctest_now_ns(void);
/* Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS, zeroed), visible to forked children. */
void *ctest_shared(size_t len);
/* In a case: fork a child that runs fn(arg) and exits with its return value; wait for it and
 * return its wait status. */
int ctest_spawn(int (*fn)(void *), void *arg);

#define FAIL(...) ctest_fail(__FILE__, __LINE__, __VA_ARGS__)
#define SKIP(...) ctest_skip(__VA_ARGS__)

#define CHECK(cond) \
    do { if (!(cond)) FAIL("%s", #cond); } while (0)
#define CHECKF(cond, ...) \
    do { if (!(cond)) FAIL(__VA_ARGS__); } while (0)
/* Integer equality, printing both values. */
#define CHECK_EQ(got, want) \
    do { long long g_ = (long long)(got), w_ = (long long)(want); \
         if (g_ != w_) FAIL("%s = %lld, want %s = %lld", #got, g_, #want, w_); } while (0)
/* A call returning -1/errno on failure must succeed. Evaluates to its result. */
#define OK(expr) ({ __typeof__(expr) r_ = (expr); \
        if (r_ == (__typeof__(expr))-1) { FAIL("%s: %s", #expr, ctest_errname(errno)); } r_; })
/* A call must fail with -1 and errno e. */
#define ERR(expr, e) \
    do { errno = 0; long long r_ = (long long)(intptr_t)(expr); int e_ = errno; \
         if (r_ != -1) FAIL("%s = %lld, want -1 with %s", #expr, r_, ctest_errname(e)); \
         if (e_ != (e)) FAIL("%s: %s, want %s", #expr, ctest_errname(e_), ctest_errname(e)); } while (0)
/* mmap that must succeed. */
#define MMAP(addr, len, prot, flags, fd, off) ({ void *p_ = mmap(addr, len, prot, flags, fd, off); \
        if (p_ == MAP_FAILED) { FAIL("mmap(%s): %s", #len, ctest_errname(errno)); } p_; })
/* A wait status must be a normal exit with status code. */
#define CHECK_EXIT(status, code) \
    do { int s_ = (status); char b_[96]; \
         if (!WIFEXITED(s_) || WEXITSTATUS(s_) != (code)) \
             FAIL("child %s, want exit status %d", ctest_wait_str(s_, b_, sizeof b_), (code)); } while (0)
/* A wait status must be death by signal sig. */
#define CHECK_KILLED(status, sig) \
    do { int s_ = (status); char b_[96]; \
         if (!WIFSIGNALED(s_) || WTERMSIG(s_) != (sig)) \
             FAIL("child %s, want killed by %s", ctest_wait_str(s_, b_, sizeof b_), ctest_signame(sig)); } while (0)

static inline pid_t ctest_gettid(void) { return (pid_t)syscall(SYS_gettid); }

#endif
