/* c_files.c — files, directories and paths on a tmpfs (/tmp), as glibc programs use them:
 * create/read/write/truncate/unlink/rename/readdir, O_APPEND and O_EXCL, mkdir/rmdir,
 * symlinks and readlink, link counts, chdir/getcwd, the *at calls, stat fields, permissions
 * as a non-root user, unlink while open, umask, utimensat, statfs, #! scripts, and a
 * directory of many files read by getdents64 in several calls. Every case works in its own
 * directory under /tmp and removes it. Same output on Linux and on our kernel. */
#include "ctest.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <utime.h>

/* Makes /tmp/c_files-NAME (removing a leftover) and chdirs into it. */
static const char *workdir(const char *name) {
    static char dir[128];
    snprintf(dir, sizeof dir, "/tmp/c_files-%s", name);
    umask(022);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        FAIL("mkdir %s: %s", dir, ctest_errname(errno));
    OK(chdir(dir));
    return dir;
}

static void write_file(const char *path, const char *data) {
    int fd = OK(open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644));
    CHECK_EQ(write(fd, data, strlen(data)), (long long)strlen(data));
    OK(close(fd));
}

static void check_content(const char *path, const char *want) {
    char buf[256] = { 0 };
    int fd = OK(open(path, O_RDONLY));
    ssize_t n = OK(read(fd, buf, sizeof buf - 1));
    OK(close(fd));
    CHECKF((size_t)n == strlen(want) && memcmp(buf, want, n) == 0, "%s holds \"%.*s\", want \"%s\"", path, (int)n, buf, want);
}

static void create_read_write(void) {
    workdir("crw");
    int fd = OK(open("f", O_CREAT | O_RDWR | O_EXCL, 0666));
    CHECK_EQ(write(fd, "hello world", 11), 11);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 11);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    char buf[32] = { 0 };
    CHECK_EQ(read(fd, buf, sizeof buf), 11);
    CHECK(memcmp(buf, "hello world", 11) == 0);
    CHECK_EQ(read(fd, buf, sizeof buf), 0);
    struct stat st;
    OK(fstat(fd, &st));
    CHECK_EQ(st.st_mode, S_IFREG | 0644);
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(st.st_size, 11);
    CHECK_EQ(st.st_blocks, 8);
    CHECK_EQ(st.st_uid, 0);
    CHECK_EQ(st.st_blksize, 4096);
    /* A write past the end leaves a hole of zeros and one more page. */
    CHECK_EQ(pwrite(fd, "tail!", 5, 8192), 5);
    OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 8197);
    CHECK_EQ(st.st_blocks, 16);
    CHECK_EQ(pread(fd, buf, 4, 5000), 4);
    CHECK(memcmp(buf, "\0\0\0\0", 4) == 0);
    CHECK_EQ(lseek(fd, 0, SEEK_END), 8197);
    CHECK_EQ(lseek(fd, -5, SEEK_END), 8192);
    ERR(lseek(fd, -1, SEEK_SET), EINVAL);
    OK(close(fd));
    /* A second open shares nothing but the data. */
    int a = OK(open("f", O_RDONLY)), b = OK(open("f", O_WRONLY));
    CHECK_EQ(write(b, "HELLO", 5), 5);
    CHECK_EQ(read(a, buf, 5), 5);
    CHECK(memcmp(buf, "HELLO", 5) == 0);
    ERR(write(a, "x", 1), EBADF);
    ERR(read(b, buf, 1), EBADF);
    OK(close(a));
    OK(close(b));
    OK(unlink("f"));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-crw"));
}

