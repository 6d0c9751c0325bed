#!/usr/bin/env bash
# `sglang-forge pack` throughput against `tar --sort=name … | zstd` on the same prefix, in one run.
#
# The prefix is a copy of this machine's CPython installation (sys.base_prefix, with its
# site-packages), "installed" at the copy's path the way an installer would: ELF run paths and
# script shebangs that named the original location name the copy, so pack has real relocation
# work to do. Size: a few hundred MB (BENCH_MAX_MB caps it, default 400).
#
#   benchmarks/pack-throughput.sh            # builds sglang-forge in release mode first
#   SGLANG_FORGE=path/to/sglang-forge benchmarks/pack-throughput.sh
# Needs: python3, patchelf, readelf, tar (GNU, --sort), zstd, du. Prints one table.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
forge=${SGLANG_FORGE:-}
if [ -z "$forge" ]; then
    swift build -c release --product sglang-forge-tools >&2 && swift build -c release --product sglang-forge >&2
    forge=.build/release/sglang-forge
fi
level=${BENCH_LEVEL:-3}
max_mb=${BENCH_MAX_MB:-400}
work=$(mktemp -d "${TMPDIR:-/tmp}/sglang-forge-bench.XXXXXX")
# BENCH_KEEP=1 keeps the prefix and archives (for profiling) and prints where they are.
if [ -n "${BENCH_KEEP:-}" ]; then echo "keeping $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
prefix="$work/prefix"
base=$(python3 -c 'import sys; print(sys.base_prefix)')

# Copy whole top-level entries of lib/pythonX.Y/site-packages until the cap, plus the rest.
mkdir -p "$prefix"
tar -C "$base" --exclude=__pycache__ --exclude='*/test/*' --exclude='*/tests/*' --exclude='lib/python*/site-packages' \
    --exclude='config-*' --exclude='*.a' -cf - . | tar -C "$prefix" -xf -
site=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
rel_site=${site#"$base"/}
mkdir -p "$prefix/$rel_site"
for entry in $(cd "$site" && du -s -- * 2>/dev/null | sort -rn | awk '{print $2}'); do
    [ "$(du -sm "$prefix" | cut -f1)" -lt "$max_mb" ] || break
    tar -C "$site" --exclude=__pycache__ -cf - "$entry" | tar -C "$prefix/$rel_site" -xf -
done
chmod -R u+w "$prefix"
# Re-home the copy: run paths and shebangs that named $base now name $prefix.
python3 - "$base" "$prefix" <<'PY'
import os, subprocess, sys
base, prefix = sys.argv[1], sys.argv[2]
for directory, _, files in os.walk(prefix):
    for name in files:
        path = os.path.join(directory, name)
        if os.path.islink(path):
            target = os.readlink(path)
            if target.startswith("/"):  # absolute links: make them relative or drop them
                os.unlink(path)
                if target.startswith(base + "/"):
                    os.symlink(os.path.relpath(prefix + target[len(base):], directory), path)
            continue
        with open(path, "rb") as f:
            head = f.read(4096)
        if head.startswith(b"\x7fELF"):
            r = subprocess.run(["patchelf", "--print-rpath", path], capture_output=True, text=True)
            if r.returncode == 0 and r.stdout.strip():
                # Entries into $base move with the copy; other absolute ones are build-machine
                # leftovers (e.g. a wheel's /opt/_internal/...) that pack would rightly refuse.
                old = [e for e in r.stdout.strip().split(":") if e]
                entries = [e.replace(base, prefix, 1) if e.startswith(base) else e for e in old]
                entries = [e for e in entries if e.startswith(prefix) or e.startswith("$ORIGIN")]
                if entries != old:
                    subprocess.run(["patchelf", "--set-rpath", ":".join(entries), path], check=True)
        elif head.startswith(b"#!" + base.encode()):
            data = open(path, "rb").read().replace(b"#!" + base.encode(), b"#!" + prefix.encode(), 1)
            open(path, "wb").write(data)
PY
bytes=$(du -sb --apparent-size "$prefix" | cut -f1)
files=$(find "$prefix" -type f | wc -l)
# Warm the page cache for both contenders alike.
tar -C "$prefix" -cf - . > /dev/null

now() { date +%s.%N; }
t0=$(now)
"$forge" pack "$prefix" -o "$work/pack.tar.zst" --level "$level" --quiet --allow-prefix-in '*' 2> "$work/pack.log" || { cat "$work/pack.log" >&2; exit 1; }
t1=$(now)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=pax --pax-option=delete=atime,delete=ctime \
    -C "$prefix" -cf - . | zstd -q -"$level" -o "$work/tar.tar.zst"
t2=$(now)
"$forge" pack "$prefix" -o "$work/pack2.tar.zst" --level "$level" --threads 1 --quiet --allow-prefix-in '*' 2>/dev/null
t3=$(now)
same=$(cmp -s "$work/pack.tar.zst" "$work/pack2.tar.zst" && echo yes || echo NO)

python3 - "$bytes" "$files" "$t0" "$t1" "$t2" "$t3" "$(nproc)" "$(stat -c %s "$work/pack.tar.zst")" "$(stat -c %s "$work/tar.tar.zst")" "$same" "$level" <<'PY'
import sys
b, files, t0, t1, t2, t3, cpus, ps, ts, same, level = sys.argv[1:]
b, files = int(b), int(files); t0, t1, t2, t3 = float(t0), float(t1), float(t2), float(t3)
mb = b / 1e6
print(f"prefix: {mb:.0f} MB in {files} files; zstd level {level}")
print(f"{'command':<40} {'seconds':>8} {'MB/s':>8} {'archive MB':>11}")
print(f"{'sglang-forge pack (' + cpus + ' zstd threads)':<40} {t1-t0:8.2f} {mb/(t1-t0):8.1f} {int(ps)/1e6:11.1f}")
print(f"{'sglang-forge pack --threads 1':<40} {t3-t2:8.2f} {mb/(t3-t2):8.1f} {int(ps)/1e6:11.1f}")
print(f"{'tar --sort=name … | zstd':<40} {t2-t1:8.2f} {mb/(t2-t1):8.1f} {int(ts)/1e6:11.1f}")
print(f"pack twice (2 threads, then 1), identical bytes: {same}")
PY
grep -E "^pack:" "$work/pack.log" >&2 || true
