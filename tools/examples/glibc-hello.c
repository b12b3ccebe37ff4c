/* A static glibc program as a user would write one: `gcc -m32 -static -O2 glibc-hello.c`.
 * Its start-up makes glibc's calls (set_thread_area, set_tid_address, set_robust_list, rseq,
 * getrandom...); it uses a __thread variable and errno (thread-local too) and exits 3.
 * `make test` boots it with tools/boot-elf.sh and checks its line and its status. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static __thread int counter = 41;

int main(int argc, char **argv)
{
    counter++;
    errno = 0;
    int r = close(-1);
    printf("hello from glibc: argc=%d arg=%s tls=%d close(-1)=%d %s\n", argc,
           argc > 1 ? argv[1] : "-", counter, r, errno == EBADF ? "EBADF" : "wrong errno");
    return 3;
}
