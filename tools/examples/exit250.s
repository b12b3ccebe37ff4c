# A static i386 program that exits with status 250, past the 7 bits QEMU's exit device can
# carry: `tools/boot-elf.sh` must still report 250. `as --32` + `ld -m elf_i386 -static`.
.globl _start
.text
_start:
    mov $1, %eax                  # exit(250)
    mov $250, %ebx
    int $0x80
