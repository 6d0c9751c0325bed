#!/usr/bin/env bash
# `sglang-forge pack` on a real Python installation, as it is, against
# `tar --sort=name --mtime=@0 --owner=0 --group=0 -cf - DIR | zstd -3` on the same tree (the
# command issue 15 names; zstd's CLI compresses on one worker thread by default) and against the
# same with `zstd -T0 -3` (a worker per CPU), in one run: wall and CPU time (GNU time) of each,
# alternating, BENCH_RUNS times (default 3). Before each command the previous outputs are removed,
# `sync` writes back what is dirty and the script waits BENCH_PAUSE seconds (default 3), so that
# no command pays for the previous one's writeback or finds its freed memory still at hand.
#
# The prefix is a verbatim copy (cp -a, under $TMPDIR, never in the repository) of this machine's
# CPython installation (sys.base_prefix: site-packages, __pycache__, bin/*-config, lib/pkgconfig,
# libpython, test suites, static libraries — nothing stripped), packed with
# `--also-prefix <original location>` and no allow list. Then pack's summary (launchers and run
# paths rewritten, run-path entries dropped, text files for unpack to rewrite, inert .pyc and
# binaries, needed libraries, refusals); the archive is packed again (same bytes?), unpacked, and
# its interpreter run.
#
#   benchmarks/pack.sh                         # builds sglang-forge in release mode first
#   SGLANG_FORGE=path/to/sglang-forge benchmarks/pack.sh
#   PY_PREFIX=/some/python/prefix BENCH_RUNS=5 benchmarks/pack.sh
# Needs: python3, patchelf, readelf, GNU tar (--sort), zstd, GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
forge=${SGLANG_FORGE:-}
if [ -z "$forge" ]; then
    swift build -c release --product sglang-forge-tools >&2 && swift build -c release --product sglang-forge >&2
    forge=.build/release/sglang-forge
fi
forge=$(readlink -f "$forge")
runs=${BENCH_RUNS:-3}
base=${PY_PREFIX:-$(python3 -c 'import sys; print(sys.base_prefix)')}
work=$(mktemp -d "${TMPDIR:-/tmp}/sglang-forge-pack.XXXXXX")
if [ -n "${BENCH_KEEP:-}" ]; then echo "keeping $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
prefix="$work/prefix"
cp -a "$base" "$prefix"
bytes=$(du -sb --apparent-size "$prefix" | cut -f1)
files=$(find "$prefix" -type f | wc -l)
tar -C "$prefix" -cf - . > /dev/null # warm the page cache for both alike

timed() { # label, command...: appends "label wall user sys" to $work/times
    local label=$1; shift
    /usr/bin/time -o "$work/t" -f "%e %U %S" "$@"
    echo "$label $(cat "$work/t")" >> "$work/times"
}
status=0
quiet() { rm -f "$1"; sync; sleep "${BENCH_PAUSE:-3}"; } # the output the next command writes
for run in $(seq "$runs"); do
    quiet "$work/pack.tar.zst"
    timed pack "$forge" pack "$prefix" -o "$work/pack.tar.zst" --quiet --also-prefix "$base" 2> "$work/pack.log" || { status=$?; break; }
    quiet "$work/tar.tar.zst"
    timed tar bash -c 'tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$1" -cf - . | zstd -q -3 -o "$2"' _ "$prefix" "$work/tar.tar.zst"
    quiet "$work/tar.tar.zst"
    timed tarT0 bash -c 'tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$1" -cf - . | zstd -q -T0 -3 -o "$2"' _ "$prefix" "$work/tar.tar.zst"
done
echo "== pack's report (exit $status)" >&2
grep -v '^warning: ' "$work/pack.log" | head -n 40 >&2 || true
warnings=$(grep -c '^warning: ' "$work/pack.log" || true)
echo "   ($warnings 'warning:' lines: dropped run-path entries; first 5:)" >&2
grep '^warning: ' "$work/pack.log" | head -n 5 >&2 || true
[ "$status" = 0 ] || exit "$status"
"$forge" pack "$prefix" -o "$work/pack2.tar.zst" --quiet --threads 1 --also-prefix "$base" 2>/dev/null
same=$(cmp -s "$work/pack.tar.zst" "$work/pack2.tar.zst" && echo yes || echo NO)
"$forge" unpack "$work/pack.tar.zst" "$work/unpacked" 2>&1 | sed 's/^/   /' >&2
py=$(ls "$work/unpacked/bin/" | grep -E '^python3\.[0-9]+$' | head -n 1)
(cd / && "$work/unpacked/bin/$py" -c 'import sys, json, ssl, sqlite3, ctypes; print("   unpacked interpreter runs: sys.prefix=" + sys.prefix)') >&2

python3 - "$work/times" "$bytes" "$files" "$(nproc)" "$(stat -c %s "$work/pack.tar.zst")" "$(stat -c %s "$work/tar.tar.zst")" "$same" "$base" <<'PY'
import statistics, sys
times, b, files, cpus, ps, ts, same, base = sys.argv[1:]
rows = [line.split() for line in open(times)]
mb = int(b) / 1e6
print(f"prefix: a copy of {base}, {mb:.0f} MB in {files} files; zstd level 3, {cpus} CPUs; {len(rows) // 3} runs each, alternating")
print(f"{'command':<58} {'wall s':>7} {'user s':>7} {'sys s':>6} {'MB/s':>6} {'archive MB':>10}")
names = (("pack", "sglang-forge pack --also-prefix ORIGINAL", ps),
         ("tar", "tar --sort=name --mtime=@0 --owner=0 --group=0 | zstd -3", ts),
         ("tarT0", "tar --sort=name --mtime=@0 --owner=0 --group=0 | zstd -T0 -3", ts))
for label, name, size in names:
    for wall, user, sys_ in ([float(x) for x in r[1:]] for r in rows if r[0] == label):
        print(f"{name:<58} {wall:7.2f} {user:7.2f} {sys_:6.2f} {mb / wall:6.1f} {int(size) / 1e6:10.1f}")
labels = [n[0] for n in names]
best = {label: min(float(r[1]) for r in rows if r[0] == label) for label in labels}
middle = {label: statistics.median(float(r[1]) for r in rows if r[0] == label) for label in labels}
for label, text in (("tar", "tar|zstd -3"), ("tarT0", "tar|zstd -T0 -3")):
    print(f"against {text + ':':<17} median pack {middle['pack']:.2f} s, {middle[label]:.2f} s (pack/tar {middle['pack'] / middle[label]:.2f}); "
          f"fastest pack {best['pack']:.2f} s, {best[label]:.2f} s ({best['pack'] / best[label]:.2f})")
print(f"packed again with --threads 1, identical bytes: {same}")
PY
