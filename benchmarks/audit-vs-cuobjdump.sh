#!/usr/bin/env bash
# `sglang-forge audit` against `cuobjdump --list-elf --list-ptx` on the same files, in one run.
#
# Usage: benchmarks/audit-vs-cuobjdump.sh [FILE|DIR]...
#   default: the shared objects of the sgl-kernel 0.3.21 wheel (downloaded with pip into a
#   temporary directory and unzipped there; never into the repository).
# Environment: FORGE (default .build/release/sglang-forge), CUOBJDUMP (default: on PATH, else
# downloaded from PyPI `nvidia-cuda-cuobjdump`), RUNS (default 5).
# Both tools run warm (one untimed run first); the figures are the median wall time of RUNS runs.
set -euo pipefail
forge=${FORGE:-.build/release/sglang-forge}
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cuobjdump=${CUOBJDUMP:-$(command -v cuobjdump || true)}
if [[ -z "$cuobjdump" ]]; then
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$work/whl" nvidia-cuda-cuobjdump
  python3 -m zipfile -e "$work"/whl/nvidia_cuda_cuobjdump-*.whl "$work/cuobjdump"
  cuobjdump=$(find "$work/cuobjdump" -name cuobjdump -type f | head -1)
  chmod +x "$cuobjdump"
fi
files=()
if (($#)); then
  for a in "$@"; do
    if [[ -d "$a" ]]; then while IFS= read -r f; do files+=("$f"); done < <(find "$a" -type f \( -name '*.so' -o -name '*.so.*' \) | sort); else files+=("$a"); fi
  done
else
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --platform manylinux2014_x86_64 -d "$work/whl" sgl-kernel==0.3.21
  python3 - "$work" <<'PY'
import sys, zipfile, glob
w = sys.argv[1]
z = zipfile.ZipFile(glob.glob(w + "/whl/sgl_kernel-*.whl")[0])
for n in z.namelist():
    if n.endswith(".so") or ".so." in n:
        z.extract(n, w + "/so")
PY
  while IFS= read -r f; do files+=("$f"); done < <(find "$work/so" -type f | sort)
fi
bytes=$(du -cb "${files[@]}" | tail -1 | cut -f1)
echo "files: ${#files[@]}, $((bytes / 1000000)) MB; cuobjdump: $("$cuobjdump" --version | tail -1)"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
cuobj() { for f in "${files[@]}"; do "$cuobjdump" --list-elf --list-ptx "$f"; done; }

cuobj >/dev/null 2>&1 || true; "$forge" audit "${files[@]}" >/dev/null 2>&1 || true
c=$(for _ in $(seq "$runs"); do time_ms cuobj; done | median)
a=$(for _ in $(seq "$runs"); do time_ms "$forge" audit "${files[@]}"; done | median)
n=$(for _ in $(seq "$runs"); do time_ms "$forge" audit --no-kernels "${files[@]}"; done | median)
echo "cuobjdump --list-elf --list-ptx:   ${c} ms"
echo "sglang-forge audit (with kernels): ${a} ms  ($(awk "BEGIN {printf \"%.1f\", $c / ($a > 0 ? $a : 1)}")x faster)"
echo "sglang-forge audit --no-kernels:   ${n} ms  ($(awk "BEGIN {printf \"%.1f\", $c / ($n > 0 ? $n : 1)}")x faster)"
