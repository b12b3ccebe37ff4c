#!/usr/bin/env bash
# bench.sh [--linux] KERNEL.elf KERNEL.sym BENCH OUTDIR — the address-space benchmarks.
#
# Boots our kernel (GRUB ISO) with the static i386 program BENCH (user/.../bench.rs) as init
# under qemu-system-i386 -icount shift=0, where the guest TSC counts guest instructions, then
# once more under plain TCG (host-time noise), and prints the table (tools/bench-report.sh).
#
# --linux: instead of the plain-TCG run, boots Debian's 32-bit Linux kernel
# (tools/linux-kernel.sh: downloaded once, then cached) with the very same BENCH as /init of
# an initramfs, with the same QEMU flags, plus the firmware-handover stub (Linux's kernel
# entry for W5), and prints both kernels side by side with the ratio ours/Linux.
#
# Knobs: BENCH_MEM (-m, default 512M, the size issue 14's targets are measured at; the same for both kernels), BENCH_BOOT_MEMS (the RAM
# sizes of the extra boot-only runs of our kernel, default "128M 512M 3G"), BENCH_TIMEOUT (s per boot,
# default 600), BENCH_LINUX_APPEND (extra Linux command-line words), QEMU_FLAGS (extra flags
# for every boot), BENCH_ECHO=1 (show the consoles). Logs: OUTDIR/*.log.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
linux=0
if [ "${1:-}" = --linux ]; then linux=1; shift; fi
elf=${1:?usage: bench.sh [--linux] KERNEL.elf KERNEL.sym BENCH OUTDIR} sym=$2 bench=$3 out=$4
mem=${BENCH_MEM:-512M}
limit=${BENCH_TIMEOUT:-600}
marker="bench: first-line"
mkdir -p "$out"
# The flags both kernels get. isa-debug-exit lets our kernel end QEMU with a status; Linux
# ignores the port and powers off through ACPI.
common=(-display none -serial stdio -monitor none -no-reboot -m "$mem"
        -device isa-debug-exit,iobase=0xf4,iosize=0x04)
# shellcheck disable=SC2206
extra=(${QEMU_FLAGS:-})
icount=(-icount shift=0)

fail=0
check_run() { # LOG STATUS WANT-STATUS NAME
    if [ "$2" -ne "$3" ] || ! grep -q '^bench: done' "$1"; then
        echo "bench: the $4 run failed (QEMU status $2, want $3); its console:" >&2
        sed 's/^/  | /' "$1" | tail -n 40 >&2
        fail=1
    fi
}

# --- our kernel ----------------------------------------------------------------------------
"$here/mkinitrd.sh" "$out/bench-initrd.cpio" --as /init "$bench"
"$here/mkiso.sh" "$out/bench.iso" "$elf" "$sym" 0 "log=warn ${BENCH_CMDLINE:-} init=/init" "$out/bench-initrd.cpio" initrd
ours_boot() { # LOG QEMU-FLAGS...
    local log=$1; shift
    "$here/bench-boot.sh" "$log" "$marker" "$limit" qemu-system-i386 -cdrom "$out/bench.iso" -boot d \
        "${common[@]}" "$@" "${extra[@]}"
}
echo "=== our kernel: -icount shift=0 -m $mem (guest instructions)"
ours_boot "$out/ours-icount.log" "${icount[@]}"
check_run "$out/ours-icount.log" $? 1 "our kernel (icount)"   # power off with code 0 -> status 1

# W5 at several RAM sizes (boot must not grow with RAM): the same ISO with init told to run no
# workload (`--only=W5` names none), so each boot only prints its first line and powers off.
"$here/mkiso.sh" "$out/boot.iso" "$elf" "$sym" 0 "log=warn ${BENCH_CMDLINE:-} init=/init -- --only=W5" "$out/bench-initrd.cpio" initrd
boot_logs=()
for m in ${BENCH_BOOT_MEMS-128M 512M 3G}; do
    echo "=== our kernel: boot only, -icount shift=0 -m $m"
    "$here/bench-boot.sh" "$out/boot-$m.log" "$marker" "$limit" qemu-system-i386 -cdrom "$out/boot.iso" -boot d \
        "${common[@]}" -m "$m" "${icount[@]}" "${extra[@]}"
    check_run "$out/boot-$m.log" $? 1 "our kernel (boot at -m $m)"
    echo "host: mem=$m" >> "$out/boot-$m.log"
    boot_logs+=("boot=$out/boot-$m.log")
