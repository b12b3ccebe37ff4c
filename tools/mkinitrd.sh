#!/usr/bin/env bash
# mkinitrd.sh OUT.cpio [--as PATH] [--busybox DIR] [--tree SRC DEST] FILE... — a cpio "newc"
# archive (the initramfs format Linux uses) holding each FILE as /bin/NAME, or at PATH when
# preceded by `--as PATH`.
#   --busybox DIR   DIR is tools/busybox.sh's cache: DIR/busybox becomes /bin/busybox and every
#                   applet of DIR/applets (`busybox --list-full`: bin/ls, sbin/ifconfig,
#                   usr/bin/awk, ...) a symbolic link to /bin/busybox, as `busybox --install -s`
#                   lays them out (absolute targets; /linuxrc is left out), and the empty
#                   directories /dev, /proc, /root, /tmp (mode 1777). Files named after it replace the
#                   links they collide with.
#   --tree SRC DEST copies the directory SRC's contents under DEST (e.g. `--tree rootfs /`).
# Arguments apply in order: a later one overwrites an earlier one at the same path (the old
# entry is removed first, so a file never lands through a symlink).
set -euo pipefail
out=$1; shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin"
place() { # SRC DEST: one regular file, executable
    rm -rf "$2"
    mkdir -p "$(dirname "$2")"
    cp "$1" "$2"
    chmod 755 "$2"
}
while [ $# -gt 0 ]; do
    case $1 in
    --as)
        place "$3" "$dir/${2#/}"; shift 3 ;;
    --busybox)
        place "$2/busybox" "$dir/bin/busybox"
        mkdir -p "$dir/dev" "$dir/proc" "$dir/root" "$dir/tmp"
        chmod 1777 "$dir/tmp"
        while read -r applet; do
            case $applet in bin/busybox | linuxrc | "") continue ;; esac
            rm -rf "${dir:?}/$applet"
            mkdir -p "$(dirname "$dir/$applet")"
            ln -s /bin/busybox "$dir/$applet"
        done < "$2/applets"
        shift 2 ;;
    --tree)
        mkdir -p "$dir/${3#/}"
        # Copy file by file so that nothing lands through an existing symlink.
        (cd "$2" && find . -mindepth 1 -type d) | while read -r d; do mkdir -p "$dir/${3#/}/$d"; done
        (cd "$2" && find . -mindepth 1 ! -type d) | while read -r f; do
            rm -rf "$dir/${3#/}/$f"; cp -P "$2/$f" "$dir/${3#/}/$f"
        done
        shift 3 ;;
    *)
        place "$1" "$dir/bin/$(basename "$1")"; shift ;;
    esac
done
(cd "$dir" && find . -mindepth 1 | sort | cpio -o -H newc --quiet) > "$out"
