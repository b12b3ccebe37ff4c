#!/usr/bin/env bash
# linux-selftests.sh — prints the directory holding Linux 6.1's memory-management selftests
# (tools/testing/selftests/vm/ of Debian's linux-source-6.1, plus the headers they include),
# downloading the package once into a cache that survives `make clean` (the private apt state
# of tools/debian-apt.sh; the machine's apt configuration is untouched):
#
#   ${SELFTESTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmkernel-linux-selftests}/
#     vm/          tools/testing/selftests/vm/ (present = no network needed)
#     kselftest.h  tools/testing/selftests/kselftest.h
#     package      name and version of the .deb
#     apt/         apt's private state
#
# SELFTESTS_REFRESH=1 downloads again. Messages go to stderr; stdout is the cache directory.
set -euo pipefail
cache=${SELFTESTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmkernel-linux-selftests}
pkg=linux-source-6.1

if [ -d "$cache/vm" ] && [ -f "$cache/kselftest.h" ] && [ "${SELFTESTS_REFRESH:-0}" != 1 ]; then
    echo "$cache"
    exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/debian-apt.sh
. "$here/debian-apt.sh"
apt=$cache/apt
debian_apt_init "$apt"
if [ -z "$(ls "$apt/state/lists/" 2>/dev/null | grep -v -e partial -e lock)" ] || [ "${SELFTESTS_REFRESH:-0}" = 1 ]; then
    debian_apt_update linux-selftests
fi
echo "linux-selftests: apt-get download $pkg (~140 MB, once)" >&2
rm -f "$apt/download/"*.deb
(cd "$apt/download" && apt-get "${apt_opts[@]}" -q download "$pkg" >&2)
deb=$(ls "$apt/download/"*.deb | head -n 1)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
tarball=$(ls "$tmp"/usr/src/linux-source-*.tar.xz | head -n 1)
top=$(basename "$tarball" .tar.xz)
tar -xJf "$tarball" -C "$tmp" "$top/tools/testing/selftests/vm" "$top/tools/testing/selftests/kselftest.h" \
    "$top/tools/testing/selftests/kselftest_harness.h"
rm -rf "$cache/vm"
mkdir -p "$cache"
cp -r "$tmp/$top/tools/testing/selftests/vm" "$cache/vm"
cp "$tmp/$top/tools/testing/selftests/kselftest.h" "$tmp/$top/tools/testing/selftests/kselftest_harness.h" "$cache/"
dpkg-deb -f "$deb" Package Version > "$cache/package"
rm -f "$deb"
echo "linux-selftests: cached $cache/vm ($(tr '\n' ' ' < "$cache/package"))" >&2
echo "$cache"
