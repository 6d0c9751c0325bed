#!/usr/bin/env bash
# Wall time of `sglang-forge plan` (release build) on specs/main.yaml and on generated specs with
# 1,000 to 16,000 variants, to check the cost is small and linear in the number of variants.
# Prints the median of RUNS runs per input. Not a test: numbers depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-15}
# The same build as benchmarks/startup.sh (scripts/build-release.sh); SGLANG_FORGE=PATH
# measures an existing binary instead.
bin=${SGLANG_FORGE:-$(scripts/build-release.sh sglang-forge 2>/dev/null | tail -1)/sglang-forge}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
inputs=("specs/main.yaml")
for n in 1000 2000 4000 8000 16000; do
  python3 benchmarks/gen_spec.py $((n / 10)) 10 > "$work/spec-$n.yaml"
  inputs+=("$work/spec-$n.yaml")
done
python3 - "$bin" "$RUNS" "${inputs[@]}" <<'PY'
import statistics, subprocess, sys, time
binary, runs, specs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print(f"{'spec':<28} {'variants':>8} {'text ms':>9} {'json ms':>9} {'us/variant (json)':>18}")
for spec in specs:
    timings = {}
    for fmt in ("text", "json"):
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            out = subprocess.run([binary, "plan", spec, "--format", fmt], capture_output=True, check=True)
            samples.append(time.perf_counter() - start)
        timings[fmt] = statistics.median(samples) * 1000
    variants = out.stdout.count(b'"torchCudaArchList"')
    name = spec.split("/")[-1]
    print(f"{name:<28} {variants:>8} {timings['text']:>9.1f} {timings['json']:>9.1f} {timings['json'] * 1000 / variants:>18.1f}")
PY
