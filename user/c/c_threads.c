/* c_threads — pthreads on clone/futex/set_thread_area: mutexes, condition variables, join
 * values, __thread variables, many threads, a shared address space (mmap and munmap seen by
 * every thread, munmap under a futex waiter), tids and the tgid, thread exit, exec and fork
 * from a thread, cancellation, robust mutexes, the raw futex operations. */
#include "ctest.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>

static long futex(volatile int *uaddr, int op, int val, const struct timespec *ts, volatile int *uaddr2, int val3)
{
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static pthread_t spawn(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    int e = pthread_create(&t, NULL, fn, arg);
    if (e)
        FAIL("pthread_create: %s", ctest_errname(e));
    return t;
}

static void *join(pthread_t t)
{
    void *r;
    int e = pthread_join(t, &r);
    if (e)
        FAIL("pthread_join: %s", ctest_errname(e));
    return r;
}

/* ---- mutex counter ---- */
static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static long counter;
#define PER_THREAD 50000

static void *count_up(void *arg)
{
    for (int i = 0; i < PER_THREAD; i++) {
        pthread_mutex_lock(&mtx);
        long c = counter;
        if ((i & 1023) == 0)
            sched_yield(); /* hold the lock across a switch now and then */
        counter = c + 1;
        pthread_mutex_unlock(&mtx);
    }
    return NULL;
}

static void mutex_counter_4_threads(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        t[i] = spawn(count_up, NULL);
    for (int i = 0; i < 4; i++)
        join(t[i]);
    CHECK_EQ(counter, 4 * PER_THREAD);
}

/* ---- condition variable: a bounded buffer ---- */
#define ITEMS 2000
static struct {
    pthread_mutex_t m;
    pthread_cond_t not_full, not_empty;
    int buf[4], head, count, done;
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, 0, 0 };

static void *producer(void *arg)
{
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&q.m);
        while (q.count == 4)
            pthread_cond_wait(&q.not_full, &q.m);
        q.buf[(q.head + q.count++) % 4] = i;
        pthread_cond_signal(&q.not_empty);
        pthread_mutex_unlock(&q.m);
    }
    pthread_mutex_lock(&q.m);
    q.done = 1;
    pthread_cond_broadcast(&q.not_empty);
    pthread_mutex_unlock(&q.m);
    return NULL;
}

static void *consumer(void *arg)
{
    long sum = 0, n = 0, last = 0;
    for (;;) {
        pthread_mutex_lock(&q.m);
        while (q.count == 0 && !q.done)
            pthread_cond_wait(&q.not_empty, &q.m);
        if (q.count == 0 && q.done) {
            pthread_mutex_unlock(&q.m);
            break;
        }
        int v = q.buf[q.head];
        q.head = (q.head + 1) % 4;
        q.count--;
        pthread_cond_signal(&q.not_full);
        pthread_mutex_unlock(&q.m);
        if (v <= last)
            FAIL("consumer got %d after %ld: out of order", v, last);
        last = v;
        sum += v;
        n++;
    }
    long *r = malloc(2 * sizeof *r);
    r[0] = sum;
    r[1] = n;
    return r;
}

static void condvar_producer_consumer(void)
{
    pthread_t c1 = spawn(consumer, NULL), c2 = spawn(consumer, NULL), p = spawn(producer, NULL);
    join(p);
    long *a = join(c1), *b = join(c2);
    CHECK_EQ(a[1] + b[1], ITEMS);
    CHECK_EQ(a[0] + b[0], (long)ITEMS * (ITEMS + 1) / 2);
    /* a timed wait that nobody signals times out */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50 * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&q.m);
    CHECK_EQ(pthread_cond_timedwait(&q.not_full, &q.m, &ts), ETIMEDOUT);
    pthread_mutex_unlock(&q.m);
}

/* ---- join values, pthread_exit ---- */
static void *ret_value(void *arg) { return (void *)((intptr_t)arg * 10 + 1); }

static __attribute__((noinline)) void exit_deep(int n)
{
    if (n <= 0)
        pthread_exit((void *)77);
    if (n < 100)
        exit_deep(n - 1);
}

