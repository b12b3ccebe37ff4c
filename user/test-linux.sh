#!/usr/bin/env bash
# Builds the user programs and runs them on the host Linux, which executes static i386 ELFs
# natively: this proves the programs (and the expectations of the test suite) follow Linux
# semantics. Prints one line per case and a final "N passed, N failed"; exits non-zero on any
# failure.
#
#   user/test-linux.sh [OUTDIR]     (default OUTDIR: /tmp/user-linux; CARGO_TARGET_DIR is
#                                    honoured, default /tmp/target-user)
#
# It never runs the cases marked "our kernel only" (vmtest skips them on Linux) and never lets
# the shell call reboot() (sh refuses on a Linux host unless it is pid 1).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-/tmp/user-linux}"

if ! "$here/build.sh" "$out" >"$out.build.log" 2>&1; then
    cat "$out.build.log"
    echo "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi
out="$(cd "$out" && pwd)"
cd "$out"

# Linux's defaults, which the stack cases assume (8 MiB stack limit).
ulimit -s 8192 2>/dev/null || true

passed=0
failed=0
report() { # NAME OK(0/1) [REASON]
    if [ "$2" = 0 ]; then
        echo "test $1 ... ok"
        passed=$((passed + 1))
    else
        echo "test $1 ... FAILED (${3:-})"
        failed=$((failed + 1))
    fi
}

# --- the ring-3 VM suite ------------------------------------------------------------------
./vmtest >"$out/vmtest.out" 2>"$out/vmtest.err"
vm_rc=$?
grep -E '^test |skipped$' "$out/vmtest.out"
summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/vmtest.out" | tail -n1)"
if [ -z "$summary" ]; then
    report vmtest 1 "no summary line (exit $vm_rc); stderr: $(head -c 400 "$out/vmtest.err")"
else
    p="${summary%% passed*}"
    f="${summary#*, }"; f="${f%% failed}"
    passed=$((passed + p))
    failed=$((failed + f))
    [ "$f" = "$vm_rc" ] || report vmtest_exit_status 1 "exit $vm_rc for $f failures"
fi
if [ -s "$out/vmtest.err" ] && grep -q 'check failed' "$out/vmtest.err"; then
    echo "--- vmtest stderr:"
    cat "$out/vmtest.err"
    echo "---"
fi

# --- the runner must catch failures -------------------------------------------------------
./vmtest --timeout=1 selftest_fail selftest_wrong_signal selftest_hang >"$out/self.out" 2>/dev/null
rc=$?
if [ $rc = 3 ] && [ "$(grep -c 'FAILED' "$out/self.out")" = 3 ] && grep -q 'timed out' "$out/self.out" \
    && grep -q '^0 passed, 3 failed$' "$out/self.out"; then
    report vmtest_runner_catches_failures 0
else
    report vmtest_runner_catches_failures 1 "exit $rc: $(tr '\n' '|' <"$out/self.out")"
fi
./vmtest no_such_case >/dev/null 2>&1
rc=$?
[ $rc = 2 ] && report vmtest_unknown_case 0 || report vmtest_unknown_case 1 "exit $rc, want 2"
{ ./vmtest --direct null_read; } >/dev/null 2>&1 # braces: no "Segmentation fault" from bash
rc=$?
[ $rc = 139 ] && report vmtest_direct 0 || report vmtest_direct 1 "exit $rc, want 139 (SIGSEGV)"

