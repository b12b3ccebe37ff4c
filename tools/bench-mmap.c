/* bench-mmap.c — does a small mmap stay as cheap with thousands of mappings present? (issue 14,
 * point 1: the gap search in O(log n))
 *
 * Runs as init (our kernel or Linux, same binary: gcc -m32 -static). For each level N given on
 * the command line (default 1 100 1000 10000) it first grows the set of its own one-page
 * anonymous mappings to N (alternately read-only and read-write, placed by the kernel, so no
 * two merge), then times R repetitions of K (mmap of 2 anonymous pages; munmap of them) with
 * rdtsc in user mode. Under `qemu-system-i386 -icount shift=0` the guest TSC counts executed
 * guest instructions, so each figure is guest instructions per mmap+munmap pair.
 *
 * Prints, per level: "bench-mmap mappings=N mmap+munmap median=M min=A max=B (R x K)", then
 * "bench-mmap done". As pid 1 it powers off at the end; a failing mmap is reported (exit 1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <unistd.h>

enum { REPS = 7, PER_REP = 50, MAX_LEVELS = 8 };

static unsigned long long tsc(void)
{
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((unsigned long long)hi << 32) | lo;
}

/* Called (never inlined) around each level's first repetition: tools/bench-profile.sh charges
 * the kernel instructions executed between two calls to the functions holding them
 * (`make bench-mmap-profile`). Outside the timed section. */
__attribute__((noinline)) void profile_mark(void)
{
    __asm__ volatile("" ::: "memory");
}

static int cmp(const void *a, const void *b)
{
    unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
    return x < y ? -1 : x > y;
}

static int finish(int code)
{
    printf("bench-mmap done\n");
    fflush(stdout);
    if (getpid() == 1)
        reboot(RB_POWER_OFF);
    return code;
}

int main(int argc, char **argv)
{
    long levels[MAX_LEVELS] = { 1, 100, 1000, 10000 };
    int n = 4;
    if (argc > 1) {
        n = 0;
        for (int i = 1; i < argc && n < MAX_LEVELS; i++)
            levels[n++] = atol(argv[i]);
    }
    long have = 0;
    for (int l = 0; l < n; l++) {
        for (; have < levels[l]; have++) {
            int prot = have % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
            if (mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED) {
                printf("bench-mmap: mapping %ld failed: %s\n", have, strerror(errno));
                return finish(1);
            }
        }
        unsigned long long per[REPS];
        for (int r = 0; r < REPS; r++) {
            if (r == 0)
                profile_mark();
            unsigned long long t0 = tsc();
            for (int k = 0; k < PER_REP; k++) {
                void *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED || munmap(p, 2 * 4096) != 0) {
                    printf("bench-mmap: mmap+munmap failed: %s\n", strerror(errno));
                    return finish(1);
                }
            }
            per[r] = (tsc() - t0) / PER_REP;
            if (r == 0)
                profile_mark();
        }
        qsort(per, REPS, sizeof per[0], cmp);
        printf("bench-mmap mappings=%ld mmap+munmap median=%llu min=%llu max=%llu (%d x %d)\n", levels[l],
               per[REPS / 2], per[0], per[REPS - 1], REPS, PER_REP);
    }
    return finish(0);
}