static void *exits_from_nested_call(void *arg)
{
    exit_deep(10);
    return (void *)1; /* not reached */
}

static void join_return_values(void)
{
    pthread_t t[8];
    for (intptr_t i = 0; i < 8; i++)
        t[i] = spawn(ret_value, (void *)i);
    for (intptr_t i = 7; i >= 0; i--)
        CHECK_EQ((intptr_t)join(t[i]), i * 10 + 1);
}

static void pthread_exit_non_main(void)
{
    CHECK_EQ((intptr_t)join(spawn(exits_from_nested_call, NULL)), 77);
}

/* The main thread calls pthread_exit: the process goes on until its last thread ends, then
 * exits with status 0. */
static volatile int *late_flag;
static void *late_worker(void *arg)
{
    ctest_sleep_ms(100);
    *late_flag = 1;
    return NULL;
}

static void main_thread_pthread_exit(void)
{
    late_flag = ctest_shared(4096);
    pid_t p = ctest_fork();
    if (p == 0) {
        spawn(late_worker, NULL);
        pthread_exit(NULL);
    }
    CHECK_EXIT(ctest_wait(p), 0);
    CHECK_EQ(*late_flag, 1);
}

/* exit() in a thread ends every thread with that status. */
static void *exit_nine(void *arg)
{
    ctest_sleep_ms(20);
    exit(9);
}

static void *sleeper(void *arg)
{
    for (;;)
        pause();
    return NULL;
}

static void exit_from_thread_ends_process(void)
{
    pid_t p = ctest_fork();
    if (p == 0) {
        spawn(sleeper, NULL);
        spawn(sleeper, NULL);
        join(spawn(exit_nine, NULL));
        _exit(1); /* not reached */
    }
    CHECK_EXIT(ctest_wait(p), 9);
}

/* ---- __thread ---- */
static __thread int tls_init = 42;
static __thread int tls_zero;
static __thread char tls_big[5000];
static pthread_barrier_t bar;

struct tls_report {
    int *addr_init, *addr_zero;
    int init_seen, zero_seen, ok_after;
};

static void *tls_worker(void *arg)
{
    struct tls_report *r = arg;
    r->addr_init = &tls_init;
    r->addr_zero = &tls_zero;
    r->init_seen = tls_init;
    r->zero_seen = tls_zero;
    for (int i = 0; i < 5000; i++)
        if (tls_big[i] != 0)
            r->zero_seen = -1;
    intptr_t id = (intptr_t)r;
    tls_init = (int)(id & 0x7fffffff);
    tls_zero = (int)(id & 0x7fffffff) + 1;
    memset(tls_big, (int)(id & 0xff), sizeof tls_big);
    pthread_barrier_wait(&bar);
    sched_yield();
    pthread_barrier_wait(&bar);
    r->ok_after = tls_init == (int)(id & 0x7fffffff) && tls_zero == (int)(id & 0x7fffffff) + 1 &&
                  tls_big[4999] == (char)(id & 0xff);
    return NULL;
}

static void tls_distinct_per_thread(void)
{
    enum { N = 4 };
    static struct tls_report r[N];
    pthread_t t[N];
    tls_init = 1000;
    pthread_barrier_init(&bar, NULL, N);
    for (int i = 0; i < N; i++)
        t[i] = spawn(tls_worker, &r[i]);
    for (int i = 0; i < N; i++)
        join(t[i]);
    for (int i = 0; i < N; i++) {
        CHECKF(r[i].init_seen == 42, "thread %d: initialized __thread = %d, want 42", i, r[i].init_seen);
        CHECKF(r[i].zero_seen == 0, "thread %d: zero __thread = %d, want 0", i, r[i].zero_seen);
        CHECKF(r[i].ok_after, "thread %d: its __thread values changed under it", i);
        CHECKF(r[i].addr_init != &tls_init, "thread %d shares the main thread's __thread", i);
        for (int j = 0; j < i; j++)
            CHECKF(r[i].addr_init != r[j].addr_init, "threads %d and %d share a __thread variable", i, j);
    }
    CHECK_EQ(tls_init, 1000);
    /* %gs is the TLS segment: its base is the thread pointer */
    unsigned short gs;
    __asm__("mov %%gs, %0" : "=r"(gs));
    CHECKF((gs & 3) == 3, "%%gs = 0x%x is not a ring-3 selector", gs);
}

