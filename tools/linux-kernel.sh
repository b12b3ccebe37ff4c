#!/usr/bin/env bash
# linux-kernel.sh — prints the path of a Debian 32-bit Linux kernel (vmlinuz of
# linux-image-*-686, i386), downloading it once into a cache that survives `make clean`:
#
#   ${LINUX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmkernel-linux-i386}/
#     vmlinuz            symlink to the extracted kernel (present = no network needed)
#     vmlinuz-VERSION    config-VERSION    package (name and version of the .deb)
#     apt/               apt's private state, cache, sources and empty status file
#
# The machine's own apt configuration is left alone: apt runs with its state, cache, source
# list, preferences and status file redirected into the cache and with i386 as its only
# architecture (no `dpkg --add-architecture`, nothing under /etc/apt or /var/lib/apt changes).
# The source list is the machine's Debian archive (its first URI ending in /debian, else
# deb.debian.org) with this machine's release codename. LINUX_REFRESH=1 downloads again.
# All messages go to stderr; stdout is the path only.
set -euo pipefail
cache=${LINUX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmkernel-linux-i386}
flavour=${LINUX_FLAVOUR:-686}

if [ -e "$cache/vmlinuz" ] && [ "${LINUX_REFRESH:-0}" != 1 ]; then
    echo "$cache/vmlinuz"
    exit 0
fi
for tool in apt-get apt-cache dpkg-deb; do
    command -v "$tool" >/dev/null || { echo "linux-kernel: $tool not found (a Debian host is needed)" >&2; exit 1; }
done

apt=$cache/apt
mkdir -p "$apt/state/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d" \
    "$apt/preferences.d" "$apt/download"
: > "$apt/state/status"

# The archive: the machine's Debian mirror, if it names one.
uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
      | grep -v '^\s*#' | grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | head -n 1 | tr -d ' ' || true)
uri=${uri:-http://deb.debian.org/debian}
codename=$( . /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-bookworm}")
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
{
    echo "Types: deb"
    echo "URIs: $uri"
    echo "Suites: $codename"
    echo "Components: main"
    [ -f "$keyring" ] && echo "Signed-By: $keyring"
} > "$apt/sources.list.d/debian-i386.sources"

opts=(
    -o "Dir::State=$apt/state"
    -o "Dir::State::status=$apt/state/status"
    -o "Dir::Cache=$apt/cache"
    -o "Dir::Etc::sourcelist=/dev/null"
    -o "Dir::Etc::sourceparts=$apt/sources.list.d"
    -o "Dir::Etc::preferencesparts=$apt/preferences.d"
    -o "APT::Architecture=i386"
    -o "APT::Architectures::=i386"
    -o "APT::Update::Post-Invoke-Success::="
    -o "Acquire::Languages=none"
    -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
    -o "APT::Sandbox::User=root"
)
echo "linux-kernel: apt-get update (i386, $uri $codename, private state in $apt)" >&2
# An index that fails (e.g. a mirror mid-sync) is reported but not fatal: the package
# lookup below decides.
apt-get "${opts[@]}" -q update >&2 || echo "linux-kernel: apt-get update reported errors; trying anyway" >&2

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
