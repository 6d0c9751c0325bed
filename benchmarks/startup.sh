#!/usr/bin/env bash
# The everyday commands' wall time (release build of scripts/build-release.sh: Swift runtime
# linked statically, position-dependent on Linux) side by side with HPC Container Maker rendering one recipe
# (benchmarks/hpccm_sglang_sm90_avx512.py), in one run. Each sample is a whole process run
# (start-up included); the median of RUNS samples is reported. Target (issue 13): `plan` on
# specs/main.yaml in at most 15 ms. Not a test: numbers depend on the machine and its load.
# SGLANG_FORGE=PATH times an existing binary (no build).
#
# 2026-12-02 (session 5), 2-core machine, load average 0.1, RUNS=21, after the executable split
# (median / min ms): /bin/true 0.7 / 0.6; --help 4.9 / 4.5; plan 17.1 / 15.8; plan --format json
# 23.1 / 21.8; validate 21.3 / 16.7; hpccm 76.7 / 56.9. Before the split, same machine: plan
# ~31-36 ms, --help ~15 ms.
# 2026-12-03 (session 6), RUNS=31, scripts/build-release.sh: plan 12.4 / 11.5 at load 0.5 (hpccm
# 73.4 / 64.1); in a slower phase of the VM plan 15.3 / 12.1 (hpccm 98.4 / 69.7). See README
# "Performance".
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-31}
command -v hpccm >/dev/null || { echo "hpccm not found: pip install hpccm" >&2; exit 1; }
bin=${SGLANG_FORGE:-$(scripts/build-release.sh sglang-forge 2>/dev/null | tail -1)/sglang-forge}
python3 - "$bin" "$RUNS" <<'PY'
import os, statistics, subprocess, sys, time
binary, runs = sys.argv[1], int(sys.argv[2])
def median_ms(argv):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, min(samples) * 1000
cases = [
    ("/bin/true (process start-up floor)", ["/bin/true"]),
    ("sglang-forge --help", [binary, "--help"]),
    ("sglang-forge plan specs/main.yaml", [binary, "plan", "specs/main.yaml"]),
    ("sglang-forge plan --format json specs/main.yaml", [binary, "plan", "--format", "json", "specs/main.yaml"]),
    ("sglang-forge validate specs/main.yaml", [binary, "validate", "specs/main.yaml"]),
    ("hpccm --recipe (1 variant, docker)", ["hpccm", "--recipe", "benchmarks/hpccm_sglang_sm90_avx512.py", "--format", "docker"]),
]
results = [(name, *median_ms(argv)) for name, argv in cases]
hpccm = results[-1][1]
print(f"binary: {binary}; median (and min) of {runs} runs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
print(f"{'':<50} {'median ms':>10} {'min ms':>8} {'hpccm / this':>13}")
for name, median, low in results:
    print(f"{name:<50} {median:>10.1f} {low:>8.1f} {hpccm / median:>13.1f}")
PY
