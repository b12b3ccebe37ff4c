#!/usr/bin/env bash
# mkinitrd.sh OUT.cpio [--as PATH] FILE... — a cpio "newc" archive (the initramfs format
# Linux uses) holding each FILE as /bin/NAME, or at PATH when preceded by `--as PATH`.
set -euo pipefail
out=$1; shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin"
while [ $# -gt 0 ]; do
    if [ "$1" = "--as" ]; then
        dest="$dir/${2#/}"; src=$3; shift 3
    else
        dest="$dir/bin/$(basename "$1")"; src=$1; shift
    fi
    mkdir -p "$(dirname "$dest")"
    cp "$src" "$dest"
    chmod 755 "$dest"
done
(cd "$dir" && find . -mindepth 1 | sort | cpio -o -H newc --quiet) > "$out"
