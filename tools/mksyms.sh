#!/usr/bin/env bash
# mksyms.sh KERNEL.elf OUT.sym — the kernel's function symbols, sorted, demangled, without
# Rust's hash suffixes: the table the kernel reads from its "symbols" boot module.
set -euo pipefail
nm -n -C --defined-only "$1" | awk '$2 ~ /^[tTwW]$/' | sed -E 's/::h[0-9a-f]{16}$//' > "$2"