/* ---- many threads ---- */
static atomic_int started;
static void *bump(void *arg)
{
    atomic_fetch_add(&started, 1);
    return arg;
}

static void many_short_lived_threads(void)
{
    enum { N = 64 };
    pthread_t t[N];
    for (intptr_t i = 0; i < N; i++)
        t[i] = spawn(bump, (void *)i);
    for (intptr_t i = 0; i < N; i++)
        CHECK_EQ((intptr_t)join(t[i]), i);
    CHECK_EQ(atomic_load(&started), N);
    /* one after another: the stacks and tids are recycled */
    for (intptr_t i = 0; i < N; i++)
        CHECK_EQ((intptr_t)join(spawn(bump, (void *)i)), i);
    CHECK_EQ(atomic_load(&started), 2 * N);
    /* detached threads */
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < N; i++) {
        pthread_t d;
        CHECK_EQ(pthread_create(&d, &a, bump, NULL), 0);
    }
    for (int i = 0; i < 2000 && atomic_load(&started) < 3 * N; i++)
        ctest_sleep_ms(5);
    CHECK_EQ(atomic_load(&started), 3 * N);
}

/* ---- a shared address space ---- */
static unsigned char *_Atomic published;
static atomic_int phase;

static void *mapper(void *arg)
{
    unsigned char *p = MMAP(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < 3 * 4096; i++)
        p[i] = (unsigned char)(i * 13);
    atomic_store(&published, p);
    while (atomic_load(&phase) != 1)
        sched_yield();
    /* the main thread wrote the last page: visible here */
    for (int i = 2 * 4096; i < 3 * 4096; i++)
        if (p[i] != 0x5a)
            return (void *)1;
    OK(munmap(p, 3 * 4096));
    return NULL;
}

