#!/usr/bin/env bash
# symbolize.sh KERNEL.elf [ADDR...] — with no addresses, reads text (a pasted panic report) on
# stdin and symbolizes every 0xc....... address in it with addr2line.
set -euo pipefail
elf=$1; shift
if [ $# -gt 0 ]; then
    addrs=("$@")
else
    mapfile -t addrs < <(grep -oE '0x[cC][0-9a-fA-F]{7}' | sort -u)
fi
for a in "${addrs[@]}"; do
    printf '%s  ' "$a"
    addr2line -f -C -i -p -e "$elf" "$a"
done