static void append_and_excl(void) {
    workdir("app");
    write_file("log", "one\n");
    int a = OK(open("log", O_WRONLY | O_APPEND)), b = OK(open("log", O_WRONLY | O_APPEND));
    CHECK_EQ(write(a, "two\n", 4), 4);
    CHECK_EQ(write(b, "three\n", 6), 6);
    CHECK_EQ(lseek(b, 0, SEEK_CUR), 14);
    /* O_APPEND writes at the end whatever the offset. */
    OK(lseek(a, 0, SEEK_SET));
    CHECK_EQ(write(a, "four\n", 5), 5);
    CHECK_EQ(fcntl(a, F_GETFL) & O_APPEND, O_APPEND);
    OK(close(a));
    OK(close(b));
    check_content("log", "one\ntwo\nthree\nfour\n");
    ERR(open("log", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    OK(symlink("nowhere", "dangling"));
    ERR(open("dangling", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    ERR(open("dangling", O_RDONLY), ENOENT);
    /* O_CREAT through a dangling symlink creates its target. */
    int n = OK(open("dangling", O_CREAT | O_WRONLY, 0600));
    OK(close(n));
    struct stat nst;
    OK(stat("nowhere", &nst));
    CHECK_EQ(nst.st_mode, S_IFREG | 0600);
    OK(unlink("nowhere"));
    OK(symlink("nodir/x", "dangling2"));
    ERR(open("dangling2", O_CREAT | O_WRONLY, 0600), ENOENT);
    ERR(open("dangling", O_CREAT | O_WRONLY | O_NOFOLLOW, 0600), ELOOP);
    OK(unlink("dangling2"));
    OK(symlink("log", "link"));
    ERR(open("link", O_RDONLY | O_NOFOLLOW), ELOOP);
    OK(mkdir("d", 0755));
    ERR(open("d", O_CREAT | O_WRONLY, 0644), EISDIR);
    ERR(open("d", O_WRONLY), EISDIR);
    ERR(open("d", O_RDWR), EISDIR);
    ERR(open("log", O_RDONLY | O_DIRECTORY), ENOTDIR);
    ERR(open("log/", O_RDONLY), ENOTDIR);
    ERR(open("missing/x", O_CREAT | O_WRONLY, 0644), ENOENT);
    ERR(open("log/x", O_CREAT | O_WRONLY, 0644), ENOTDIR);
    ERR(open("", O_RDONLY), ENOENT);
    int d = OK(open("d", O_RDONLY | O_DIRECTORY));
    char c;
    ERR(read(d, &c, 1), EISDIR);
    OK(close(d));
    /* O_TRUNC empties an existing file. */
    int t = OK(open("log", O_WRONLY | O_TRUNC));
    OK(close(t));
    struct stat st;
    OK(stat("log", &st));
    CHECK_EQ(st.st_size, 0);
    OK(unlink("log"));
    OK(unlink("link"));
    OK(unlink("dangling"));
    OK(rmdir("d"));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-app"));
}

static void truncation(void) {
    workdir("trunc");
    write_file("f", "0123456789");
    OK(truncate("f", 4));
    check_content("f", "0123");
    int fd = OK(open("f", O_RDWR));
    OK(ftruncate(fd, 8));
    char buf[16];
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), 8);
    CHECK(memcmp(buf, "0123\0\0\0\0", 8) == 0);
    OK(ftruncate(fd, 100000));
    struct stat st;
    OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 100000);
    CHECK_EQ(st.st_blocks, 8);
    OK(ftruncate(fd, 0));
    OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(st.st_blocks, 0);
    ERR(ftruncate(fd, -1), EINVAL);
    OK(close(fd));
    fd = OK(open("f", O_RDONLY));
    ERR(ftruncate(fd, 0), EINVAL);
    OK(close(fd));
    OK(mkdir("d", 0755));
    ERR(truncate("d", 0), EISDIR);
    ERR(truncate("none", 0), ENOENT);
    OK(unlink("f"));
    OK(rmdir("d"));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-trunc"));
}

static void renames(void) {
    workdir("ren");
    write_file("a", "A");
    write_file("b", "B");
    OK(rename("a", "b"));
    ERR(access("a", F_OK), ENOENT);
    check_content("b", "A");
    OK(mkdir("d", 0755));
    OK(mkdir("d/sub", 0755));
    OK(mkdir("e", 0755));
    write_file("e/x", "x");
    ERR(rename("d", "d/sub/inside"), EINVAL);
    ERR(rename("d", "d/sub"), EINVAL);
    ERR(rename("d", "e"), ENOTEMPTY);
    ERR(rename("b", "d"), EISDIR);
    ERR(rename("d", "b"), ENOTDIR);
    ERR(rename("missing", "z"), ENOENT);
    ERR(rename("b/", "c"), ENOTDIR);
    /* A directory moves with its contents; its parent's link count follows. */
    struct stat st;
    OK(stat(".", &st));
    CHECK_EQ(st.st_nlink, 4);
    OK(rename("d/sub", "e/sub"));
    OK(stat("d", &st));
    CHECK_EQ(st.st_nlink, 2);
    OK(stat("e", &st));
    CHECK_EQ(st.st_nlink, 3);
    OK(rename("e/sub", "moved"));
    OK(stat(".", &st));
    CHECK_EQ(st.st_nlink, 5);
    /* An empty directory may be replaced by a directory. */
    OK(rename("moved", "d"));
    OK(stat(".", &st));
    CHECK_EQ(st.st_nlink, 4);
    write_file("c", "C");
    ERR(syscall(SYS_renameat2, AT_FDCWD, "b", AT_FDCWD, "c", 1 /* RENAME_NOREPLACE */), EEXIST);
    OK(syscall(SYS_renameat2, AT_FDCWD, "b", AT_FDCWD, "c", 2 /* RENAME_EXCHANGE */));
    check_content("b", "C");
    check_content("c", "A");
    ERR(syscall(SYS_renameat2, AT_FDCWD, "b", AT_FDCWD, "none", 2), ENOENT);
    ERR(syscall(SYS_renameat2, AT_FDCWD, "b", AT_FDCWD, "c", 3), EINVAL);
    ERR(rename(".", "x"), EBUSY);
    OK(rename("b", "b"));
    OK(unlink("b"));
    OK(unlink("c"));
    OK(unlink("e/x"));
    OK(rmdir("e"));
    OK(rmdir("d"));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-ren"));
}

static void directories(void) {
    workdir("dirs");
    struct stat st;
    OK(stat(".", &st));
    CHECK_EQ(st.st_nlink, 2);
    CHECK_EQ(st.st_size, 40);
    OK(mkdir("a", 0755));
    ERR(mkdir("a", 0755), EEXIST);
    ERR(mkdir(".", 0755), EEXIST);
    OK(mkdir("a/b/", 0755));
    OK(stat(".", &st));
    CHECK_EQ(st.st_nlink, 3);
    CHECK_EQ(st.st_size, 60);
    OK(stat("a", &st));
    CHECK_EQ(st.st_mode, S_IFDIR | 0755);
    ERR(rmdir("a"), ENOTEMPTY);
    write_file("file", "");
    ERR(rmdir("file"), ENOTDIR);
    ERR(unlink("a"), EISDIR);
    ERR(rmdir("a/b/."), EINVAL);
    ERR(rmdir("a/.."), ENOTEMPTY);
    ERR(mkdir("file/x", 0755), ENOTDIR);
    ERR(mkdir("none/x", 0755), ENOENT);
    ERR(unlink("file/"), ENOTDIR);
    OK(rmdir("a/b"));
    OK(rmdir("a"));
    OK(unlink("file"));
    OK(stat(".", &st));
    CHECK_EQ(st.st_nlink, 2);
    CHECK_EQ(st.st_size, 40);
    /* A removed working directory: getcwd fails, lookups in it find nothing. */
    OK(mkdir("gone", 0755));
    OK(chdir("gone"));
    OK(rmdir("../gone"));
    char buf[PATH_MAX];
    ERR(syscall(SYS_getcwd, buf, sizeof buf), ENOENT);
    ERR(open("new", O_CREAT | O_WRONLY, 0644), ENOENT);
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-dirs"));
}

static void symlinks(void) {
    workdir("sym");
    write_file("target", "data");
    OK(symlink("target", "l1"));
    OK(symlink("l1", "l2"));
    OK(symlink("/tmp/c_files-sym/target", "abs"));
    check_content("l2", "data");
    check_content("abs", "data");
    char buf[64] = { 0 };
    CHECK_EQ(readlink("l2", buf, sizeof buf), 2);
    CHECK(memcmp(buf, "l1", 2) == 0);
    CHECK_EQ(readlink("abs", buf, 5), 5);
    CHECK(memcmp(buf, "/tmp/", 5) == 0);
    ERR(readlink("target", buf, sizeof buf), EINVAL);
    ERR(readlink("none", buf, sizeof buf), ENOENT);
    struct stat st, lst;
    OK(lstat("l1", &lst));
    CHECK_EQ(lst.st_mode, S_IFLNK | 0777);
    CHECK_EQ(lst.st_size, 6);
    OK(stat("l1", &st));
    CHECK_EQ(st.st_mode, S_IFREG | 0644);
    CHECK_EQ(st.st_size, 4);
    OK(symlink("loop2", "loop1"));
    OK(symlink("loop1", "loop2"));
    ERR(open("loop1", O_RDONLY), ELOOP);
    ERR(stat("loop1", &st), ELOOP);
    OK(lstat("loop1", &st));
    ERR(symlink("", "empty"), ENOENT);
    ERR(symlink("x", "target"), EEXIST);
    /* Symlinks to directories in the middle of a path. */
    OK(mkdir("dir", 0755));
    write_file("dir/inner", "in");
    OK(symlink("dir", "dl"));
    check_content("dl/inner", "in");
    OK(stat("dl/", &st));
    CHECK(S_ISDIR(st.st_mode));
    OK(lstat("dl", &st));
    CHECK(S_ISLNK(st.st_mode));
    /* unlink removes the link, not its target. */
    OK(unlink("dl"));
    OK(stat("dir/inner", &st));
    OK(unlink("dir/inner"));
    OK(rmdir("dir"));
    const char *names[] = { "target", "l1", "l2", "abs", "loop1", "loop2" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        OK(unlink(names[i]));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-sym"));
}

static void hard_links(void) {
    workdir("link");
    write_file("a", "shared");
    OK(link("a", "b"));
    struct stat sa, sb;
    OK(stat("a", &sa));
    OK(stat("b", &sb));
    CHECK_EQ(sa.st_nlink, 2);
    CHECK_EQ(sa.st_ino, sb.st_ino);
    ERR(link("a", "b"), EEXIST);
    ERR(link("none", "c"), ENOENT);
    OK(mkdir("d", 0755));
    ERR(link("d", "d2"), EPERM);
    OK(unlink("a"));
    OK(stat("b", &sb));
    CHECK_EQ(sb.st_nlink, 1);
    check_content("b", "shared");
    /* linkat with AT_SYMLINK_FOLLOW links the target, without it the symlink. */
    OK(symlink("b", "s"));
    OK(linkat(AT_FDCWD, "s", AT_FDCWD, "hard-s", 0));
    OK(linkat(AT_FDCWD, "s", AT_FDCWD, "hard-b", AT_SYMLINK_FOLLOW));
    struct stat st;
    OK(lstat("hard-s", &st));
    CHECK(S_ISLNK(st.st_mode));
    OK(lstat("hard-b", &st));
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_nlink, 2);
    const char *names[] = { "b", "s", "hard-s", "hard-b" };
    for (size_t i = 0; i < 4; i++)
        OK(unlink(names[i]));
    OK(rmdir("d"));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-link"));
}

static void cwd_and_relative(void) {
    const char *dir = workdir("cwd");
    char buf[PATH_MAX];
    CHECK(getcwd(buf, sizeof buf) != NULL);
    CHECKF(strcmp(buf, dir) == 0, "getcwd %s, want %s", buf, dir);
    OK(mkdir("sub", 0755));
    OK(chdir("sub"));
    CHECK(getcwd(buf, sizeof buf) != NULL);
    CHECK(strcmp(buf, "/tmp/c_files-cwd/sub") == 0);
    write_file("../up", "up");
    OK(chdir(".."));
    check_content("up", "up");
    OK(chdir("sub/../sub/./"));
    CHECK(getcwd(buf, sizeof buf) != NULL);
    CHECK(strcmp(buf, "/tmp/c_files-cwd/sub") == 0);
    ERR(syscall(SYS_getcwd, buf, 5), ERANGE);
    CHECK_EQ(syscall(SYS_getcwd, buf, sizeof buf), (long long)strlen("/tmp/c_files-cwd/sub") + 1);
    ERR(chdir("../up"), ENOTDIR);
    ERR(chdir("none"), ENOENT);
    /* .. at the root stays there. */
    OK(chdir("/../.."));
    CHECK(getcwd(buf, sizeof buf) != NULL);
    CHECK(strcmp(buf, "/") == 0);
    /* fchdir. */
    int d = OK(open("/tmp/c_files-cwd/sub", O_RDONLY | O_DIRECTORY));
    OK(fchdir(d));
    OK(close(d));
    CHECK(getcwd(buf, sizeof buf) != NULL);
    CHECK(strcmp(buf, "/tmp/c_files-cwd/sub") == 0);
    int f = OK(open("../up", O_RDONLY));
    ERR(fchdir(f), ENOTDIR);
    OK(close(f));
    /* The working directory is per process: a child's chdir leaves ours. */
    pid_t pid = ctest_fork();
    if (pid == 0) {
        if (chdir("/") != 0)
            _exit(1);
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(pid), 0);
    CHECK(getcwd(buf, sizeof buf) != NULL);
    CHECK(strcmp(buf, "/tmp/c_files-cwd/sub") == 0);
    OK(unlink("../up"));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-cwd/sub"));
    OK(rmdir("/tmp/c_files-cwd"));
}

static void at_calls(void) {
    workdir("at");
    OK(chdir("/"));
    int d = OK(open("/tmp/c_files-at", O_RDONLY | O_DIRECTORY));
    OK(mkdirat(d, "sub", 0700));
    int fd = OK(openat(d, "sub/f", O_CREAT | O_WRONLY, 0600));
    CHECK_EQ(write(fd, "at", 2), 2);
    struct stat st;
    OK(fstatat(fd, "", &st, AT_EMPTY_PATH));
    CHECK_EQ(st.st_size, 2);
    OK(close(fd));
    OK(fstatat(d, "sub/f", &st, 0));
    CHECK_EQ(st.st_mode, S_IFREG | 0600);
    OK(symlinkat("sub/f", d, "ln"));
    OK(fstatat(d, "ln", &st, AT_SYMLINK_NOFOLLOW));
    CHECK(S_ISLNK(st.st_mode));
    OK(fstatat(d, "ln", &st, 0));
    CHECK(S_ISREG(st.st_mode));
    char buf[32] = { 0 };
    CHECK_EQ(readlinkat(d, "ln", buf, sizeof buf), 5);
    CHECK(strcmp(buf, "sub/f") == 0);
    OK(renameat(d, "sub/f", d, "g"));
    OK(linkat(d, "g", d, "h", 0));
    OK(fstatat(d, "h", &st, 0));
    CHECK_EQ(st.st_nlink, 2);
    OK(faccessat(d, "h", R_OK | W_OK, 0));
    ERR(fstatat(d, "h", &st, 0x8000), EINVAL);
    ERR(unlinkat(d, "sub", 0), EISDIR);
    ERR(unlinkat(d, "g", AT_REMOVEDIR), ENOTDIR);
    ERR(unlinkat(d, "g", 0x1), EINVAL);
    OK(unlinkat(d, "g", 0));
    OK(unlinkat(d, "h", 0));
    OK(unlinkat(d, "ln", 0));
    OK(unlinkat(d, "sub", AT_REMOVEDIR));
    /* A relative path against a non-directory or a closed descriptor. */
    int f = OK(open("/proc/meminfo", O_RDONLY));
    ERR(openat(f, "x", O_RDONLY), ENOTDIR);
    ERR(mkdirat(f, "x", 0755), ENOTDIR);
    OK(close(f));
    ERR(openat(999, "x", O_RDONLY), EBADF);
    OK(close(d));
    OK(rmdir("/tmp/c_files-at"));
}

static void stat_fields(void) {
    workdir("stat");
    struct stat st;
    OK(stat("/", &st));
    CHECK(S_ISDIR(st.st_mode));
    OK(stat("/tmp", &st));
    CHECK_EQ(st.st_mode, S_IFDIR | 01777);
    OK(stat("/proc", &st));
    CHECK(S_ISDIR(st.st_mode));
    OK(stat("/proc/self", &st));
    CHECK(S_ISDIR(st.st_mode));
    OK(lstat("/proc/self", &st));
    CHECK(S_ISLNK(st.st_mode));
    char buf[64] = { 0 }, want[32];
    CHECK(readlink("/proc/self", buf, sizeof buf) > 0);
    snprintf(want, sizeof want, "%d", getpid());
    CHECKF(strcmp(buf, want) == 0, "/proc/self -> %s, want %s", buf, want);
    memset(buf, 0, sizeof buf);
    CHECK(readlink("/proc/self/exe", buf, sizeof buf) > 0);
    CHECKF(strcmp(buf, "/bin/c_files") == 0, "/proc/self/exe -> %s", buf);
    /* mknod: FIFOs and regular files for anyone, devices for root. */
    OK(mknod("fifo", S_IFIFO | 0644, 0));
    OK(lstat("fifo", &st));
    CHECK_EQ(st.st_mode, S_IFIFO | 0644);
    OK(mknod("null", S_IFCHR | 0666, makedev(1, 3)));
    OK(lstat("null", &st));
    CHECK_EQ(st.st_mode, S_IFCHR | 0644);
    CHECK_EQ(major(st.st_rdev), 1);
    CHECK_EQ(minor(st.st_rdev), 3);
    OK(mknod("plain", 0600, 0));
    OK(lstat("plain", &st));
    CHECK_EQ(st.st_mode, S_IFREG | 0600);
    ERR(mknod("dir", S_IFDIR | 0755, 0), EPERM);
    OK(unlink("fifo"));
    OK(unlink("null"));
    OK(unlink("plain"));
    /* statx reports the same as stat. */
    struct statx sx;
    write_file("f", "12345");
    OK(stat("f", &st));
    OK(statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, &sx));
    CHECK_EQ(sx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
    CHECK_EQ(sx.stx_size, 5);
    CHECK_EQ(sx.stx_ino, st.st_ino);
    CHECK_EQ(sx.stx_mode, st.st_mode);
    CHECK_EQ(sx.stx_nlink, 1);
    CHECK_EQ(makedev(sx.stx_dev_major, sx.stx_dev_minor), st.st_dev);
    CHECK_EQ(sx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
    ERR(statx(AT_FDCWD, "f", 0, 0x80000000u, &sx), EINVAL);
    OK(unlink("f"));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-stat"));
}

/* As uid/gid 1000 in a child: what root's files and directories allow. */
static void non_root(void) {
    workdir("perm");
    write_file("secret", "s");
    OK(chmod("secret", 0600));
    write_file("readable", "r");
    OK(mkdir("closed", 0700));
    write_file("closed/inner", "i");
    OK(mkdir("ro", 0755));
    write_file("/tmp/c_files-perm-root", "root");
    pid_t pid = ctest_fork();
    if (pid == 0) {
        OK(setgid(1000));
        OK(setuid(1000));
        ERR(open("secret", O_RDONLY), EACCES);
        ERR(open("readable", O_WRONLY), EACCES);
        OK(close(OK(open("readable", O_RDONLY))));
        ERR(access("readable", W_OK), EACCES);
        OK(access("readable", R_OK));
        ERR(access("readable", X_OK), EACCES);
        struct stat st;
        ERR(stat("closed/inner", &st), EACCES);
        ERR(chdir("closed"), EACCES);
        ERR(mkdir("ro/x", 0755), EACCES);
        ERR(unlink("readable"), EACCES);
        ERR(chmod("readable", 0777), EPERM);
        ERR(chown("readable", 1000, 1000), EPERM);
        ERR(truncate("readable", 0), EACCES);
        ERR(mknod("/tmp/c_files-perm-dev", S_IFCHR | 0600, makedev(1, 3)), EPERM);
        /* /tmp is sticky: our own file goes, root's stays. */
        int fd = OK(open("/tmp/c_files-perm-mine", O_CREAT | O_WRONLY, 0644));
        OK(fstat(fd, &st));
        CHECK_EQ(st.st_uid, 1000);
        CHECK_EQ(st.st_gid, 1000);
        OK(fchmod(fd, 0600));
        OK(close(fd));
        ERR(unlink("/tmp/c_files-perm-root"), EPERM);
        ERR(rename("/tmp/c_files-perm-root", "/tmp/c_files-perm-x"), EPERM);
        OK(unlink("/tmp/c_files-perm-mine"));
        /* Setting times: now needs write permission, explicit ones ownership. */
        ERR(utimes("readable", NULL), EACCES);
        struct timeval tv[2] = { { 1, 0 }, { 2, 0 } };
        ERR(utimes("readable", tv), EPERM);
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(pid), 0);
    OK(unlink("/tmp/c_files-perm-root"));
    OK(unlink("closed/inner"));
    OK(rmdir("closed"));
    OK(rmdir("ro"));
    OK(unlink("secret"));
    OK(unlink("readable"));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-perm"));
}

static void unlink_while_open(void) {
    workdir("open");
    int fd = OK(open("f", O_CREAT | O_RDWR, 0644));
    char page[4096];
    memset(page, 'z', sizeof page);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(write(fd, page, sizeof page), 4096);
    OK(unlink("f"));
    ERR(access("f", F_OK), ENOENT);
    struct stat st;
    OK(fstat(fd, &st));
    CHECK_EQ(st.st_nlink, 0);
    CHECK_EQ(st.st_size, 32768);
    char buf[16];
    CHECK_EQ(pread(fd, buf, sizeof buf, 30000), 16);
    CHECK(memcmp(buf, "zzzzzzzzzzzzzzzz", 16) == 0);
    CHECK_EQ(write(fd, "more", 4), 4);
    OK(close(fd));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-open"));
}

static void umask_and_chmod(void) {
    workdir("umask");
    CHECK_EQ(umask(077), 022);
    CHECK_EQ(umask(077), 077);
    int fd = OK(open("f", O_CREAT | O_WRONLY, 0666));
    struct stat st;
    OK(fstat(fd, &st));
    CHECK_EQ(st.st_mode, S_IFREG | 0600);
    OK(fchmod(fd, 04755));
    OK(fstat(fd, &st));
    CHECK_EQ(st.st_mode, S_IFREG | 04755);
    OK(close(fd));
    OK(mkdir("d", 0777));
    OK(stat("d", &st));
    CHECK_EQ(st.st_mode, S_IFDIR | 0700);
    OK(chmod("d", 01777));
    OK(stat("d", &st));
    CHECK_EQ(st.st_mode, S_IFDIR | 01777);
    OK(chown("f", 5, 6));
    OK(stat("f", &st));
    CHECK_EQ(st.st_uid, 5);
    CHECK_EQ(st.st_gid, 6);
    CHECK_EQ(st.st_mode, S_IFREG | 0755); /* chown drops set-user-id */
    OK(symlink("f", "l"));
    OK(lchown("l", 7, 8));
    OK(lstat("l", &st));
    CHECK_EQ(st.st_uid, 7);
    OK(stat("l", &st));
    CHECK_EQ(st.st_uid, 5);
    umask(022);
    OK(unlink("l"));
    OK(unlink("f"));
    OK(rmdir("d"));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-umask"));
}

static void times(void) {
    workdir("times");
    write_file("f", "x");
    struct timespec ts[2] = { { 1000000000, 5 }, { 1200000000, 7 } };
    OK(utimensat(AT_FDCWD, "f", ts, 0));
    struct stat st;
    OK(stat("f", &st));
    CHECK_EQ(st.st_atim.tv_sec, 1000000000);
    CHECK_EQ(st.st_atim.tv_nsec, 5);
    CHECK_EQ(st.st_mtim.tv_sec, 1200000000);
    CHECK_EQ(st.st_mtim.tv_nsec, 7);
    struct timespec omit[2] = { { 0, UTIME_OMIT }, { 5, 0 } };
    OK(utimensat(AT_FDCWD, "f", omit, 0));
    OK(stat("f", &st));
    CHECK_EQ(st.st_atim.tv_sec, 1000000000);
    CHECK_EQ(st.st_mtim.tv_sec, 5);
    struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
    ERR(utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
    struct timespec before;
    clock_gettime(CLOCK_REALTIME, &before);
    OK(utimensat(AT_FDCWD, "f", NULL, 0));
    OK(stat("f", &st));
    CHECK(st.st_mtim.tv_sec >= before.tv_sec - 1 && st.st_mtim.tv_sec <= before.tv_sec + 5);
    /* A write moves mtime and ctime forward. */
    OK(utimensat(AT_FDCWD, "f", ts, 0));
    int fd = OK(open("f", O_WRONLY));
    CHECK_EQ(write(fd, "y", 1), 1);
    OK(fstat(fd, &st));
    CHECK(st.st_mtim.tv_sec >= before.tv_sec - 1);
    struct timespec fts[2] = { { 42, 0 }, { 43, 0 } };
    OK(futimens(fd, fts));
    OK(fstat(fd, &st));
    CHECK_EQ(st.st_mtim.tv_sec, 43);
    OK(fsync(fd));
    OK(fdatasync(fd));
    OK(close(fd));
    struct utimbuf ub = { 100, 200 };
    OK(utime("f", &ub));
    OK(stat("f", &st));
    CHECK_EQ(st.st_atime, 100);
    CHECK_EQ(st.st_mtime, 200);
    OK(unlink("f"));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-times"));
}

static void statfs_tmp(void) {
    struct statfs sf;
    OK(statfs("/tmp", &sf));
    CHECK_EQ(sf.f_type, 0x01021994);
    CHECK_EQ(sf.f_bsize, 4096);
    CHECK_EQ(sf.f_namelen, 255);
    CHECK(sf.f_blocks > 0);
    CHECK(sf.f_bfree <= sf.f_blocks);
    OK(statfs("/proc", &sf));
    CHECK_EQ(sf.f_type, 0x9fa0);
    int fd = OK(open("/tmp", O_RDONLY | O_DIRECTORY));
    OK(fstatfs(fd, &sf));
    CHECK_EQ(sf.f_type, 0x01021994);
    OK(close(fd));
    ERR(statfs("/none", &sf), ENOENT);
    /* Writing a page uses a block. */
    struct statfs before, after;
    workdir("statfs");
    OK(statfs(".", &before));
    int f = OK(open("f", O_CREAT | O_WRONLY, 0644));
    char page[4096] = { 1 };
    for (int i = 0; i < 4; i++)
        CHECK_EQ(write(f, page, sizeof page), 4096);
    OK(fstatfs(f, &after));
    CHECK_EQ(before.f_bfree - after.f_bfree, 4);
    OK(close(f));
    OK(unlink("f"));
    OK(statfs(".", &after));
    CHECK_EQ(after.f_bfree, before.f_bfree);
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-statfs"));
}

struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* 300 files read back with getdents64 through a small buffer: each name exactly once. */
static void many_files(void) {
    workdir("many");
    enum { N = 300 };
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "file-%03d", i);
        OK(close(OK(open(name, O_CREAT | O_WRONLY, 0644))));
    }
    OK(mkdir("zdir", 0755));
    OK(symlink("file-000", "zlink"));
    static unsigned char seen[N];
    int d = OK(open(".", O_RDONLY | O_DIRECTORY));
    char buf[512];
    int calls = 0, dots = 0, others = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, d, buf, sizeof buf);
        CHECKF(n >= 0, "getdents64: %s", ctest_errname(errno));
        if (n == 0)
            break;
        calls++;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *e = (struct linux_dirent64 *)(buf + off);
            int i;
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                CHECK_EQ(e->d_type, DT_DIR);
                dots++;
            } else if (sscanf(e->d_name, "file-%d", &i) == 1 && i >= 0 && i < N) {
                CHECK_EQ(e->d_type, DT_REG);
                CHECKF(!seen[i], "%s twice", e->d_name);
                seen[i] = 1;
            } else if (strcmp(e->d_name, "zdir") == 0) {
                CHECK_EQ(e->d_type, DT_DIR);
                others++;
            } else if (strcmp(e->d_name, "zlink") == 0) {
                CHECK_EQ(e->d_type, DT_LNK);
                others++;
            } else {
                FAIL("unexpected entry %s", e->d_name);
            }
            off += e->d_reclen;
        }
    }
    CHECK(calls > 10);
    CHECK_EQ(dots, 2);
    CHECK_EQ(others, 2);
    for (int i = 0; i < N; i++)
        CHECKF(seen[i], "file-%03d missing", i);
    /* A buffer too small for one record. */
    OK(lseek(d, 0, SEEK_SET));
    ERR(syscall(SYS_getdents64, d, buf, 8), EINVAL);
    /* readdir after a rewind sees them all again. */
    OK(lseek(d, 0, SEEK_SET));
    DIR *dir = fdopendir(d);
    CHECK(dir != NULL);
    int count = 0;
    while (readdir(dir))
        count++;
    CHECK_EQ(count, N + 4);
    closedir(dir);
    ERR(syscall(SYS_getdents64, OK(open("file-000", O_RDONLY)), buf, sizeof buf), ENOTDIR);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "file-%03d", i);
        OK(unlink(name));
    }
    OK(rmdir("zdir"));
    OK(unlink("zlink"));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-many"));
}