static void mmap_seen_by_other_thread(void)
{
    pthread_t t = spawn(mapper, NULL);
    unsigned char *p;
    while (!(p = atomic_load(&published)))
        sched_yield();
    for (int i = 0; i < 3 * 4096; i++)
        CHECKF(p[i] == (unsigned char)(i * 13), "byte %d written by the other thread not seen", i);
    memset(p + 2 * 4096, 0x5a, 4096);
    atomic_store(&phase, 1);
    CHECKF(join(t) == NULL, "the thread did not see the main thread's writes");
    /* the thread's munmap removed the mapping for everyone: the range is free again */
    void *q = mmap(p, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECKF(q == p, "the range unmapped by the thread is still mapped here (%s)", q == MAP_FAILED ? ctest_errname(errno) : "moved");
    CHECK_EQ(((unsigned char *)q)[0], 0);
}

/* ---- futexes under munmap ---- */
struct waiter {
    volatile int *addr;
    int op;
    long timeout_ms;
    atomic_int arrived, returned;
    long ret;
    int err;
};

static void *futex_waiter(void *arg)
{
    struct waiter *w = arg;
    struct timespec ts = { w->timeout_ms / 1000, (w->timeout_ms % 1000) * 1000000L };
    atomic_store(&w->arrived, 1);
    w->ret = futex(w->addr, w->op, 0, &ts, NULL, 0);
    w->err = errno;
    atomic_store(&w->returned, 1);
    return NULL;
}

/* Waits until n waiters of *from are blocked in the kernel, by requeueing them to *to (a
 * requeue counts only waiters really queued): then they sit on *to. */
static void requeue_all(volatile int *from, volatile int *to, int n, int private)
{
    int moved = 0;
    for (int i = 0; i < 4000 && moved < n; i++) {
        long r = futex(from, FUTEX_CMP_REQUEUE | private, 0, (const struct timespec *)(intptr_t)(n - moved), to, 0);
        if (r < 0)
            FAIL("FUTEX_CMP_REQUEUE: %s", ctest_errname(errno));
        moved += (int)r;
        if (moved < n)
            ctest_sleep_ms(1);
    }
    CHECKF(moved == n, "only %d of %d waiters ever blocked", moved, n);
}

/* A private futex is keyed by address space and address: munmap of the page does not wake its
 * waiter, and a wake at that address still finds it (Linux: FUTEX_WAKE_PRIVATE returns 1 and
 * the waiter returns 0). */
static void munmap_under_private_futex_wait(void)
{
    volatile int *page = MMAP(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    static struct waiter w;
    w.addr = page;
    w.op = FUTEX_WAIT_PRIVATE;
    w.timeout_ms = 10000;
    pthread_t t = spawn(futex_waiter, &w);
    requeue_all(page, page + 1, 1, FUTEX_PRIVATE_FLAG);
    OK(munmap((void *)page, 4096));
    ctest_sleep_ms(100);
    CHECKF(!atomic_load(&w.returned), "munmap woke the waiter (ret %ld, %s)", w.ret, ctest_errname(w.err));
    long r = futex(page + 1, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    CHECKF(r == 1, "FUTEX_WAKE_PRIVATE on the unmapped address = %ld (%s), want 1", r, r < 0 ? ctest_errname(errno) : "");
    join(t);
    CHECKF(w.ret == 0, "waiter: %ld (%s), want 0", w.ret, ctest_errname(w.err));
}

/* A shared futex is keyed by the page's backing object: after munmap the address names
 * nothing, so a wake there fails with EFAULT and the waiter stays until its timeout. */
static void munmap_under_shared_futex_wait(void)
{
    volatile int *page = MMAP(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    static struct waiter w;
    w.addr = page;
    w.op = FUTEX_WAIT;
    w.timeout_ms = 700;
    pthread_t t = spawn(futex_waiter, &w);
    requeue_all(page, page + 1, 1, 0);
    OK(munmap((void *)page, 4096));
    ctest_sleep_ms(50);
    CHECKF(!atomic_load(&w.returned), "munmap woke the waiter (ret %ld, %s)", w.ret, ctest_errname(w.err));
    ERR(futex(page + 1, FUTEX_WAKE, 1, NULL, NULL, 0), EFAULT);
    join(t);
    CHECKF(w.ret == -1 && w.err == ETIMEDOUT, "waiter: %ld (%s), want -1 ETIMEDOUT", w.ret, ctest_errname(w.err));
}

static void futex_basics(void)
{
    volatile int *page = MMAP(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct timespec ts = { 0, 50 * 1000000 };
    page[0] = 1;
    ERR(futex(page, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0), EAGAIN); /* value differs */
    ERR(futex(page, FUTEX_WAIT, 0, &ts, NULL, 0), EAGAIN);
    long long t0 = ctest_now_ns();
    ERR(futex(page, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0), ETIMEDOUT);
    CHECKF(ctest_now_ns() - t0 >= 50000000, "a 50 ms futex timeout returned early");
    CHECK_EQ(futex(page, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0), 0); /* nobody waits */
    /* an absolute CLOCK_MONOTONIC timeout (WAIT_BITSET), then CLOCK_REALTIME */
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 30 * 1000000;
    if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
    ERR(futex(page, FUTEX_WAIT_BITSET_PRIVATE, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
    clock_gettime(CLOCK_REALTIME, &abs);
    abs.tv_nsec += 30 * 1000000;
    if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
    ERR(futex(page, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &abs, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
    ERR(futex(page, FUTEX_WAIT_BITSET_PRIVATE, 1, &abs, NULL, 0), EINVAL); /* empty bitset */
    ERR(futex(page, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 1, &ts, NULL, 0), ENOSYS); /* only with BITSET */
    ERR(futex((int *)((char *)page + 1), FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0), EINVAL); /* unaligned */
    /* a read-only page: waiting only reads */
    OK(mprotect((void *)page, 4096, PROT_READ));
    ERR(futex(page, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0), ETIMEDOUT);
    /* an unmapped page */
    OK(munmap((void *)(page + 1024), 4096));
    ERR(futex(page + 1024, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0), EFAULT);
    ERR(futex(page + 1024, FUTEX_WAIT, 0, &ts, NULL, 0), EFAULT);
    ERR(futex(NULL, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0), EFAULT);
    ERR(futex(page, 99, 0, NULL, NULL, 0), ENOSYS); /* unknown operation */
}

/* Requeue, bitset wakes and WAKE_OP with exact counts (waiters are known to be blocked by
 * requeueing them first). */
static void futex_requeue_bitset_wake_op(void)
{
    static volatile int f[8];
    static struct waiter w[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        w[i].addr = &f[0];
        w[i].op = FUTEX_WAIT_PRIVATE;
        w[i].timeout_ms = 10000;
        t[i] = spawn(futex_waiter, &w[i]);
    }
    requeue_all(&f[0], &f[1], 3, FUTEX_PRIVATE_FLAG);
    /* CMP_REQUEUE with a stale value refuses */
    f[1] = 5;
    ERR(futex(&f[1], FUTEX_CMP_REQUEUE_PRIVATE, 0, (struct timespec *)1, &f[2], 0), EAGAIN);
    /* wake 1, move 1, leave 1: returns woken + moved */
    CHECK_EQ(futex(&f[1], FUTEX_CMP_REQUEUE_PRIVATE, 1, (struct timespec *)1, &f[2], 5), 2);
    CHECK_EQ(futex(&f[2], FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0), 1);
    /* WAKE_OP: wake 1 on f[1]; set f[3] = 1; its old value 0 == 0, so wake 1 on f[3] (none) */
    CHECK_EQ(futex(&f[1], FUTEX_WAKE_OP_PRIVATE, 1, (struct timespec *)1, &f[3], FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)), 1);
    CHECK_EQ(f[3], 1);
    CHECK_EQ(futex(&f[3], FUTEX_WAKE_OP_PRIVATE, 1, (struct timespec *)1, &f[4], FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_GT, 0)), 0);
    CHECK_EQ(f[4], 3);
    for (int i = 0; i < 3; i++) {
        join(t[i]);
        CHECKF(w[i].ret == 0, "waiter %d: %ld (%s)", i, w[i].ret, ctest_errname(w[i].err));
    }
    /* bitsets: waiters with bits 1 and 2, a wake with bit 2 wakes only the second */
    for (int i = 0; i < 2; i++) {
        w[i].addr = &f[5 + i];
        w[i].returned = 0;
        t[i] = spawn(futex_waiter, &w[i]);
    }
    requeue_all(&f[5], &f[7], 1, FUTEX_PRIVATE_FLAG);
    requeue_all(&f[6], &f[7], 1, FUTEX_PRIVATE_FLAG);
    /* both now wait on f[7] with bitset ANY (FUTEX_WAIT = bitset all ones) */
    CHECK_EQ(futex(&f[7], FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 2), 1);
    CHECK_EQ(futex(&f[7], FUTEX_WAKE_BITSET_PRIVATE, 5, NULL, NULL, 1), 1);
    for (int i = 0; i < 2; i++)
        join(t[i]);
    ERR(futex(&f[7], FUTEX_WAKE_BITSET_PRIVATE, 5, NULL, NULL, 0), EINVAL);
}

/* ---- ids ---- */
static atomic_int tids[8];
static void *record_tid(void *arg)
{
    intptr_t i = (intptr_t)arg;
    atomic_store(&tids[i], ctest_gettid());
    pthread_barrier_wait(&bar);
    return (void *)(intptr_t)(getpid() == (pid_t)syscall(SYS_getpid) ? getpid() : -1);
}

static void gettid_distinct_getpid_same(void)
{
    pthread_t t[8];
    pthread_barrier_init(&bar, NULL, 8);
    for (intptr_t i = 0; i < 8; i++)
        t[i] = spawn(record_tid, (void *)i);
    for (int i = 0; i < 8; i++)
        CHECKF((intptr_t)join(t[i]) == getpid(), "thread %d saw another getpid", i);
    CHECK_EQ(ctest_gettid(), getpid());
    for (int i = 0; i < 8; i++) {
        CHECKF(tids[i] > 0 && tids[i] != getpid(), "thread %d: tid = pid", i);
        for (int j = 0; j < i; j++)
            CHECKF(tids[i] != tids[j], "threads %d and %d have the same tid", i, j);
    }
}

/* ---- fork and exec in threads ---- */
static void *forker(void *arg)
{
    pid_t p = fork();
    if (p == 0) {
        /* the child has one thread: this one, now its main thread */
        _exit(ctest_gettid() == getpid() ? 5 : 6);
    }
    int st;
    waitpid(p, &st, 0);
    return (void *)(intptr_t)st;
}

static void fork_in_thread(void)
{
    spawn(sleeper, NULL);
    CHECK_EXIT((int)(intptr_t)join(spawn(forker, NULL)), 5);
}

static void *execer(void *arg)
{
    char *argv[] = { (char *)ctest_self, "--child-exit", "4", NULL };
    execv(ctest_self, argv);
    return (void *)1;
}

/* execve in a non-main thread: the other threads end, the program keeps the process's pid. */
static void exec_from_thread(void)
{
    pid_t p = ctest_fork();
    if (p == 0) {
        spawn(sleeper, NULL);
        spawn(sleeper, NULL);
        join(spawn(execer, NULL));
        _exit(1);
    }
    CHECK_EXIT(ctest_wait(p), 4);
}

/* ---- barrier ---- */
static atomic_int rounds_seen[4];
static void *barrier_worker(void *arg)
{
    intptr_t me = (intptr_t)arg;
    for (int r = 0; r < 200; r++) {
        atomic_store(&rounds_seen[me], r);
        pthread_barrier_wait(&bar);
        for (int o = 0; o < 4; o++)
            if (atomic_load(&rounds_seen[o]) != r)
                return (void *)1;
        pthread_barrier_wait(&bar);
    }
    return NULL;
}

static void barrier_rounds(void)
{
    pthread_t t[4];
    pthread_barrier_init(&bar, NULL, 4);
    for (intptr_t i = 0; i < 4; i++)
        t[i] = spawn(barrier_worker, (void *)i);
    for (int i = 0; i < 4; i++)
        CHECKF(join(t[i]) == NULL, "thread %d passed a barrier early", i);
}

/* ---- cancellation (glibc's SIGCANCEL, signal 32) ---- */
static void *sleep_long(void *arg)
{
    ctest_sleep_ms(0); /* nothing */
    struct timespec ts = { 60, 0 };
    nanosleep(&ts, NULL); /* a cancellation point */
    return (void *)1;
}

static void pthread_cancel_sleeping(void)
{
    pthread_t t = spawn(sleep_long, NULL);
    ctest_sleep_ms(50);
    CHECK_EQ(pthread_cancel(t), 0);
    CHECK(join(t) == PTHREAD_CANCELED);
}

/* ---- signals to a thread ---- */
static atomic_int handler_tid;
static void record_handler_tid(int sig) { atomic_store(&handler_tid, ctest_gettid()); }
static atomic_int target_tid;
static void *wait_for_signal(void *arg)
{
    atomic_store(&target_tid, ctest_gettid());
    while (!atomic_load(&handler_tid))
        sched_yield();
    return NULL;
}

static void pthread_kill_targets_thread(void)
{
    signal(SIGUSR1, record_handler_tid);
    pthread_t t = spawn(wait_for_signal, NULL);
    while (!atomic_load(&target_tid))
        sched_yield();
    CHECK_EQ(pthread_kill(t, SIGUSR1), 0);
    join(t);
    CHECK_EQ(atomic_load(&handler_tid), atomic_load(&target_tid));
}

/* ---- robust mutexes: the kernel walks the robust list of a dying owner ---- */
static void robust_init(pthread_mutex_t *m, int pshared)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (pshared)
        pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    CHECK_EQ(pthread_mutex_init(m, &a), 0);
}

static void robust_mutex_owner_process_dies(void)
{
    pthread_mutex_t *m = ctest_shared(4096);
    robust_init(m, 1);
    pid_t p = ctest_fork();
    if (p == 0) {
        pthread_mutex_lock(m);
        _exit(0); /* dies holding it */
    }
    CHECK_EXIT(ctest_wait(p), 0);
    CHECK_EQ(pthread_mutex_lock(m), EOWNERDEAD);
    CHECK_EQ(pthread_mutex_consistent(m), 0);
    CHECK_EQ(pthread_mutex_unlock(m), 0);
    CHECK_EQ(pthread_mutex_lock(m), 0);
    CHECK_EQ(pthread_mutex_unlock(m), 0);
}

static pthread_mutex_t robust_m;
static atomic_int robust_locked;
static void *lock_and_die(void *arg)
{
    pthread_mutex_lock(&robust_m);
    atomic_store(&robust_locked, 1);
    syscall(SYS_exit, 0); /* the raw thread exit: only the kernel's robust-list walk can help */
    return NULL;
}

static void robust_mutex_owner_thread_dies(void)
{
    robust_init(&robust_m, 0);
    pthread_t t = spawn(lock_and_die, NULL);
    (void)t; /* not joinable: it never ran glibc's exit path; wait for the lock instead */
    while (!atomic_load(&robust_locked))
        sched_yield();
    struct timespec ts;
    int r;
    for (int i = 0; i < 200; i++) {
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20000000;
        if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
        r = pthread_mutex_timedlock(&robust_m, &ts);
        if (r != ETIMEDOUT)
            break;
    }
    CHECKF(r == EOWNERDEAD, "pthread_mutex_timedlock: %s, want EOWNERDEAD", ctest_errname(r));
    pthread_mutex_consistent(&robust_m);
    pthread_mutex_unlock(&robust_m);
}

/* ---- thread stacks ---- */
static __attribute__((noinline)) int use_stack(int kib)
{
    volatile char buf[1024];
    buf[0] = (char)kib;
    if (kib <= 1)
        return buf[0];
    return use_stack(kib - 1) + buf[0] - (char)kib + 1;
}

static void *deep(void *arg) { return (void *)(intptr_t)use_stack((int)(intptr_t)arg); }

static void thread_stack_sizes(void)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    CHECK_EQ(pthread_attr_setstacksize(&a, 1 << 20), 0);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, &a, deep, (void *)(intptr_t)800), 0);
    CHECK_EQ((intptr_t)join(t), 800);
    /* the default stack (RLIMIT_STACK, 8 MiB) holds 4 MiB of frames */
    CHECK_EQ((intptr_t)join(spawn(deep, (void *)(intptr_t)4000)), 4000);
    /* beyond a thread's stack is its guard page: SIGSEGV */
    pid_t p = ctest_fork();
    if (p == 0) {
        CHECK_EQ(pthread_create(&t, &a, deep, (void *)(intptr_t)2000), 0);
        join(t);
        _exit(0);
    }
    CHECK_KILLED(ctest_wait(p), SIGSEGV);
}

static const struct ctest cases[] = {
    CASE_T(mutex_counter_4_threads, 60),
    CASE_T(condvar_producer_consumer, 60),
    CASE(join_return_values),
    CASE(pthread_exit_non_main),
    CASE(main_thread_pthread_exit),
    CASE(exit_from_thread_ends_process),
    CASE(tls_distinct_per_thread),
    CASE_T(many_short_lived_threads, 60),
    CASE(mmap_seen_by_other_thread),
    CASE(munmap_under_private_futex_wait),
    CASE(munmap_under_shared_futex_wait),
    CASE(futex_basics),
    CASE(futex_requeue_bitset_wake_op),
    CASE(gettid_distinct_getpid_same),
    CASE(fork_in_thread),
    CASE(exec_from_thread),
    CASE_T(barrier_rounds, 60),
    CASE(pthread_cancel_sleeping),
    CASE(pthread_kill_targets_thread),
    CASE(robust_mutex_owner_process_dies),
    CASE(robust_mutex_owner_thread_dies),
    CASE(thread_stack_sizes),
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--child-exit") == 0)
        return atoi(argv[2]);
    return CTEST_MAIN(argc, argv, cases);
}
