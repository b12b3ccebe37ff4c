#!/usr/bin/env bash
# mkiso.sh OUT.iso KERNEL.elf SYMBOLS.sym TIMEOUT "CMDLINE" [MODULE-FILE NAME]...
# Builds a GRUB rescue ISO that boots KERNEL with multiboot2, passing CMDLINE, the symbol table
# as module "symbols" and any further modules. With TIMEOUT > 0 GRUB's menu is on the serial
# console too, so the command line can be edited there ('e') before booting.
set -euo pipefail
out=$1 elf=$2 sym=$3 timeout=$4 cmdline=$5
shift 5
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
strip -o "$dir/boot/kernel.elf" "$elf"
cp "$sym" "$dir/boot/kernel.sym"
modules=""
while [ $# -ge 2 ]; do
    cp "$1" "$dir/boot/$2"
    modules+="    module2 /boot/$2 $2"$'\n'
    shift 2
done
{
    if [ "$timeout" -gt 0 ]; then
        echo "serial --unit=0 --speed=115200"
        echo "terminal_input serial console"
        echo "terminal_output serial console"
    fi
    echo "set timeout=$timeout"
    echo "set default=0"
    echo "menuentry \"kernel $cmdline\" {"
    echo "    multiboot2 /boot/kernel.elf $cmdline"
    echo "    module2 /boot/kernel.sym symbols"
    printf '%s' "$modules"
    echo "    boot"
    echo "}"
} > "$dir/boot/grub/grub.cfg"
grub-mkrescue -o "$out" "$dir" >/dev/null 2>&1 || { echo "mkiso: grub-mkrescue failed" >&2; grub-mkrescue -o "$out" "$dir"; exit 1; }