/* #! scripts: the interpreter gets its argument, the script's path and the arguments. */
static void scripts(void) {
    workdir("script");
    write_file("s", "#!/bin/c_files --child-script\n");
    OK(chmod("s", 0755));
    pid_t pid = ctest_fork();
    if (pid == 0) {
        char *argv[] = { "name", "arg1", NULL };
        execv("/tmp/c_files-script/s", argv);
        _exit(100 + errno);
    }
    CHECK_EXIT(ctest_wait(pid), 42);
    write_file("noexec", "#!/bin/c_files --child-script\n");
    ERR(execl("noexec", "noexec", (char *)NULL), EACCES);
    write_file("empty", "#!\n");
    OK(chmod("empty", 0755));
    ERR(execl("empty", "empty", (char *)NULL), ENOEXEC);
    write_file("missing", "#!/bin/none\n");
    OK(chmod("missing", 0755));
    ERR(execl("missing", "missing", (char *)NULL), ENOENT);
    ERR(execl("/tmp", "tmp", (char *)NULL), EACCES);
    OK(unlink("s"));
    OK(unlink("noexec"));
    OK(unlink("empty"));
    OK(unlink("missing"));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-script"));
}

/* A tmpfs of 16 pages and 4 inodes mounted on a directory: ENOSPC, EXDEV, EBUSY. */
static void mounts(void) {
    workdir("mnt");
    OK(mkdir("m", 0755));
    ERR(mount("none", "m", "nosuchfs", 0, NULL), ENODEV);
    ERR(mount("none", "nodir", "tmpfs", 0, NULL), ENOENT);
    OK(mount("none", "m", "tmpfs", 0, "size=64k,nr_inodes=4,mode=0700"));
    struct stat st;
    OK(stat("m", &st));
    CHECK_EQ(st.st_mode, S_IFDIR | 0700);
    struct stat parent;
    OK(stat(".", &parent));
    CHECK(st.st_dev != parent.st_dev);
    struct statfs sf;
    OK(statfs("m", &sf));
    CHECK_EQ(sf.f_type, 0x01021994);
    CHECK_EQ(sf.f_blocks, 16);
    CHECK_EQ(sf.f_files, 4);
    CHECK_EQ(sf.f_ffree, 3);
    /* 100 KiB into 64: a short write, then ENOSPC. */
    static char big[100 * 1024];
    int fd = OK(open("m/big", O_CREAT | O_WRONLY, 0644));
    CHECK_EQ(write(fd, big, sizeof big), 65536);
    ERR(write(fd, big, 1), ENOSPC);
    /* Overwriting pages the file has needs no space. */
    CHECK_EQ(pwrite(fd, big, 4096, 0), 4096);
    OK(statfs("m", &sf));
    CHECK_EQ(sf.f_bfree, 0);
    /* Busy while a file inside is open. */
    ERR(umount("m"), EBUSY);
    OK(ftruncate(fd, 8192));
    OK(statfs("m", &sf));
    CHECK_EQ(sf.f_bfree, 14);
    OK(close(fd));
    /* Inodes: the root and three more. */
    OK(close(OK(open("m/a", O_CREAT | O_WRONLY, 0644))));
    OK(mkdir("m/d", 0755));
    ERR(open("m/b", O_CREAT | O_WRONLY, 0644), ENOSPC);
    ERR(mkdir("m/e", 0755), ENOSPC);
    /* Across mounts: EXDEV. */
    write_file("outside", "o");
    ERR(rename("m/a", "a"), EXDEV);
    ERR(rename("outside", "m/outside"), EXDEV);
    ERR(link("outside", "m/l"), EXDEV);
    ERR(rmdir("m"), EBUSY);
    ERR(umount("outside"), EINVAL);
    /* Busy while it is a working directory. */
    pid_t pid = ctest_fork();
    if (pid == 0) {
        OK(chdir("m/d"));
        ERR(umount("/tmp/c_files-mnt/m"), EBUSY);
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(pid), 0);
    /* Unmounting drops everything in it; the directory underneath is empty again. */
    OK(umount("m"));
    ERR(access("m/a", F_OK), ENOENT);
    OK(stat("m", &st));
    CHECK_EQ(st.st_mode, S_IFDIR | 0755);
    /* proc mounts anywhere; only root mounts. */
    OK(mount("proc", "m", "proc", 0, NULL));
    OK(access("m/meminfo", R_OK));
    OK(umount2("m", 0));
    pid = ctest_fork();
    if (pid == 0) {
        OK(setuid(1000));
        ERR(mount("none", "/tmp/c_files-mnt/m", "tmpfs", 0, NULL), EPERM);
        ERR(umount("/tmp"), EPERM);
        _exit(0);
    }
    CHECK_EXIT(ctest_wait(pid), 0);
    OK(unlink("outside"));
    OK(rmdir("m"));
    OK(chdir("/"));
    OK(rmdir("/tmp/c_files-mnt"));
}

