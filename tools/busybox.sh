#!/usr/bin/env bash
# busybox.sh — prints the directory holding Debian's busybox-static for i386, downloading it
# once into a cache that survives `make clean` (the same private apt state as
# tools/linux-kernel.sh: tools/debian-apt.sh; the machine's apt configuration is untouched):
#
#   ${BUSYBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmkernel-busybox-i386}/
#     busybox      the unmodified /bin/busybox of the package (present = no network needed)
#     applets      `busybox --list-full`: one applet path a line (bin/ls, sbin/ifconfig, ...)
#     package      name and version of the .deb
#     apt/         apt's private state
#
# The binary is checked to be a 32-bit i386 ELF executable without a program interpreter
# (static), the only kind our kernel and the initramfs of `make test-linux` can run. The applet
# list comes from running the binary: on an x86_64 Linux host a static i386 program runs
# natively (CONFIG_IA32_EMULATION); else under qemu-i386 if installed. BUSYBOX_REFRESH=1
# downloads again. All messages go to stderr; stdout is the cache directory only.
set -euo pipefail
cache=${BUSYBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmkernel-busybox-i386}
pkg=busybox-static

if [ -e "$cache/busybox" ] && [ -s "$cache/applets" ] && [ "${BUSYBOX_REFRESH:-0}" != 1 ]; then
    echo "$cache"
    exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/debian-apt.sh
. "$here/debian-apt.sh"
apt=$cache/apt
debian_apt_init "$apt"
# The index is fetched once; an existing one is reused unless BUSYBOX_REFRESH=1.
if [ -z "$(ls "$apt/state/lists/" 2>/dev/null | grep -v -e partial -e lock)" ] || [ "${BUSYBOX_REFRESH:-0}" = 1 ]; then
    debian_apt_update busybox
fi
echo "busybox: apt-get download $pkg (i386)" >&2
rm -f "$apt/download/"*.deb
(cd "$apt/download" && apt-get "${apt_opts[@]}" -q download "$pkg" >&2)
deb=$(ls "$apt/download/"*.deb | head -n 1)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
bin=$tmp/bin/busybox
[ -f "$bin" ] || { echo "busybox: $deb has no /bin/busybox" >&2; exit 1; }

# An i386 static executable: ELF32, machine 80386, type EXEC, no PT_INTERP.
header=$(LC_ALL=C readelf -h "$bin")
if ! grep -q 'Class: *ELF32' <<<"$header" || ! grep -q 'Machine: *Intel 80386' <<<"$header" \
    || ! grep -q 'Type: *EXEC' <<<"$header"; then
    { echo "busybox: $bin is not an i386 executable:"; echo "$header"; } >&2
    exit 1
fi
if LC_ALL=C readelf -l "$bin" | grep -q INTERP; then
    echo "busybox: $bin is dynamically linked (has a PT_INTERP); want busybox-static" >&2
    exit 1
fi

# The applet list, as BusyBox itself lays the links out.
if "$bin" --list-full > "$tmp/applets" 2>/dev/null && [ -s "$tmp/applets" ]; then
    :
elif command -v qemu-i386 >/dev/null && qemu-i386 "$bin" --list-full > "$tmp/applets" && [ -s "$tmp/applets" ]; then
    :
else
    echo "busybox: cannot run the i386 binary here for its applet list (no 32-bit support, no qemu-i386)" >&2
    exit 1
fi

mkdir -p "$cache"
cp "$bin" "$cache/busybox.new" && chmod 755 "$cache/busybox.new"
sort "$tmp/applets" > "$cache/applets"
dpkg-deb -f "$deb" Package Version > "$cache/package"
mv "$cache/busybox.new" "$cache/busybox"
rm -f "$deb"
echo "busybox: cached $cache/busybox ($(tr '\n' ' ' < "$cache/package"), $(wc -l < "$cache/applets") applets)" >&2
echo "$cache"
