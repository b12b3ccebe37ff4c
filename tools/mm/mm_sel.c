/* mm_sel — runs Linux 6.1's memory-management selftests (tools/testing/selftests/vm/, built by
 * tools/mm-selftests.sh) one after another, each in a child under a 300 s alarm, with their own
 * output passed through, and prints one verdict line per test in c_run's format:
 *
 *     test mm_NAME ... ok | FAILED (how it ended) | skipped (exit 4, KSFT_SKIP)
 *
 *   mm_sel [TEST...]     (default: the names in DIR/mm_list, one a line, if that file
 *                         exists, else the list below; DIR is argv[0]'s directory)
 *
 * A test named NAME@nobody runs as uid/gid 65534, as run_vmtests.sh runs on-fault-limit
 * ("sudo -u nobody"). Exit status: the number of failures. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *defaults[] = {
    "mremap_test", "mremap_dontunmap", "map_fixed_noreplace", "map_populate", "mlock2-tests",
    "mlock-random-test", "on-fault-limit@nobody", "madv_populate",
};

int main(int argc, char **argv)
{
    char self[256];
    snprintf(self, sizeof self, "%s", argv[0]);
    const char *dir = strchr(argv[0], '/') ? dirname(self) : "/bin";
    const char **list = argc > 1 ? (const char **)argv + 1 : defaults;
    int n = argc > 1 ? argc - 1 : (int)(sizeof defaults / sizeof defaults[0]);
    static char names[32][64];
    static const char *from_file[32];
    char listpath[512];
    snprintf(listpath, sizeof listpath, "%s/mm_list", dir);
    FILE *f = argc > 1 ? NULL : fopen(listpath, "r");
    if (f) {
        n = 0;
        while (n < 32 && fgets(names[n], sizeof names[n], f)) {
            names[n][strcspn(names[n], "\n")] = 0;
            if (names[n][0]) {
                from_file[n] = names[n];
                n++;
            }
        }
        fclose(f);
        list = from_file;
    }
    int failed = 0;
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < n; i++) {
        char name[64], path[512];
        snprintf(name, sizeof name, "%s", list[i]);
        char *at = strchr(name, '@');
        int nobody = at && strcmp(at, "@nobody") == 0;
        if (at)
            *at = 0;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        printf("mm_sel: running %s%s\n", name, nobody ? " as nobody" : "");
        pid_t c = fork();
        if (c < 0) {
            printf("test mm_%s ... FAILED (fork: %s)\n", name, strerror(errno));
            failed++;
            continue;
        }
        if (c == 0) {
            if (nobody && (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
                           setresuid(65534, 65534, 65534) != 0)) {
                printf("mm_sel: cannot become nobody: %s\n", strerror(errno));
                _exit(126);
            }
            alarm(300);
            char *args[] = { path, NULL };
            execv(path, args);
            printf("mm_sel: exec %s: %s\n", path, strerror(errno));
            _exit(127);
        }
        int st;
        while (waitpid(c, &st, 0) < 0 && errno == EINTR)
            ;
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            printf("test mm_%s ... ok\n", name);
        } else if (WIFEXITED(st) && WEXITSTATUS(st) == 4) {
            printf("test mm_%s ... skipped (exit 4, KSFT_SKIP)\n", name);
        } else {
            if (WIFEXITED(st))
                printf("test mm_%s ... FAILED (exit status %d)\n", name, WEXITSTATUS(st));
            else
                printf("test mm_%s ... FAILED (killed by signal %d)\n", name, WTERMSIG(st));
            failed++;
        }
    }
    return failed > 125 ? 125 : failed;
}