# --- oom_kill, confined to a 64 MiB memory cgroup (safe: the OOM killer acts inside it) -------
oom_cgroup_run() {
    local cg=""
    if [ -w /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/memory ]; then            # v1
        cg=/sys/fs/cgroup/memory/vmtest-oom-$$
        mkdir "$cg" 2>/dev/null || return 2
        echo $((64 << 20)) >"$cg/memory.limit_in_bytes" || { rmdir "$cg"; return 2; }
        [ -e "$cg/memory.memsw.limit_in_bytes" ] && echo $((64 << 20)) >"$cg/memory.memsw.limit_in_bytes"
    elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null \
        && grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then  # v2
        cg=/sys/fs/cgroup/vmtest-oom-$$
        mkdir "$cg" 2>/dev/null || return 2
        echo $((64 << 20)) >"$cg/memory.max" || { rmdir "$cg"; return 2; }
        [ -e "$cg/memory.swap.max" ] && echo 0 >"$cg/memory.swap.max"
    else
        return 2
    fi
    timeout 120 bash -c "echo \$\$ >'$cg/cgroup.procs' && exec ./vmtest --force --timeout=100 oom_kill" \
        >"$out/oom.out" 2>&1
    local rc=$?
    sleep 0.2
    rmdir "$cg" 2>/dev/null
    return $rc
}
if [ "$(id -u)" = 0 ]; then
    oom_cgroup_run
    case $? in
        0) report oom_kill_in_memory_cgroup 0 ;;
        2) echo "test oom_kill_in_memory_cgroup ... skipped (no writable memory cgroup)" ;;
        *) report oom_kill_in_memory_cgroup 1 "$(tr '\n' '|' <"$out/oom.out")" ;;
    esac
else
    echo "test oom_kill_in_memory_cgroup ... skipped (needs root to create a memory cgroup)"
fi

# --- ELF layout ----------------------------------------------------------------------------
if command -v readelf >/dev/null; then
    for p in sh hello echo cat vmtest; do
        h="$(readelf -hlW "$p" 2>&1)"
        why=""
        grep -q 'Type: *EXEC' <<<"$h" || why="$why not ET_EXEC;"
        grep -q 'Machine: *Intel 80386' <<<"$h" || why="$why not i386;"
        grep -q 'INTERP\|DYNAMIC\|TLS' <<<"$h" && why="$why has INTERP/DYNAMIC/TLS;"
        grep -Eq 'LOAD +0x000000 0x08048000 .* R E 0x1000' <<<"$h" || why="$why text not R+X at 0x08048000;"
        grep -Eq 'LOAD .* R   0x1000' <<<"$h" || why="$why no R segment;"
        [ "$(grep -c ' LOAD ' <<<"$h")" -le 3 ] || why="$why more than 3 PT_LOAD;"
        if [ "$p" = vmtest ]; then # it has .data and .bss
            grep -Eq 'LOAD .* RW  0x1000' <<<"$h" || why="$why no RW segment;"
        fi
        grep -Eq 'LOAD .* RWE ' <<<"$h" && why="$why W+X segment;"
        [ -z "$why" ] && report "elf_layout_$p" 0 || report "elf_layout_$p" 1 "$why"
    done
fi

# --- small programs ------------------------------------------------------------------------
got="$(./hello a 'b c')"; rc=$?
[ $rc = 0 ] && grep -q 'argv\[2\] = "b c"' <<<"$got" && report hello 0 || report hello 1 "exit $rc: $got"
got="$(./echo one two  three)"
[ "$got" = "one two three" ] && report echo 0 || report echo 1 "got '$got'"
got="$(printf 'abc\ndef' | ./cat)"
[ "$got" = "$(printf 'abc\ndef')" ] && report cat_stdin 0 || report cat_stdin 1 "got '$got'"
got="$(./cat notelf notelf)"
[ "$got" = "$(cat notelf notelf)" ] && report cat_files 0 || report cat_files 1 "got '$got'"
./cat /nonexistent >/dev/null 2>&1
rc=$?
[ $rc = 1 ] && report cat_missing_file 0 || report cat_missing_file 1 "exit $rc"

# --- the shell, driven through a pipe ------------------------------------------------------
shell() { printf "$1" | PATH="$out" ./sh 2>&1; }

got="$(shell 'hello a b\nexit\n')"; rc=$?
if [ $rc = 0 ] && grep -q '^\$ hello a b$' <<<"$got" && grep -q 'argv\[0\] = "hello"' <<<"$got" \
    && grep -q 'argv\[2\] = "b"' <<<"$got"; then
    report sh_runs_program 0
else
    report sh_runs_program 1 "exit $rc: $(tr '\n' '|' <<<"$got")"
