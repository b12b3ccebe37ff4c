# run.sh — the BusyBox ash suite's runner, booted as init on our kernel (make test-busybox) and
# on Linux (make test-linux) with the same BusyBox binary and initramfs layout
# (tools/busybox-initrd.sh):  init=/bin/busybox -- sh /tests/busybox/run.sh
# Mounts /proc and /dev if they are not there yet, runs every tests/busybox/[0-9]*.sh in its own
# shell under `timeout` (one "test busybox/SUITE/CASE ... ok|FAILED" line per case; a script
# that does not finish adds a FAILED line), prints "busybox-suite: done" and powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
cd /
[ -r /proc/self/stat ] || mount -t proc proc /proc
[ -c /dev/null ] || mount -t devtmpfs devtmpfs /dev
echo "busybox-suite: $(busybox 2>&1 | head -n 1)"
for s in /tests/busybox/[0-9]*.sh; do
    name=$(basename "$s" .sh)
    timeout "${BB_SCRIPT_TIMEOUT:-120}" sh "$s" < /dev/null
    st=$?
    [ "$st" -eq 0 ] || echo "test busybox/$name/finished ... FAILED (exit status $st)"
done
echo "busybox-suite: done"
sync
poweroff -f
