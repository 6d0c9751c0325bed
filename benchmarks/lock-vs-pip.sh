#!/usr/bin/env bash
# Wall time of `sglang-forge lock specs/main.yaml` against
# `pip install --dry-run --report` resolving the same pinned wheels without dependencies,
# measured in one run on one machine. Needs network access to PyPI.
#
# Both sides start cold: sglang-forge with an empty download cache and without the uv closure
# (pip resolves no closure either), pip with --no-cache-dir.
# Usage: benchmarks/lock-vs-pip.sh [path/to/sglang-forge]
set -euo pipefail
cd "$(dirname "$0")/.."
forge=${1:-.build/release/sglang-forge}
[ -x "$forge" ] || { swift build -c release --product sglang-forge-tools >/dev/null && swift build -c release --product sglang-forge >/dev/null; }
spec=specs/main.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The index wheels of the spec, exactly pinned (the URL-pinned jit-cache wheel is not on PyPI).
pins=(sglang==0.5.9 sgl-kernel==0.3.21 flashinfer-python==0.6.5 flashinfer-cubin==0.6.5 apache-tvm-ffi==0.1.9 xgrammar==0.1.27)

# pip's --platform does not imply older glibc tags: list every manylinux tag up to glibc 2.35,
# which is the set sglang-forge accepts for runtime.glibc 2.35.
platforms=()
for minor in $(seq 35 -1 5); do platforms+=(--platform "manylinux_2_${minor}_x86_64"); done
platforms+=(--platform manylinux2014_x86_64 --platform manylinux2010_x86_64 --platform manylinux1_x86_64)

now() { date +%s.%N; }

t0=$(now)
"$forge" lock "$spec" --lock "$work/main.lock" --no-closure --cache-dir "$work/cache" >/dev/null 2>"$work/forge.err" || true
t1=$(now)
pip install --dry-run --report "$work/pip-report.json" --no-deps --no-cache-dir --ignore-installed \
    --only-binary=:all: --python-version 3.12 "${platforms[@]}" --implementation cp \
    --target "$work/pip-target" --quiet "${pins[@]}" 2>"$work/pip.err"
t2=$(now)

forge_s=$(echo "$t1 - $t0" | bc)
pip_s=$(echo "$t2 - $t1" | bc)
artifacts=$(grep -c '"component"' "$work/main.lock" || true)
resolved=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["install"]))' "$work/pip-report.json")
printf '%-58s %8s  %s\n' "command" "wall s" "result"
printf '%-58s %8.2f  %s artifacts locked (sha256 + Requires-Dist)\n' "sglang-forge lock (cold cache, --no-closure)" "$forge_s" "$artifacts"
printf '%-58s %8.2f  %s wheels resolved\n' "pip install --dry-run --report --no-deps (no cache)" "$pip_s" "$resolved"