/* /proc/self/fd: a link per descriptor, " (deleted)" once unlinked, and opening it reaches
 * the file itself. */
static void proc_fd(void) {
    workdir("procfd");
    write_file("f", "content");
    int fd = OK(open("f", O_RDONLY));
    int wfd = OK(open("f", O_WRONLY));
    char link[64], buf[128] = { 0 };
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    CHECK(readlink(link, buf, sizeof buf) > 0);
    CHECKF(strcmp(buf, "/tmp/c_files-procfd/f") == 0, "%s -> %s", link, buf);
    struct stat st;
    OK(lstat(link, &st));
    CHECK_EQ(st.st_mode, S_IFLNK | 0500);
    char wlink[64];
    snprintf(wlink, sizeof wlink, "/proc/self/fd/%d", wfd);
    OK(lstat(wlink, &st));
    CHECK_EQ(st.st_mode, S_IFLNK | 0300);
    OK(stat(link, &st));
    CHECK_EQ(st.st_size, 7);
    /* The directory lists the descriptor. */
    DIR *dir = opendir("/proc/self/fd");
    CHECK(dir != NULL);
    struct dirent *e;
    int found = 0;
    char want[16];
    snprintf(want, sizeof want, "%d", fd);
    while ((e = readdir(dir)))
        if (strcmp(e->d_name, want) == 0) {
            found = 1;
            CHECK_EQ(e->d_type, DT_LNK);
        }
    closedir(dir);
    CHECK(found);
    /* Unlinked: the link says so, and still leads to the data. */
    OK(unlink("f"));
    memset(buf, 0, sizeof buf);
    CHECK(readlink(link, buf, sizeof buf) > 0);
    CHECKF(strcmp(buf, "/tmp/c_files-procfd/f (deleted)") == 0, "%s -> %s", link, buf);
    int again = OK(open(link, O_RDONLY));
    memset(buf, 0, sizeof buf);
    CHECK_EQ(read(again, buf, sizeof buf), 7);
    CHECK(strcmp(buf, "content") == 0);
    OK(close(again));
    OK(close(fd));
    OK(close(wfd));
    ERR(readlink(link, buf, sizeof buf), ENOENT);
    /* A directory descriptor shows its path. */
    int d = OK(open("/tmp/c_files-procfd", O_RDONLY | O_DIRECTORY));
    snprintf(link, sizeof link, "/proc/self/fd/%d", d);
    memset(buf, 0, sizeof buf);
    CHECK(readlink(link, buf, sizeof buf) > 0);
    CHECK(strcmp(buf, "/tmp/c_files-procfd") == 0);
    OK(close(d));
    /* A working directory inside /proc: getcwd and .. as anywhere. */
    OK(chdir("/proc/self/fd"));
    char cwd[64], want_cwd[64];
    snprintf(want_cwd, sizeof want_cwd, "/proc/%d/fd", getpid());
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECKF(strcmp(cwd, want_cwd) == 0, "getcwd %s, want %s", cwd, want_cwd);
    OK(chdir("../.."));
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(strcmp(cwd, "/proc") == 0);
    OK(chdir(".."));
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(strcmp(cwd, "/") == 0);
    OK(rmdir("/tmp/c_files-procfd"));
}

