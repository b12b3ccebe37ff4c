# Multiboot2 header and 32-bit entry point.
#
# GRUB enters `_start` (at its physical address) in protected mode with paging off, EAX = 0x36d76289 and EBX = the
# physical address of the boot information. We zero .bss, build a boot page directory that maps
# the first 16 MiB both at 0 (identity, so the next instruction after enabling paging still
# exists) and at 0xC0000000, with 4 MiB pages, plus the recursive slot 1023; enable paging with
# CR0.WP set, jump to the higher half, switch to the boot stack and call
# `kmain(magic, mbi_phys)`. Rust then builds the real kernel page directory and drops this one.

.set KERNEL_BASE,   0xC0000000
.set MB2_MAGIC,     0xE85250D6
.set MB2_ARCH_I386, 0
.set BOOT_MAP_PDES, 4                 # 4 x 4 MiB = 16 MiB mapped at boot
.set PDE_4M_RW,     0x83              # present | writable | 4 MiB page
.set PDE_TABLE_RW,  0x03              # present | writable
.set CR0_PG,        0x80000000
.set CR0_WP,        0x00010000
.set CR4_PSE,       0x00000010

.section .multiboot2, "a"
.balign 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    # Information request: command line (1), bootloader name (2), modules (3), memory map (6).
    .balign 8
mb2_info_req:
    .short 1, 0
    .long mb2_info_req_end - mb2_info_req
    .long 1, 2, 3, 6
mb2_info_req_end:
    # Modules page-aligned (tag 6), so they can be mapped frame by frame.
    .balign 8
    .short 6, 0
    .long 8
    # End tag.
    .balign 8
    .short 0, 0
    .long 8
mb2_header_end:

.section .text.boot, "ax"
.code32
.global _start
_start:
    cld
    # Paging is off: every symbol must be used through its physical address.
    mov %eax, %esi                           # keep magic and info pointer
    mov %ebx, %edx

    # Zero .bss (GRUB does, but the boot page directory must not depend on it).
    mov $(__bss_start - KERNEL_BASE), %edi
    mov $(__bss_end - KERNEL_BASE), %ecx
    sub %edi, %ecx
    shr $2, %ecx
    xor %eax, %eax
    rep stosl

    # Boot page directory: identity and higher-half 4 MiB mappings of 0..16 MiB.
    mov $(boot_page_directory - KERNEL_BASE), %edi
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $22, %eax
    or $PDE_4M_RW, %eax
    mov %eax, (%edi,%ecx,4)                  # identity
    mov %eax, 768*4(%edi,%ecx,4)             # 0xC0000000 + ...
    inc %ecx
    cmp $BOOT_MAP_PDES, %ecx
    jne 1b
    # Recursive slot: PD[1023] = the PD itself.
    mov %edi, %eax
    or $PDE_TABLE_RW, %eax
    mov %eax, 1023*4(%edi)

    mov %cr4, %eax
    or $CR4_PSE, %eax
    mov %eax, %cr4
    mov %edi, %cr3
    mov %cr0, %eax
    or $(CR0_PG | CR0_WP), %eax
    mov %eax, %cr0

    lea higher_half, %eax
    jmp *%eax

.section .text
higher_half:
    mov $boot_stack_top, %esp
    xor %ebp, %ebp                           # ends the frame-pointer chain
    push %edx                                # mbi_phys
    push %esi                                # magic
    call kmain
2:  cli
    hlt
    jmp 2b

.section .bss.boot, "aw", @nobits
.balign 4096
.global boot_page_directory
boot_page_directory:
    .skip 4096
.global boot_stack_bottom
boot_stack_bottom:
    .skip 65536
.global boot_stack_top
boot_stack_top:
