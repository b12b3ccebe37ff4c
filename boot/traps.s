# Interrupt and exception entry stubs.
#
# Every vector pushes the same frame: an error code (0 when the CPU pushes none), the vector
# number, the general registers (pusha) and the data segment registers, then calls
# `trap_dispatch(&mut TrapFrame)` with kernel data segments loaded. `src/arch/trap.rs` defines
# the matching `TrapFrame` layout. Vector 8 (double fault) also has a stub, but its IDT entry is
# a task gate to the double-fault TSS, so the stub is only reached if that gate is missing.

.set KERNEL_DS, 0x10

.macro STUB_NOERR vec
trap_stub_\vec:
    push $0
    push $\vec
    jmp trap_common
.endm

.macro STUB_ERR vec
trap_stub_\vec:
    push $\vec
    jmp trap_common
.endm

.section .text
.balign 16
.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
    STUB_NOERR \v
.endr
.irp v, 8,10,11,12,13,14,17,21,29,30
    STUB_ERR \v
.endr
.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,128
    STUB_NOERR \v
.endr

.global trap_common
trap_common:
    pusha
    # Close user-memory access (EFLAGS.AC, SMAP) for the handler; iret restores the
    # interrupted code's flags. pushf/popf works on every CPU, stac/clac only with SMAP.
    pushfl
    andl $~0x40000, (%esp)
    popfl
    push %ds
    push %es
    push %fs
    push %gs
    mov $KERNEL_DS, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    cld
    push %esp                     # &mut TrapFrame
    call trap_dispatch
    add $4, %esp
.global trap_return
trap_return:
    pop %gs
    pop %fs
    pop %es
    pop %ds
    popa
    add $8, %esp                  # vector and error code
    iret

.section .rodata
.balign 4
# Entry addresses of the stubs for vectors 0..47; vector 128 (int 0x80) follows.
.global trap_stub_table
trap_stub_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .long trap_stub_\v
.endr
.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
    .long trap_stub_\v
.endr
.global trap_stub_syscall
trap_stub_syscall:
    .long trap_stub_128
