/* c_caps — capabilities as Linux 6.1 keeps them: capget/capset's versions and errors, root's
 * full sets, dropping CAP_IPC_LOCK making RLIMIT_MEMLOCK apply to root, set*uid clearing and
 * restoring the sets (cap_emulate_setxuid), PR_CAPBSET_READ. Needs to start as root. */
#include "ctest.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#define V1 0x19980330
#define V3 0x20080522
#define CAP_IPC_LOCK 14
#define FULL_HIGH 0x1ffu /* capabilities 32..40 */

struct hdr { unsigned version; int pid; };
struct data { unsigned effective, permitted, inheritable; };

static long capget_(struct hdr *h, struct data *d) { return syscall(SYS_capget, h, d); }
static long capset_(struct hdr *h, struct data *d) { return syscall(SYS_capset, h, d); }

static void get3(struct data d[2])
{
    struct hdr h = { V3, 0 };
    OK(capget_(&h, d));
}

static void root_has_every_capability(void)
{
    struct data d[2];
    get3(d);
    CHECK_EQ(d[0].effective, 0xffffffffu);
    CHECK_EQ(d[0].permitted, 0xffffffffu);
    CHECK_EQ(d[0].inheritable, 0u);
    CHECK_EQ(d[1].effective, FULL_HIGH);
    CHECK_EQ(d[1].permitted, FULL_HIGH);
    CHECK_EQ(prctl(PR_CAPBSET_READ, 40), 1);
    ERR(prctl(PR_CAPBSET_READ, 41), EINVAL);
    /* Version 1: one word per set. */
    struct hdr h = { V1, getpid() };
    struct data one[2] = { { 7, 7, 7 }, { 7, 7, 7 } };
    OK(capget_(&h, one));
    CHECK_EQ(one[0].permitted, 0xffffffffu);
    CHECK_EQ(one[1].permitted, 7u); /* untouched */
}

static void versions_and_errors(void)
{
    struct hdr h = { 0, 0 };
    CHECK_EQ(capget_(&h, NULL), 0); /* libcap's probe */
    CHECK_EQ(h.version, (unsigned)V3);
    struct data d[2];
    h.version = 12345;
    ERR(capget_(&h, d), EINVAL);
    CHECK_EQ(h.version, (unsigned)V3);
    ERR(capget_((struct hdr *)8, d), EFAULT);
    h = (struct hdr){ V3, -1 };
    ERR(capget_(&h, d), EINVAL);
    h = (struct hdr){ V3, 999999 };
    ERR(capget_(&h, d), ESRCH);
    h = (struct hdr){ V3, 1 };
    get3(d);
    ERR(capset_(&h, d), EPERM); /* another process */
    h = (struct hdr){ V3, 0 };
    ERR(capset_(&h, (struct data *)8), EFAULT);
}

static void dropping_ipc_lock_applies_the_memlock_limit(void)
{
    struct rlimit rl = { 4096, 4096 };
    OK(setrlimit(RLIMIT_MEMLOCK, &rl));
    void *p = MMAP(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    OK(mlock(p, 16 * 4096)); /* CAP_IPC_LOCK: no limit */
    OK(munlock(p, 16 * 4096));
    struct data d[2];
    get3(d);
    d[0].effective &= ~(1u << CAP_IPC_LOCK);
    d[0].permitted &= ~(1u << CAP_IPC_LOCK);
    struct hdr h = { V3, 0 };
    OK(capset_(&h, d));
    ERR(mlock(p, 16 * 4096), ENOMEM);
    OK(mlock(p, 4096));
    /* Gone from the permitted set: it cannot come back. */
    d[0].effective |= 1u << CAP_IPC_LOCK;
    d[0].permitted |= 1u << CAP_IPC_LOCK;
    ERR(capset_(&h, d), EPERM);
    /* The effective set must stay within the permitted one. */
    get3(d);
    d[0].effective |= 1u << CAP_IPC_LOCK;
    ERR(capset_(&h, d), EPERM);
}

static void setuid_clears_and_seteuid_restores(void)
{
    OK(setresuid(0, 1000, 0)); /* euid leaves 0: effective cleared, permitted kept */
    struct data d[2];
    get3(d);
    CHECK_EQ(d[0].effective, 0u);
    CHECK_EQ(d[0].permitted, 0xffffffffu);
    OK(seteuid(0)); /* back: effective = permitted */
    get3(d);
    CHECK_EQ(d[0].effective, 0xffffffffu);
    OK(setresuid(1000, 1000, 1000)); /* no uid 0 left: everything gone */
    get3(d);
    CHECK_EQ(d[0].effective | d[0].permitted | d[1].effective | d[1].permitted, 0u);
    ERR(setuid(0), EPERM);
}

static const struct ctest cases[] = {
    CASE(root_has_every_capability),
    CASE(versions_and_errors),
    CASE(dropping_ipc_lock_applies_the_memlock_limit),
    CASE(setuid_clears_and_seteuid_restores),
};

int main(int argc, char **argv) { return CTEST_MAIN(argc, argv, cases); }
