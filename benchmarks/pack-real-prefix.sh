#!/usr/bin/env bash
# `sglang-forge pack` on a real Python installation, as it is, against `tar --sort=name … | zstd`
# on the same tree, in one run.
#
# The prefix is a verbatim copy (cp -a) of this machine's CPython installation (sys.base_prefix:
# site-packages, __pycache__, bin/*-config, lib/pkgconfig, libpython, test suites, static
# libraries — nothing stripped), packed with `--also-prefix <original location>` and no allow
# list: the question is whether pack takes a real installation as it is, and what it reports.
# The copy is unpacked again and its interpreter run, to show the result works.
#
#   benchmarks/pack-real-prefix.sh            # builds sglang-forge in release mode first
#   SGLANG_FORGE=path/to/sglang-forge benchmarks/pack-real-prefix.sh
#   PY_PREFIX=/some/python/prefix benchmarks/pack-real-prefix.sh   # another installation
# Needs: python3, patchelf, readelf, tar (GNU, --sort), zstd. Prints pack's summary and one table.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
forge=${SGLANG_FORGE:-}
if [ -z "$forge" ]; then
    swift build -c release --product sglang-forge >&2
    forge=.build/release/sglang-forge
fi
forge=$(readlink -f "$forge")
level=${BENCH_LEVEL:-3}
base=${PY_PREFIX:-$(python3 -c 'import sys; print(sys.base_prefix)')}
work=$(mktemp -d "${TMPDIR:-/tmp}/sglang-forge-real.XXXXXX")
if [ -n "${BENCH_KEEP:-}" ]; then echo "keeping $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
prefix="$work/prefix"
cp -a "$base" "$prefix"
bytes=$(du -sb --apparent-size "$prefix" | cut -f1)
files=$(find "$prefix" -type f | wc -l)
tar -C "$prefix" -cf - . > /dev/null # warm the page cache for both alike

now() { date +%s.%N; }
t0=$(now)
status=0
"$forge" pack "$prefix" -o "$work/pack.tar.zst" --level "$level" --quiet --also-prefix "$base" 2> "$work/pack.log" || status=$?
t1=$(now)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=pax --pax-option=delete=atime,delete=ctime \
    -C "$prefix" -cf - . | zstd -q -T0 -"$level" -o "$work/tar.tar.zst"
t2=$(now)
echo "== pack's report (exit $status)" >&2
grep -v '^warning: ' "$work/pack.log" | head -n 40 >&2 || true
warnings=$(grep -c '^warning: ' "$work/pack.log" || true)
echo "   ($warnings 'warning:' lines: dropped run-path entries; first 5:)" >&2
grep '^warning: ' "$work/pack.log" | head -n 5 >&2 || true
[ "$status" = 0 ] || exit "$status"
"$forge" pack "$prefix" -o "$work/pack2.tar.zst" --level "$level" --quiet --also-prefix "$base" 2>/dev/null
same=$(cmp -s "$work/pack.tar.zst" "$work/pack2.tar.zst" && echo yes || echo NO)
"$forge" unpack "$work/pack.tar.zst" "$work/unpacked" 2>&1 | sed 's/^/   /' >&2
py=$(ls "$work/unpacked/bin/" | grep -E '^python3\.[0-9]+$' | head -n 1)
(cd / && "$work/unpacked/bin/$py" -c 'import sys, json, ssl, sqlite3, ctypes; print("   unpacked interpreter runs: sys.prefix=" + sys.prefix)') >&2

python3 - "$bytes" "$files" "$t0" "$t1" "$t2" "$(nproc)" "$(stat -c %s "$work/pack.tar.zst")" "$(stat -c %s "$work/tar.tar.zst")" "$same" "$level" "$base" <<'PY'
import sys
b, files, t0, t1, t2, cpus, ps, ts, same, level, base = sys.argv[1:]
b, files = int(b), int(files); t0, t1, t2 = float(t0), float(t1), float(t2)
mb = b / 1e6
print(f"prefix: a copy of {base}, {mb:.0f} MB in {files} files; zstd level {level}, {cpus} CPUs")
print(f"{'command':<44} {'seconds':>8} {'MB/s':>8} {'archive MB':>11}")
print(f"{'sglang-forge pack --also-prefix ORIGINAL':<44} {t1-t0:8.2f} {mb/(t1-t0):8.1f} {int(ps)/1e6:11.1f}")
print(f"{'tar --sort=name … | zstd -T0':<44} {t2-t1:8.2f} {mb/(t2-t1):8.1f} {int(ts)/1e6:11.1f}")
print(f"packed twice, identical bytes: {same}")
PY
