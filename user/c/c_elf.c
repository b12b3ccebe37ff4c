/* c_elf — execve of malformed ELF files built at run time (issue 13, point 7): each case
 * writes an image to /tmp, makes it executable, execs it in a child and compares how the
 * child ended ("exit 42" for a run, "errno E" for a refused exec, "killed SIG" for an exec
 * that failed after the point of no return or a program that faulted at once) with what
 * Linux 6.1 i386 does. The images are one page of a static i386 program whose code is
 * `exit(42)`; each case changes one thing. */
#include "ctest.h"

#include <elf.h>
#include <fcntl.h>

#define BASE 0x08048000u
#define CODE_OFF 0x400u
#define IMG_MAX (3 * 4096)

struct img {
    unsigned char b[IMG_MAX];
    size_t len;
    size_t file_len; /* when larger than len: the file is extended (a hole) to this size */
};

static Elf32_Ehdr *eh(struct img *m) { return (Elf32_Ehdr *)m->b; }
static Elf32_Phdr *ph(struct img *m, int i) { return (Elf32_Phdr *)(m->b + eh(m)->e_phoff) + i; }

static void load(Elf32_Phdr *p, unsigned off, unsigned vaddr, unsigned filesz, unsigned memsz, unsigned flags)
{
    *p = (Elf32_Phdr){ PT_LOAD, off, vaddr, vaddr, filesz, memsz, flags, 4096 };
}

/* The valid image: ELF header, one PT_LOAD of the page at BASE, exit(42) at CODE_OFF. */
static void base(struct img *m)
{
    static const unsigned char code[] = { 0xb8, 1, 0, 0, 0, 0xbb, 42, 0, 0, 0, 0xcd, 0x80 };
    memset(m, 0, sizeof *m);
    m->len = 4096;
    Elf32_Ehdr *e = eh(m);
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS32;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = ET_EXEC;
    e->e_machine = EM_386;
    e->e_version = EV_CURRENT;
    e->e_entry = BASE + CODE_OFF;
    e->e_phoff = sizeof *e;
    e->e_ehsize = sizeof *e;
    e->e_phentsize = sizeof(Elf32_Phdr);
    e->e_phnum = 1;
    load(ph(m, 0), 0, BASE, 4096, 4096, PF_R | PF_X);
    memcpy(m->b + CODE_OFF, code, sizeof code);
}

/* A PT_INTERP naming `path` (len bytes of it, NUL included if it fits) at offset 0x300. */
static void interp(struct img *m, const char *path, unsigned len)
{
    eh(m)->e_phnum = 2;
    memcpy(m->b + 0x300, path, strlen(path) + 1);
    *ph(m, 1) = (Elf32_Phdr){ PT_INTERP, 0x300, BASE + 0x300, BASE + 0x300, len, len, PF_R, 1 };
}

/* How running `m` ends. */
static const char *outcome(const struct img *m, char *buf, size_t n)
{
    const char *path = "/tmp/c_elf_image";
    int fd = OK(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755));
    CHECK_EQ(write(fd, m->b, m->len), (long)m->len);
    if (m->file_len > m->len)
        OK(ftruncate(fd, m->file_len));
    OK(close(fd));
    pid_t pid = ctest_fork();
    if (pid == 0) {
        char *argv[] = { (char *)path, NULL }, *envp[] = { NULL };
        execve(path, argv, envp);
        _exit(errno < 150 ? 100 + errno : 99);
    }
    int st = ctest_wait(pid);
    OK(unlink(path));
    if (WIFEXITED(st) && WEXITSTATUS(st) >= 100)
        snprintf(buf, n, "errno %s", ctest_errname(WEXITSTATUS(st) - 100));
    else if (WIFEXITED(st))
        snprintf(buf, n, "exit %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, n, "killed %s", ctest_signame(WTERMSIG(st)));
    else
        snprintf(buf, n, "status %#x", st);
    return buf;
}

/* Mismatches of the current case, reported together at its end. */
static char bad[900];
static const char *what;

