#!/usr/bin/env bash
# ttytest.sh KERNEL.elf SYMBOLS.sym USERDIR OUTDIR — the terminal driven through the serial
# console by keystrokes, on our kernel and (when tools/linux-kernel.sh has Debian's Linux, or
# TTYTEST_LINUX=1 fetches it; TTYTEST_LINUX=never skips Linux, as `make test` does — `make
# test-linux` runs the comparison) on Linux 6.1 with the same programs: our sh as init (it takes
# the console as its controlling terminal and runs each program as a foreground job), cat and
# echo in /bin. QEMU's serial input is a bash coprocess's pipe; each step types keys only once
# the expected output has appeared, so timing never decides a result.
#
# Steps, each one "test tty_NAME ... ok|FAILED":
#   editing      "echo helo" BS BS "lo wor" Ctrl-U "echo hello world" Enter: the erases echo
#                as "\b \b", Ctrl-U rubs out the whole line, the program sees only the result
#   enter        Enter (CR) is echoed as CR LF and read as "\n"
#   ctrl_d       cat reads a typed line and ends on Ctrl-D at a line start
#   ctrl_c       Ctrl-C stops a cat blocked in read (echoed "^C"), the shell survives
#   prompt_ctrl_c Ctrl-C at the prompt drops the typed line
#   werase       Ctrl-W erases the last word
#   stty         `busybox stty -a` (when BusyBox is cached by tools/busybox.sh, or
#                TTYTEST_BUSYBOX=PATH) reports the settings
#   job_stop     (BusyBox too) ash with job control (`set -m`, a script: its line editing
#                needs poll) runs cat; Ctrl-Z stops it ("[1]+ Stopped")
#   job_fg       `jobs` lists it, `fg` continues it in the foreground: it reads again
#   job_done     Ctrl-D ends it, ash's `echo back $?` prints 0
#   same_as_linux the console transcripts of both kernels are identical from the first prompt
#                up to the stty step
#   busybox_same_as_linux  `stty -a` prints Linux's report line for line, and the job-control
#                steps print what they print on Linux. Our kernel's log lines
#                and the errno text after "stty: standard input" are left out (none when errno is 0): BusyBox
#                prints that line for a 0x0 window with whatever errno an earlier call left
#                (EAGAIN on Linux; on ours today ENOSYS from calls the files work still adds).
# Last line: "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
elf=$1 sym=$2 user=$3 out=$4
mkdir -p "$out"
passed=0 failed=0