static char clone_stack[64 * 1024];

static int clone_fs_child(void *arg) {
    (void)arg;
    if (chdir("/tmp") != 0)
        return 1;
    umask(0);
    return 0;
}

/* CLONE_FS shares the working directory and umask; fork copies them. */
static void clone_fs(void) {
    OK(chdir("/"));
    umask(022);
    pid_t pid = clone(clone_fs_child, clone_stack + sizeof clone_stack, CLONE_FS | SIGCHLD, NULL);
    CHECK(pid > 0);
    CHECK_EXIT(ctest_wait(pid), 0);
    char buf[64];
    CHECK(getcwd(buf, sizeof buf) != NULL);
    CHECKF(strcmp(buf, "/tmp") == 0, "cwd %s after the CLONE_FS child's chdir", buf);
    CHECK_EQ(umask(022), 0);
    OK(chdir("/"));
    pid = clone(clone_fs_child, clone_stack + sizeof clone_stack, SIGCHLD, NULL);
    CHECK(pid > 0);
    CHECK_EXIT(ctest_wait(pid), 0);
    CHECK(getcwd(buf, sizeof buf) != NULL);
    CHECK(strcmp(buf, "/") == 0);
    CHECK_EQ(umask(022), 022);
}

static const struct ctest cases[] = {
    CASE(create_read_write), CASE(append_and_excl), CASE(truncation), CASE(renames),
    CASE(directories), CASE(symlinks), CASE(hard_links), CASE(cwd_and_relative),
    CASE(at_calls), CASE(stat_fields), CASE(non_root), CASE(unlink_while_open),
    CASE(umask_and_chmod), CASE(times), CASE(statfs_tmp), CASE_T(many_files, 60),
    CASE(scripts), CASE(mounts), CASE(clone_fs), CASE(proc_fd),
};

int main(int argc, char **argv) {
    /* The interpreter of the scripts case: argv = c_files --child-script SCRIPT arg1. */
    if (argc >= 2 && strcmp(argv[1], "--child-script") == 0) {
        int ok = argc == 4 && strcmp(argv[2], "/tmp/c_files-script/s") == 0 && strcmp(argv[3], "arg1") == 0;
        return ok ? 42 : 1;
    }
    return CTEST_MAIN(argc, argv, cases);
}