static void expect(struct img *m, const char *want)
{
    char b[64];
    const char *got = outcome(m, b, sizeof b);
    if (strcmp(got, want) != 0 && strlen(bad) < sizeof bad - 100)
        snprintf(bad + strlen(bad), sizeof bad - strlen(bad), "%s%s: %s, want %s", bad[0] ? "; " : "", what, got, want);
}
#define EXPECT(m, want) expect(m, want)
#define DONE() CHECKF(bad[0] == 0, "%s", bad)

static void header_checks(void)
{
    struct img m;
    what = "valid", base(&m), EXPECT(&m, "exit 42");
    what = "EM_486", base(&m), eh(&m)->e_machine = 6, EXPECT(&m, "exit 42");
    what = "bad magic", base(&m), eh(&m)->e_ident[1] = 'X', EXPECT(&m, "errno ENOEXEC");
    what = "ET_REL", base(&m), eh(&m)->e_type = ET_REL, EXPECT(&m, "errno ENOEXEC");
    what = "ET_CORE", base(&m), eh(&m)->e_type = ET_CORE, EXPECT(&m, "errno ENOEXEC");
    what = "ET_NONE", base(&m), eh(&m)->e_type = ET_NONE, EXPECT(&m, "errno ENOEXEC");
    what = "EM_X86_64", base(&m), eh(&m)->e_machine = EM_X86_64, EXPECT(&m, "errno ENOEXEC");
    what = "EM_NONE", base(&m), eh(&m)->e_machine = EM_NONE, EXPECT(&m, "errno ENOEXEC");
    what = "ELFCLASS64", base(&m), eh(&m)->e_ident[EI_CLASS] = ELFCLASS64, EXPECT(&m, "exit 42");
    what = "ELFCLASSNONE", base(&m), eh(&m)->e_ident[EI_CLASS] = ELFCLASSNONE, EXPECT(&m, "exit 42");
    what = "ELFDATA2MSB", base(&m), eh(&m)->e_ident[EI_DATA] = ELFDATA2MSB, EXPECT(&m, "exit 42");
    what = "EV_NONE", base(&m), eh(&m)->e_ident[EI_VERSION] = 0, eh(&m)->e_version = 0, EXPECT(&m, "exit 42");
    what = "truncated header", base(&m), m.len = 40, EXPECT(&m, "errno ENOEXEC");
    DONE();
}

static void program_header_checks(void)
{
    struct img m;
    what = "e_phentsize 56", base(&m), eh(&m)->e_phentsize = 56, EXPECT(&m, "errno ENOEXEC");
    what = "e_phentsize 0", base(&m), eh(&m)->e_phentsize = 0, EXPECT(&m, "errno ENOEXEC");
    what = "e_phnum 0", base(&m), eh(&m)->e_phnum = 0, EXPECT(&m, "errno ENOEXEC");
    /* 128 headers (4096 bytes) are the most Linux reads; the table in the second page. */
    base(&m), m.len = 3 * 4096, eh(&m)->e_phoff = 4096, eh(&m)->e_phnum = 128;
    load(ph(&m, 0), 0, BASE, 4096, 4096, PF_R | PF_X);
    what = "e_phnum 128", EXPECT(&m, "exit 42");
    what = "e_phnum 129", eh(&m)->e_phnum = 129, EXPECT(&m, "errno ENOEXEC");
    what = "table past EOF", base(&m), eh(&m)->e_phoff = 8192, EXPECT(&m, "errno ENOEXEC");
    what = "table across EOF", base(&m), eh(&m)->e_phoff = 4080, EXPECT(&m, "errno ENOEXEC");
    what = "no PT_LOAD", base(&m), ph(&m, 0)->p_type = PT_NOTE, EXPECT(&m, "killed SIGSEGV");
    DONE();
}