# expect PATTERN [SECONDS]: reads the console until the text read since the last match
# contains the fixed string PATTERN (escapes as printf %b); the text is kept in $seen.
expect() {
    local want deadline c
    want=$(printf '%b' "$1")
    deadline=$((SECONDS + ${2:-20}))
    while [[ "$seen" != *"$want"* ]]; do
        if [ $SECONDS -ge $deadline ]; then
            echo "ttytest: timed out waiting for $(printf '%q' "$want")" >&2
            return 1
        fi
        if IFS= read -r -d '' -t 1 -N 1 c <&"${Q[0]}"; then
            seen+=$c
            printf '%s' "$c" >> "$transcript"
        elif [ -z "${Q_PID:-}" ] || ! kill -0 "$Q_PID" 2>/dev/null; then
            echo "ttytest: QEMU ended" >&2
            return 1
        fi
    done
    matched=${seen%%"$want"*}$want
    seen=${seen#"$matched"}
}

type() { printf '%b' "$1" >&"${Q[1]}"; }

verdict() { # NAME OK [WHY]
    if [ "$2" = 1 ]; then
        echo "test tty_$1 ($kernel) ... ok"; passed=$((passed + 1))
    else
        echo "test tty_$1 ($kernel) ... FAILED${3:+ ($3)}"; failed=$((failed + 1))
    fi
}

# step NAME KEYS EXPECT: types KEYS, then waits for EXPECT (a fixed string).
step() {
    type "$2"
    if expect "$3"; then verdict "$1" 1; else verdict "$1" 0 "no $(printf '%q' "$(printf '%b' "$3")")"; fi
}

session() {
    transcript=$out/$kernel.raw
    : > "$transcript"
    seen=""
    coproc Q { "$@" 2>&1; }
    Q_PID=$Q_PID
    expect '$ ' 60 || { verdict boot 0 "no prompt"; kill "$Q_PID" 2>/dev/null; return; }
    : > "$transcript" # the transcript starts at the first prompt
    printf '$ ' > "$transcript"
    step editing 'echo helo\x7f\x7flo wor\x15echo hello world\r' \
        'echo helo\b \b\b \blo wor\b \b\b \b\b \b\b \b\b \b\b \b\b \b\b \b\b \b\b \b\b \b\b \b\b \becho hello world\r\nhello world\r\n$ '
    step enter '\r' '\r\n$ '
    type 'cat\r'; expect 'cat\r\n' || true
    step ctrl_d 'line one\r' 'line one\r\nline one\r\n'
    step ctrl_d_ends_cat '\x04' '$ '
    type 'cat\r'; expect 'cat\r\n' || true
    # cat's copy of a line shows it runs, in the foreground, and reads again.
    type 'ping\r'; expect 'ping\r\nping\r\n' || true
    step ctrl_c '\x03' '^C'
    expect '$ ' || true
    step shell_survives 'echo alive\r' 'alive\r\n$ '
    # Typed as a person types: Linux discards echo not yet written when ^C flushes the line,
    # so a burst "echo dropped^C" may show only "^C" there.
    type 'echo dropped'; expect 'echo dropped' || true
    step prompt_ctrl_c '\x03' '^C\r\n$ '
    step werase 'echo one two\x17three\r' 'one three\r\n$ '
    cp "$transcript" "$out/$kernel.main"
    if [ -n "$busybox" ]; then
        step stty 'busybox stty -a\r' 'eol2 = <undef>'
        expect '$ ' || true
        type 'busybox sh /bin/jobs.sh\r'
        type 'abc\r'; expect 'abc\r\nabc\r\n' || true
        step job_stop '\x1a' 'Stopped                    busybox cat\r\n'
        expect 'busybox cat\r\n' || true # fg names the job it continues
        step job_fg 'xyz\r' 'xyz\r\nxyz\r\n'
        step job_done '\x04' 'back 0\r\n$ '
        tail -c +$(($(stat -c %s "$out/$kernel.main") + 1)) "$transcript" > "$out/$kernel.bb"
    fi
    type 'poweroff\r'
    wait "$Q_PID" 2>/dev/null
    unset Q_PID
}

busybox=${TTYTEST_BUSYBOX:-${BUSYBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmkernel-busybox-i386}/busybox}
[ -f "$busybox" ] || busybox=""
printf 'set -m\nbusybox cat\njobs\nfg\necho back $?\n' > "$out/jobs.sh"
progs=("$user/sh" "$user/cat" "$user/echo" ${busybox:+"$busybox" "$out/jobs.sh"})
iso=$out/tty.iso
"$here/mkinitrd.sh" "$out/initrd.cpio" "${progs[@]}" >/dev/null
"$here/mkiso.sh" "$iso" "$elf" "$sym" 0 "log=warn panic=poweroff init=/bin/sh" "$out/initrd.cpio" initrd >/dev/null
echo "=== the terminal by keystrokes: our kernel"
kernel=ours
session timeout --foreground -k 5 120 qemu-system-i386 -cdrom "$iso" -boot d -display none \
    -serial stdio -monitor none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04

vmlinuz=""
if [ "${TTYTEST_LINUX:-0}" = 1 ] || { [ "${TTYTEST_LINUX:-0}" != never ] && [ -e "${LINUX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmkernel-linux-i386}/vmlinuz" ]; }; then
    vmlinuz=$("$here/linux-kernel.sh" 2>/dev/null) || vmlinuz=""
fi
if [ -n "$vmlinuz" ]; then
    echo "=== the terminal by keystrokes: Linux $(readlink "$vmlinuz" | sed 's/^vmlinuz-//')"
    "$here/linux-initramfs.sh" "$out/linux.cpio" --as /init "$user/sh" "${progs[@]}" >/dev/null
    kernel=linux
    session timeout --foreground -k 5 120 qemu-system-i386 -kernel "$vmlinuz" -initrd "$out/linux.cpio" \
        -append "console=ttyS0 quiet loglevel=0 panic=-1" -display none -serial stdio -monitor none -no-reboot -m 256M
    kernel=both
    if cmp -s "$out/ours.main" "$out/linux.main"; then
        verdict same_as_linux 1
    else
        verdict same_as_linux 0 "transcripts differ: cmp $out/ours.main $out/linux.main"
    fi
    if [ -n "$busybox" ]; then
        norm() { tr -d '\r' < "$1" | grep -av '^\[ *[0-9.]*\] ' | sed -E 's/(stty: standard input)(: .*)?$/\1: .../'; }
        if diff <(norm "$out/ours.bb") <(norm "$out/linux.bb") > "$out/busybox.diff"; then
            verdict busybox_same_as_linux 1
        else
            verdict busybox_same_as_linux 0 "see $out/busybox.diff"
        fi
    fi
else
    echo "ttytest: no Linux kernel cached (make test-linux fetches it): our kernel only"
fi
echo "$passed $failed" > "$out/counts"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
