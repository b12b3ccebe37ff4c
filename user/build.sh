#!/usr/bin/env bash
# Builds every user program (release, one cargo invocation) and copies the ELFs into OUTDIR:
#   OUTDIR/NAME         stripped (what goes into the initrd)
#   OUTDIR/debug/NAME   unstripped, with symbols (for symbolizing faults)
#   OUTDIR/notelf       a small executable text file without '#!' (execve must fail ENOEXEC)
# Usage: user/build.sh OUTDIR        (CARGO_TARGET_DIR defaults to /tmp/target-user)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: $0 OUTDIR}"
mkdir -p "$out/debug"
out="$(cd "$out" && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/target-user}"
export RUSTUP_AUTO_INSTALL=0
PROGRAMS="sh hello echo cat vmtest privtest fuzz"

cd "$here"
PROGRAMS="$PROGRAMS bench linit"   # benchmarks (bench.rs) and the suite's runner as init (linit.rs)
cargo +nightly build --release \
    --target "$here/i686-user.json" -Zjson-target-spec \
    -Zbuild-std=core,compiler_builtins,alloc -Zbuild-std-features=compiler-builtins-mem \
    -p programs --bins

bin="$CARGO_TARGET_DIR/i686-user/release"
strip_tool="$(command -v strip || true)"
if [ -z "$strip_tool" ]; then
    strip_tool="$(rustc +nightly --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-objcopy"
    strip_args="--strip-all"
else
    strip_args="--strip-all"
fi
for p in $PROGRAMS; do
    cp "$bin/$p" "$out/debug/$p"
    "$strip_tool" $strip_args -o "$out/$p" "$bin/$p"
    chmod 755 "$out/$p" "$out/debug/$p"
done
printf 'this is a text file without #!, execve must fail with ENOEXEC\n' > "$out/notelf"
chmod 755 "$out/notelf"
echo "built: $PROGRAMS notelf -> $out"