static void segment_checks(void)
{
    struct img m;
    what = "p_filesz > p_memsz", base(&m), ph(&m, 0)->p_memsz = 100, EXPECT(&m, "killed SIGSEGV");
    what = "p_offset/p_vaddr incongruent", base(&m), ph(&m, 0)->p_offset = 0x10, EXPECT(&m, "killed SIGSEGV");
    what = "segment past EOF", base(&m), ph(&m, 0)->p_filesz = ph(&m, 0)->p_memsz = 3 * 4096, EXPECT(&m, "exit 42");
    what = "segment in the kernel", base(&m);
    load(ph(&m, 0), 0, 0xc0000000, 4096, 4096, PF_R | PF_X), eh(&m)->e_entry = 0xc0000000 + CODE_OFF;
    EXPECT(&m, "killed SIGSEGV");
    what = "segment across 3 GiB", base(&m);
    load(ph(&m, 0), 0, 0xbffff000, 4096, 0x2000, PF_R | PF_X), eh(&m)->e_entry = 0xbffff000 + CODE_OFF;
    EXPECT(&m, "killed SIGSEGV");
    what = "entry unmapped", base(&m), eh(&m)->e_entry = 0x09000000, EXPECT(&m, "killed SIGSEGV");
    what = "entry in the kernel", base(&m), eh(&m)->e_entry = 0xc0001000, EXPECT(&m, "killed SIGSEGV");
    what = "entry in the bss", base(&m), ph(&m, 0)->p_memsz = 0x3000, eh(&m)->e_entry = BASE + 0x2000;
    EXPECT(&m, "killed SIGSEGV");
    DONE();
}

static void overlap_checks(void)
{
    struct img m;
    /* The first segment is mapped with MAP_FIXED_NOREPLACE once the stack exists: 9 MiB up
     * to 3 GiB cover Linux's stack wherever its randomisation (up to 8 MiB) puts it. EEXIST,
     * past the point of no return. */
    what = "segment over the stack", base(&m), m.file_len = 0x900000;
    load(ph(&m, 0), 0, 0xbf700000, 0x900000, 0x900000, PF_R | PF_X), eh(&m)->e_entry = 0xbf700000 + CODE_OFF;
    EXPECT(&m, "killed SIGSEGV");
    /* Segments out of address order. */
    what = "unsorted segments", base(&m), eh(&m)->e_phnum = 2;
    load(ph(&m, 1), 0, BASE - 0x10000, 4096, 4096, PF_R), EXPECT(&m, "exit 42");
    DONE();
}

static void interpreter_checks(void)
{
    struct img m;
    what = "PT_INTERP missing file", base(&m), interp(&m, "/nonexistent/ld.so", 19), EXPECT(&m, "errno ENOENT");
    what = "PT_INTERP 1 byte", base(&m), interp(&m, "", 1), EXPECT(&m, "errno ENOEXEC");
    what = "PT_INTERP no NUL", base(&m), interp(&m, "/nonexistent/ld.so", 18), EXPECT(&m, "errno ENOEXEC");
    what = "PT_INTERP past EOF", base(&m), interp(&m, "/x", 3), ph(&m, 1)->p_offset = 8000, EXPECT(&m, "errno EIO");
    what = "PT_INTERP directory", base(&m), interp(&m, "/tmp", 5), EXPECT(&m, "errno EACCES");
    int fd = OK(open("/tmp/c_elf_text", O_WRONLY | O_CREAT | O_TRUNC, 0755));
    CHECK_EQ(write(fd, "#!/bin/sh\n", 10), 10);
    OK(close(fd));
    what = "PT_INTERP short file", base(&m), interp(&m, "/tmp/c_elf_text", 16), EXPECT(&m, "errno EIO");
    static char junk[100];
    memset(junk, 'x', sizeof junk);
    fd = OK(open("/tmp/c_elf_text", O_WRONLY | O_TRUNC));
    CHECK_EQ(write(fd, junk, sizeof junk), (long)sizeof junk);
    OK(close(fd));
    what = "PT_INTERP not ELF", base(&m), interp(&m, "/tmp/c_elf_text", 16), EXPECT(&m, "errno ELIBBAD");
    OK(unlink("/tmp/c_elf_text"));
    DONE();
}

static const struct ctest cases[] = {
    CASE(header_checks),
    CASE(program_header_checks),
    CASE(segment_checks),
    CASE(overlap_checks),
    CASE(interpreter_checks),
};

int main(int argc, char **argv) { return CTEST_MAIN(argc, argv, cases); }
