#!/usr/bin/env bash
# linux-kernel.sh — prints the path of a Debian 32-bit Linux kernel (vmlinuz of
# linux-image-*-686, i386), downloading it once into a cache that survives `make clean`:
#
#   ${LINUX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmkernel-linux-i386}/
#     vmlinuz            symlink to the extracted kernel (present = no network needed)
#     vmlinuz-VERSION    config-VERSION    package (name and version of the .deb)
#     apt/               apt's private state, cache, sources and empty status file
#
# The machine's own apt configuration is left alone (tools/debian-apt.sh: a private apt state,
# i386 only). LINUX_REFRESH=1 downloads again.
# All messages go to stderr; stdout is the path only.
set -euo pipefail
cache=${LINUX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmkernel-linux-i386}
flavour=${LINUX_FLAVOUR:-686}

if [ -e "$cache/vmlinuz" ] && [ "${LINUX_REFRESH:-0}" != 1 ]; then
    echo "$cache/vmlinuz"
    exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/debian-apt.sh
. "$here/debian-apt.sh"
apt=$cache/apt
debian_apt_init "$apt"
opts=("${apt_opts[@]}")
debian_apt_update linux-kernel

# linux-image-686 is a metapackage: its dependency names the versioned image package.
pkg=$(apt-cache "${opts[@]}" depends "linux-image-$flavour" 2>/dev/null \
      | sed -nE "s/^ *Depends: (linux-image-[0-9][^ ]*-$flavour)\$/\1/p" | head -n 1)
[ -n "$pkg" ] || { echo "linux-kernel: cannot resolve linux-image-$flavour for i386" >&2; exit 1; }
echo "linux-kernel: apt-get download $pkg" >&2
rm -f "$apt/download/"*.deb
(cd "$apt/download" && apt-get "${opts[@]}" -q download "$pkg" >&2)
deb=$(ls "$apt/download/"*.deb | head -n 1)

# Extract /boot/vmlinuz-* and /boot/config-* only.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' './boot/config-*'
vmlinuz=$(ls "$tmp"/boot/vmlinuz-* | head -n 1)
version=${vmlinuz##*/vmlinuz-}
cp "$vmlinuz" "$cache/vmlinuz-$version"
cp "$tmp/boot/config-$version" "$cache/config-$version" 2>/dev/null || true
dpkg-deb -f "$deb" Package Version > "$cache/package"
ln -sfn "vmlinuz-$version" "$cache/vmlinuz"
rm -f "$deb"   # the kernel is extracted; the .deb (~50 MB) is not needed again
echo "linux-kernel: cached $cache/vmlinuz-$version ($(tr '\n' ' ' < "$cache/package"))" >&2
echo "$cache/vmlinuz"