done

if [ $linux = 0 ]; then
    echo "=== our kernel: plain TCG -m $mem (host time, noise)"
    ours_boot "$out/ours-tcg.log"
    check_run "$out/ours-tcg.log" $? 1 "our kernel (plain TCG)"
    echo
    "$here/bench-report.sh" ours="$out/ours-icount.log" noise="$out/ours-tcg.log" "${boot_logs[@]}" | tee "$out/report.txt"
    exit $fail
fi

# --- Linux ---------------------------------------------------------------------------------
vmlinuz=$("$here/linux-kernel.sh") || { echo "bench: no Linux kernel" >&2; exit 1; }
"$here/linux-initramfs.sh" "$out/bench-initramfs.cpio" --as /init "$bench"
append="console=ttyS0 quiet panic=-1 ${BENCH_LINUX_APPEND:-}"
linux_boot() { # LOG KERNEL QEMU-FLAGS...
    local log=$1 kernel=$2; shift 2
    "$here/bench-boot.sh" "$log" "$marker" "$limit" qemu-system-i386 -kernel "$kernel" \
        -initrd "$out/bench-initramfs.cpio" -append "$append" "${common[@]}" "$@" "${extra[@]}"
}

# The firmware-handover stub: a multiboot kernel booted exactly like Linux (-kernel, same
# initramfs and flags) whose first instruction prints the TSC: the instructions the firmware
# spends before any -kernel kernel gets control, i.e. Linux's kernel-entry TSC (+- the small
# difference between QEMU's multiboot and Linux option ROMs).
cat > "$out/fwstub.s" <<'EOF'
.set MB_MAGIC, 0x1BADB002
.set MB_FLAGS, 0
.section .text
.globl _start
.align 4
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
_start:
    rdtsc                       # first instruction: EDX:EAX = the TSC at kernel entry
    mov %eax, %esi
    mov %edx, %edi
    mov $msg, %ebx
1:  movb (%ebx), %al
    test %al, %al
    jz 2f
    call putc
    inc %ebx
    jmp 1b
2:  mov %edi, %ebp
    call hex32
    mov %esi, %ebp
    call hex32
    mov $'\n', %al
    call putc
    mov $0, %al
    outb %al, $0xf4             # isa-debug-exit: QEMU ends with status 1
3:  hlt
    jmp 3b
hex32:                          # EBP as 8 hex digits
    mov $8, %ecx
4:  rol $4, %ebp
    mov %ebp, %eax
    and $15, %eax
    movb digits(%eax), %al
    call putc
    loop 4b
    ret
putc:
    mov $0x3f8, %dx
    outb %al, %dx
    ret
.section .rodata
msg:    .asciz "fw-tsc: 0x"
digits: .ascii "0123456789abcdef"
EOF
as --32 "$out/fwstub.s" -o "$out/fwstub.o" && ld -m elf_i386 -n -Ttext=0x100000 "$out/fwstub.o" -o "$out/fwstub" \
    || { echo "bench: cannot assemble the firmware stub" >&2; exit 1; }
echo "=== firmware handover stub (Linux's kernel entry): -icount shift=0 -m $mem"
linux_boot "$out/fw.log" "$out/fwstub" "${icount[@]}"
grep -q '^fw-tsc: ' "$out/fw.log" || { echo "bench: the firmware stub printed nothing" >&2; fail=1; }

echo "=== Linux $(readlink "$vmlinuz" | sed 's/^vmlinuz-//'): -icount shift=0 -m $mem (guest instructions)"
linux_boot "$out/linux-icount.log" "$vmlinuz" "${icount[@]}"
check_run "$out/linux-icount.log" $? 0 "Linux (icount)"          # ACPI power off -> status 0
echo
"$here/bench-report.sh" ours="$out/ours-icount.log" linux="$out/linux-icount.log" fw="$out/fw.log" "${boot_logs[@]}" | tee "$out/report-linux.txt"
exit $fail
