# lib.sh — sourced by every script of the BusyBox ash suite (tests/busybox/*.sh).
#
#   t NAME WANT CMD   runs CMD (one shell word, eval'ed in a subshell, stderr merged into
#                     stdout) and prints "test busybox/SUITE/NAME ... ok" when its output is
#                     exactly WANT, else "... FAILED" and the output it got.
#   ok NAME / fail NAME WHY   for cases that decide for themselves.
# SUITE is the script's name without .sh; each script works in its own fresh directory
# $W (under /tmp) and removes it at the end (`done_suite`).
SUITE=${SUITE:-$(basename "$0" .sh)}
W=/tmp/bb-$SUITE
umask 022
rm -rf "$W" && mkdir -p "$W" && cd "$W" || { echo "test busybox/$SUITE/setup ... FAILED (no $W)"; exit 1; }

ok() { echo "test busybox/$SUITE/$1 ... ok"; }
fail() { echo "test busybox/$SUITE/$1 ... FAILED ($2)"; }

t() {
    _got=$( (eval "$3") 2>&1 )
    if [ "$_got" = "$2" ]; then
        ok "$1"
    else
        fail "$1" "want [$(printf '%s' "$2" | tr '\n' '|')], got [$(printf '%s' "$_got" | tr '\n' '|')]"
    fi
}

# m NAME REGEX CMD: like t, but every line of CMD's output must match the extended REGEX and
# there must be at least one line (for output whose shape is fixed and values are not).
m() {
    _got=$( (eval "$3") 2>&1 )
    if [ -n "$_got" ] && ! printf '%s\n' "$_got" | grep -qvE "$2"; then
        ok "$1"
    else
        fail "$1" "lines not matching /$2/: [$(printf '%s\n' "$_got" | grep -vE "$2" | head -n 3 | tr '\n' '|')]"
    fi
}

done_suite() { cd / && rm -rf "$W"; }
