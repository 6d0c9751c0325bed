#!/usr/bin/env bash
# Wall time of `sglang-forge lock specs/main.yaml` (component wheels + the uv closure + the
# Requires-Dist of every closure wheel by range requests), warm and cold, and of the offline
# `sglang-forge check specs/main.yaml` (target: under 100 ms). Needs network access to PyPI.
#
#   warm: the download cache and uv's cache as a previous `lock` left them
#   cold: an empty sglang-forge download cache (--cache-dir) and an empty uv cache (UV_CACHE_DIR)
# The lock is written into a scratch directory; specs/ is not touched.
# Usage: benchmarks/lock-closure.sh [path/to/sglang-forge] [check runs]
set -euo pipefail
cd "$(dirname "$0")/.."
forge=${1:-.build/release/sglang-forge}
runs=${2:-20}
[ -x "$forge" ] || { swift build -c release --product sglang-forge-tools >/dev/null && swift build -c release --product sglang-forge >/dev/null; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp specs/main.yaml "$work/main.yaml"

now() { date +%s.%N; }
measure() { # label, command...
  local label=$1; shift
  local t0 t1
  t0=$(now); "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; exit 1; }; t1=$(now)
  printf '%-62s %8.2f\n' "$label" "$(echo "$t1 - $t0" | bc)"
}

printf '%-62s %8s\n' "command" "wall s"
# Warm: run once to fill the caches, then measure.
"$forge" lock "$work/main.yaml" >/dev/null 2>&1
measure "sglang-forge lock (warm caches)" "$forge" lock "$work/main.yaml"
cmp -s "$work/main.closure.txt" specs/main.closure.txt && echo "  closure identical to specs/main.closure.txt" || echo "  closure DIFFERS from specs/main.closure.txt"
mkdir -p "$work/cold-cache" "$work/cold-uv"
measure "sglang-forge lock (cold: empty download and uv caches)" env UV_CACHE_DIR="$work/cold-uv" "$forge" lock "$work/main.yaml" --cache-dir "$work/cold-cache"
cmp -s "$work/main.closure.txt" specs/main.closure.txt && echo "  closure identical to specs/main.closure.txt" || echo "  closure DIFFERS from specs/main.closure.txt"

# check: offline; the median of $runs runs, wall time and user+system CPU time (the machine may be
# shared: CPU time is what the command itself costs).
walls=(); cpus=()
for _ in $(seq "$runs"); do
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$forge" check specs/main.yaml >/dev/null 2>&1
  read -r wall user sys < "$work/time"
  walls+=("$(echo "$wall * 1000" | bc)"); cpus+=("$(echo "($user + $sys) * 1000" | bc)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-62s %8.0f ms wall, %.0f ms CPU (medians of %s; load average %s)\n' "sglang-forge check specs/main.yaml" \
  "$(median "${walls[@]}")" "$(median "${cpus[@]}")" "$runs" "$(cut -d' ' -f1 /proc/loadavg)"
