#!/usr/bin/env bash
# Cold-cache wall time and bytes downloaded of `sglang-forge bump --dry-run specs/main.yaml`
# (discovery: both index views of every component, candidates' metadata through PEP 658 or HTTP
# range requests), against the bytes the same metadata reads would cost by downloading each wheel
# whole (what `pip download --no-deps` of every candidate would fetch). Needs network access to
# PyPI. Validation (re-lock, which downloads the wheels of a proposal) and nixpkgs (GitHub) are
# left out: they are not discovery, and GitHub is unreachable where this was written.
# Usage: benchmarks/bump-dry-run.sh [path/to/sglang-forge]
set -euo pipefail
cd "$(dirname "$0")/.."
forge=${1:-.build/release/sglang-forge}
[ -x "$forge" ] || { swift build -c release --product sglang-forge-tools >/dev/null && swift build -c release --product sglang-forge >/dev/null; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

t0=$(date +%s.%N)
status=0
"$forge" bump --dry-run --no-validate --no-nixpkgs --format json --cache-dir "$work/cache" specs/main.yaml >"$work/report.json" 2>"$work/err" || status=$?
t1=$(date +%s.%N)
python3 - "$work/report.json" "$(echo "$t1 - $t0" | bc)" "$status" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
wall, status = float(sys.argv[2]), sys.argv[3]
reads = report["metadataReads"]
whole = sum(r.get("size") or 0 for r in reads)
got = report["bytesDownloaded"]
origins = {}
for r in reads:
    origins[r["origin"]] = origins.get(r["origin"], 0) + 1
print(f"bump --dry-run specs/main.yaml (cold cache): {wall:.1f} s wall, exit {status}")
print(f"  proposals: {', '.join(p['group'] + ' [' + p['status'] + ']' for p in report['proposals'])}")
print(f"  HTTP responses: {report['responses']}, bytes downloaded: {got:,} ({got / 2**20:.1f} MiB)")
print(f"  wheels whose metadata was read: {len(reads)} ({', '.join(f'{v} {k}' for k, v in sorted(origins.items()))})")
print(f"  their sizes, i.e. downloading them whole: {whole:,} bytes ({whole / 2**30:.2f} GiB)")
if whole:
    print(f"  bump downloaded {100 * got / whole:.2f}% of that (index pages included)")
PY