fi
got="$(shell 'echo x\n')"; rc=$?
[ $rc = 0 ] && grep -q '^x$' <<<"$got" && report sh_exits_at_eof 0 || report sh_exits_at_eof 1 "exit $rc"
shell 'exit 7\n' >/dev/null; rc=$?
[ $rc = 7 ] && report sh_exit_status 0 || report sh_exit_status 1 "exit $rc"
got="$(shell 'hex\x7fllo\x08\x08lo x\n')"
if grep -q 'argv\[1\] = "x"' <<<"$got" && grep -q $'\b \b' <<<"$got"; then
    report sh_backspace 0
else
    report sh_backspace 1 "$(tr '\n' '|' <<<"$got")"
fi
got="$(shell 'hello\r\nhello\r\n')"
[ "$(grep -c 'argv\[0\]' <<<"$got")" = 2 ] && report sh_crlf 0 || report sh_crlf 1 "$(tr '\n' '|' <<<"$got")"
got="$(shell 'nosuchprog\n')"
grep -q 'nosuchprog: not found' <<<"$got" && grep -q 'exited with status 127' <<<"$got" \
    && report sh_not_found 0 || report sh_not_found 1 "$(tr '\n' '|' <<<"$got")"
got="$(shell 'notelf\n')"
grep -q 'ENOEXEC' <<<"$got" && grep -q 'exited with status 126' <<<"$got" \
    && report sh_enoexec 0 || report sh_enoexec 1 "$(tr '\n' '|' <<<"$got")"
got="$(shell 'vmtest --direct null_read\nvmtest --direct mmap_file_sigbus\nvmtest --direct selftest_fail\n')"
grep -q 'vmtest: killed by SIGSEGV' <<<"$got" && grep -q 'vmtest: killed by SIGBUS' <<<"$got" \
    && grep -q 'vmtest: exited with status 1' <<<"$got" \
    && report sh_reports_child_end 0 || report sh_reports_child_end 1 "$(tr '\n' '|' <<<"$got")"
got="$(shell 'hello\n')"
grep -q 'exited with status 0' <<<"$got" && report sh_quiet_on_success 1 "reported exit 0" \
    || report sh_quiet_on_success 0
got="$(shell "$out/echo abs path\n")"
grep -q '^abs path$' <<<"$got" && report sh_path_with_slash 0 || report sh_path_with_slash 1 "$got"
got="$(printf 'echo via default\n' | env -u PATH ./sh 2>&1)"
grep -q 'echo: not found\|^via default$' <<<"$got" && report sh_default_path 0 || report sh_default_path 1 "$got"
got="$(shell 'maps\n')"
grep -q '\[stack\]' <<<"$got" && grep -q ' r-xp .*/sh$' <<<"$got" \
    && report sh_maps 0 || report sh_maps 1 "$(head -c 300 <<<"$got")"
got="$(shell 'maps 1\n')"
grep -Eq '^[0-9a-f]+-[0-9a-f]+ [-r][-w][-x][ps] |^maps: /proc/1/maps: ' <<<"$got" \
    && report sh_maps_pid 0 || report sh_maps_pid 1 "$(head -c 300 <<<"$got")"
got="$(shell 'free\n')"
grep -q '^MemFree:' <<<"$got" && report sh_free 0 || report sh_free 1 "$(head -c 300 <<<"$got")"
got="$(shell 'ps\n')"
grep -q 'PID' <<<"$got" && grep -Eq '^ *[0-9]+ +[0-9]+ [A-Z] sh$' <<<"$got" \
    && report sh_ps 0 || report sh_ps 1 "$(head -c 300 <<<"$got")"
got="$(shell 'help\n')"
grep -q 'poweroff' <<<"$got" && report sh_help 0 || report sh_help 1 "$got"
got="$(shell 'poweroff\n')"; rc=$?
[ $rc = 0 ] && grep -q 'not powering off' <<<"$got" && report sh_poweroff_refused_on_linux 0 \
    || report sh_poweroff_refused_on_linux 1 "exit $rc: $got"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
