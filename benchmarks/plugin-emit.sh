#!/usr/bin/env bash
# `emit` through the plugin protocol next to a built-in backend (release builds), in one run:
# the cost of the process round trip (spawn, the plan as JSON on stdin, the response on stdout,
# decoding and checking it). Rows:
#   plan --format json           what the host does before any backend runs (plan + JSON)
#   emit, no-op shell plugin     the host plus a plugin that reads the request and answers
#                                {"protocol": 1}: the protocol's own overhead over the row above
#   emit --backend container     a built-in, in process
#   emit --plugin apptainer      the Apptainer plugin (a Swift plugin on PluginKit), 39 files
#   apptainer plugin alone       the same plugin fed the saved request: its own process cost
# Each sample is a whole process run into a fresh output directory; medians of RUNS runs.
# On specs/main.yaml with its lock (14 variants). Not a test: numbers depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-21}
bin=${SGLANG_FORGE:-$(scripts/build-release.sh sglang-forge sglang-forge-backend-apptainer 2>/dev/null | tail -1)/sglang-forge}
plugin=$(dirname "$bin")/sglang-forge-backend-apptainer
spec=specs/main.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '#!/bin/sh\ncat > /dev/null\necho %s\n' "'{\"protocol\": 1}'" > "$work/sglang-forge-backend-noop"
chmod +x "$work/sglang-forge-backend-noop"
# The exact request the host sends, saved once, for the plugin-alone row.
printf '#!/bin/sh\ncat > %s\necho %s\n' "$work/request.json" "'{\"protocol\": 1}'" > "$work/sglang-forge-backend-save"
chmod +x "$work/sglang-forge-backend-save"
"$bin" emit --plugin "$work/sglang-forge-backend-save" "$spec" -o "$work/saved" 2>/dev/null

python3 - "$bin" "$plugin" "$RUNS" "$work" "$spec" <<'PY'
import os, statistics, subprocess, sys, time
binary, plugin, runs, work, spec = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
request = open(f"{work}/request.json", "rb").read()
def median_ms(make_argv, stdin=None):
    samples = []
    for i in range(runs):
        start = time.perf_counter()
        subprocess.run(make_argv(i), check=True, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000
emit = [binary, "emit", spec]
rows = [
    ("plan --format json (host's planning)", median_ms(lambda i: [binary, "plan", "--format", "json", spec])),
    ("emit, no-op shell plugin", median_ms(lambda i: emit + ["--plugin", f"{work}/sglang-forge-backend-noop", "-o", f"{work}/noop-{i}"])),
    ("emit --backend container (built-in)", median_ms(lambda i: emit + ["--backend", "container", "-o", f"{work}/container-{i}"])),
    ("emit --plugin apptainer (Swift plugin)", median_ms(lambda i: emit + ["--plugin", plugin, "-o", f"{work}/apptainer-{i}"])),
    ("apptainer plugin alone (saved request)", median_ms(lambda i: [plugin], stdin=request)),
]
print(f"spec: {spec}; request {len(request)} bytes; median of {runs} runs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
for name, ms in rows:
    print(f"{name:<42} {ms:>8.1f} ms")
print(f"{'protocol round trip (no-op plugin - plan)':<42} {rows[1][1] - rows[0][1]:>8.1f} ms")
PY
