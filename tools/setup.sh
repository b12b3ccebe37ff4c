#!/usr/bin/env bash
# Installs what building and booting the kernel needs, and only what is missing:
# the nightly toolchain's rust-src component and the Debian packages for QEMU, GRUB and ISO
# making, and gcc-multilib for the glibc C tests (user/c/). Idempotent; never updates the
# toolchain. Not root and something missing: prints the exact command to run and fails.
set -euo pipefail

missing=()
command -v qemu-system-i386 >/dev/null 2>&1 || missing+=(qemu-system-x86)
command -v grub-mkrescue >/dev/null 2>&1 || missing+=(grub-common)
[ -d /usr/lib/grub/i386-pc ] || missing+=(grub-pc-bin)
command -v xorriso >/dev/null 2>&1 || missing+=(xorriso)
command -v mformat >/dev/null 2>&1 || missing+=(mtools)
command -v cpio >/dev/null 2>&1 || missing+=(cpio)
command -v nm >/dev/null 2>&1 || missing+=(binutils)
# The glibc C tests (user/c/) are built with `gcc -m32 -static`: gcc-multilib brings the i386
# glibc (static libc.a, crt files) and gcc's 32-bit support. Checked by linking a static program.
if ! printf 'int main(void){return 0;}\n' | gcc -m32 -static -x c - -o /dev/null >/dev/null 2>&1; then
    missing+=(gcc-multilib)
fi

if [ ${#missing[@]} -gt 0 ]; then
    cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup: missing packages: ${missing[*]}" >&2
        echo "setup: run as root:  $cmd" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
    echo "setup: adding rust-src to the nightly toolchain"
    rustup component add rust-src --toolchain nightly
fi
