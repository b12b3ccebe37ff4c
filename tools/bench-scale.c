/* bench-scale.c — does a fork stay as cheap with thousands of processes alive? (issue 13, point 3)
 *
 * Runs as init (our kernel or Linux, same binary: gcc -m32 -static). For each level N given on
 * the command line (default 100 1000 10000 30000) it first grows the set of live processes to
 * N - 1 (plus itself): children that block in pause(). Then it times R repetitions of K
 * (fork; the child _exit(0)s at once; waitpid(pid)) with rdtsc in user mode. Under
 * `qemu-system-i386 -icount shift=0` the guest TSC counts executed guest instructions, so each
 * figure is guest instructions — everything the machine did meanwhile, timer ticks and the
 * scheduler included (one instruction is one nanosecond of guest time: forks per guest second
 * = 1e9 / figure). Growing is timed too: instructions per fork of a child that stays alive.
 * At the end every live child is killed with kill(-1, SIGKILL) (timed) and reaped.
 *
 * Prints, per level:
 *   bench-scale live=N fork+exit+wait median=M min=A max=B (R x K)
 *   bench-scale live=N grow per fork=G (from P live)
 * and "bench-scale kill(-1) of N: T" and "bench-scale done". Exits 0, or 1 when a fork fails
 * (with the errno), which is reported, not hidden.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { REPS = 5, PER_REP = 40, MAX_LEVELS = 8 };

static unsigned long long tsc(void) {
    return __builtin_ia32_rdtsc();
}

/* Called before and after the last level's timed repetitions: tools/bench-profile.sh charges
 * the kernel instructions executed between two calls to kernel functions (make bench-scale
 * PROFILE=1). */
__attribute__((noinline)) void profile_mark(void) {
    __asm__ volatile("" ::: "memory");
}

static int cmp_ull(const void *a, const void *b) {
    unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
    return x < y ? -1 : x > y;
}

/* A child that stays alive until killed. */
static void idle_child(void) {
    for (;;)
        pause();
}

/* Forks one child that stays alive; -1 on failure (errno set). */
static int spawn_idle(void) {
    pid_t pid = fork();
    if (pid == 0)
        idle_child();
    return pid < 0 ? -1 : 0;
}

/* One fork + exit + wait of a short-lived child; -1 on failure. */
static int fork_exit_wait(void) {
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        _exit(0);
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return 0;
}

int main(int argc, char **argv) {
    long levels[MAX_LEVELS] = {100, 1000, 10000, 30000};
    int nlevels = 4;
    if (argc > 1) {
        nlevels = 0;
        for (int i = 1; i < argc && nlevels < MAX_LEVELS; i++)
            levels[nlevels++] = strtol(argv[i], NULL, 10);
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    long live = 1; /* this process */
    for (int l = 0; l < nlevels; l++) {
        long want = levels[l];
        long from = live;
        unsigned long long t0 = tsc();
        while (live < want) {
            if (spawn_idle() < 0) {
                printf("bench-scale fork failed at %ld live: %s\n", live, strerror(errno));
                return 1;
            }
            live++;
        }
        unsigned long long grow = tsc() - t0;
        if (live > from)
            printf("bench-scale live=%ld grow per fork=%llu (from %ld live)\n", live, grow / (unsigned long long)(live - from), from);
        unsigned long long rep[REPS];
        if (l == nlevels - 1)
            profile_mark();
        for (int r = 0; r < REPS; r++) {
            unsigned long long a = tsc();
            for (int k = 0; k < PER_REP; k++) {
                if (fork_exit_wait() < 0) {
                    printf("bench-scale fork+exit+wait failed at %ld live: %s\n", live, strerror(errno));
                    return 1;
                }
            }
            rep[r] = (tsc() - a) / PER_REP;
        }
        if (l == nlevels - 1)
            profile_mark();
        qsort(rep, REPS, sizeof rep[0], cmp_ull);
        printf("bench-scale live=%ld fork+exit+wait median=%llu min=%llu max=%llu (%d x %d)\n", live, rep[REPS / 2], rep[0],
               rep[REPS - 1], REPS, PER_REP);
    }
    unsigned long long t0 = tsc();
    if (kill(-1, SIGKILL) < 0)
        printf("bench-scale kill(-1) failed: %s\n", strerror(errno));
    unsigned long long killed = tsc() - t0;
    long reaped = 0;
    while (wait(NULL) > 0)
        reaped++;
    unsigned long long all = tsc() - t0;
    printf("bench-scale kill(-1) of %ld: %llu, with reaping: %llu per process\n", reaped, killed,
           reaped ? all / (unsigned long long)reaped : 0);
    printf("bench-scale done\n");
    return 0;
}
