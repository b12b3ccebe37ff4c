# A static i386 program built outside the project's Rust tooling: raw int 0x80 on the Linux
# ABI. `as --32 hello32.s -o hello32.o && ld -m elf_i386 -static hello32.o -o hello32`; it
# prints its argument count and exits with status 42 (on Linux and on our kernel alike).
.globl _start
.text
_start:
    mov (%esp), %eax              # argc
    add $'0', %al
    mov %al, digit
    mov $4, %eax                  # write(1, msg, len)
    mov $1, %ebx
    mov $msg, %ecx
    mov $len, %edx
    int $0x80
    mov $1, %eax                  # exit(42)
    mov $42, %ebx
    int $0x80
.data
msg:   .ascii "hello from a hand-assembled ELF, argc="
digit: .ascii "?\n"
len = . - msg
