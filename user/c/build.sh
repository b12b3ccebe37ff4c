#!/usr/bin/env bash
# build.sh OUTDIR — builds the glibc C tests (user/c/*.c, each with ctest.c) as static i386
# programs: gcc -m32 -static -O2 -Wall -Werror, -pthread for all (harmless where unused).
# OUTDIR gets the stripped programs (for initrds) and debug/NAME with symbols.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUTDIR}
mkdir -p "$out/debug"
CC=${CC:-gcc}
CFLAGS=(-m32 -static -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror -pthread -std=gnu11)
progs=()
for src in "$here"/*.c; do
    name=$(basename "$src" .c)
    [ "$name" = ctest ] && continue
    progs+=("$name")
done
for name in "${progs[@]}"; do
    extra=()
    [ "$name" != c_run ] && [ "$name" != vmview ] && extra=("$here/ctest.c")
    "$CC" "${CFLAGS[@]}" -I"$here" -o "$out/debug/$name" "$here/$name.c" "${extra[@]}" -lm
    strip -o "$out/$name" "$out/debug/$name"
done
echo "build.sh: ${progs[*]} -> $out"
