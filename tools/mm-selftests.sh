#!/usr/bin/env bash
# mm-selftests.sh OUTDIR — builds Linux 6.1's memory-management selftests that apply to a
# non-PAE i386 kernel without hugetlb and userfaultfd, as static i386 programs (gcc -m32
# -static), plus the runner mm_sel (tools/mm/mm_sel.c) and c_run (user/c/c_run.c), into OUTDIR.
# The sources come from Debian's linux-source-6.1 (tools/linux-selftests.sh, fetched once and
# cached); mlock-random-test links Debian's libcap-dev for i386 (fetched once into the same
# cache with the same private apt state). The list is mm_sel's default list.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: mm-selftests.sh OUTDIR}
src=$("$here/linux-selftests.sh")
mkdir -p "$out"
# libcap (headers and static library) for i386.
cap=$src/libcap
if [ ! -f "$cap/usr/lib/i386-linux-gnu/libcap.a" ]; then
    # shellcheck source=tools/debian-apt.sh
    . "$here/debian-apt.sh"
    debian_apt_init "$src/apt"
    rm -f "$src/apt/download/"*.deb
    (cd "$src/apt/download" && apt-get "${apt_opts[@]}" -q download libcap-dev >&2)
    mkdir -p "$cap"
    dpkg-deb -x "$(ls "$src/apt/download/"libcap-dev*.deb | head -n 1)" "$cap"
    rm -f "$src/apt/download/"*.deb
fi
CC=${CC:-gcc}
flags=(-m32 -static -O2 -w -I"$src/vm" -I"$src")
for t in mremap_test mremap_dontunmap map_fixed_noreplace map_populate mlock2-tests on-fault-limit madv_populate; do
    extra=()
    [ "$t" = madv_populate ] && extra=("$src/vm/vm_util.c")
    "$CC" "${flags[@]}" -o "$out/$t" "$src/vm/$t.c" "${extra[@]}" -lrt -lpthread
done
"$CC" "${flags[@]}" -I"$cap/usr/include" -o "$out/mlock-random-test" "$src/vm/mlock-random-test.c" \
    "$cap/usr/lib/i386-linux-gnu/libcap.a"
"$CC" -m32 -static -O2 -Wall -Werror -o "$out/mm_sel" "$here/mm/mm_sel.c"
"$CC" -m32 -static -O2 -Wall -Werror -std=gnu11 -o "$out/c_run" "$here/../user/c/c_run.c"
strip "$out"/*
echo "mm-selftests: built into $out: $(cd "$out" && echo *)" >&2
