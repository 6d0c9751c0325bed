#!/bin/sh
# Wall time of `sglang-forge emit --backend nix` (release build), not a test:
#   1. specs/main.yaml with its lock, both layouts;
#   2. a generated spec with GPUS x ISAS variants (default 60 x 50 = 3000), both layouts, with
#      specs/main.lock and its closure beside it (the matrix is not a lock input).
# Usage: benchmarks/nix-emit.sh [GPUS [ISAS [RUNS]]]   (needs python3 and bc)
set -eu
cd "$(dirname "$0")/.."
gpus=${1:-60}; isas=${2:-50}; runs=${3:-5}
swift build -c release --product sglang-forge >/dev/null
bin=.build/release/sglang-forge
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

spec=specs/main.yaml

# The big spec: specs/main.yaml with its gpus/isas/matrix sections replaced, and its lock.
cp specs/main.lock "$work/big.lock"
cp specs/main.closure.txt "$work/main.closure.txt"
python3 - "$gpus" "$isas" specs/main.yaml > "$work/big.yaml" <<'PY'
import sys
gpus, isas, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
caps = ["7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "12.0"]
out, skip = [], False
for line in open(path).read().split("\n"):
    top = line[:1] not in ("", " ", "#")
    if top:
        skip = line.split(":")[0] in ("isas", "gpus", "matrix")
        if line.startswith("isas:"):
            out.append("isas:")
            for i in range(isas):
                out += [f"  isa{i}:", f"    label: ISA {i}", f"    flags: [-mavx2, -mfma, -mtune=t{i}]"]
        if line.startswith("gpus:"):
            out.append("gpus:")
            for g in range(gpus):
                out += [f"  g{g}:", "    architecture: Synthetic", f"    capabilities: [{caps[g % len(caps)]}]", "    examples: [none]"]
        if line.startswith("matrix:"):
            out += ["matrix:", "  gpus: [" + ", ".join(f"g{g}" for g in range(gpus)) + "]",
                    "  isas: [" + ", ".join(f"isa{i}" for i in range(isas)) + "]", "  exclude: []", "  overrides: []"]
    if not skip:
        out.append(line)
print("\n".join(out))
PY

now() { date +%s.%N; }
measure() { # label spec layout [extra emit flag]
    best=""; total=0
    for i in $(seq "$runs"); do
        rm -rf "$work/out"
        t0=$(now); "$bin" emit --backend nix --layout "$3" "$2" -o "$work/out" ${4:-} >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }; t1=$(now)
        t=$(echo "$t1 - $t0" | bc -l)
        total=$(echo "$total + $t" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    files=$("$bin" emit --backend nix --layout "$3" "$2" -o "$work/count" --dry-run 2>/dev/null | wc -l)
    printf '%-34s %-6s %-10s %6s files  best %.3f s  mean %.3f s  (%s runs)\n' "$1" "$3" "${4:-write}" "$files" "$best" "$(echo "$total / $runs" | bc -l)" "$runs"
}
variants=$("$bin" validate "$work/big.yaml" 2>&1 | sed -n 's/.*ok, \([0-9]*\) variants/\1/p')
for layout in flake flox; do measure "$spec" "$spec" "$layout"; done
for layout in flake flox; do measure "generated spec, $variants variants" "$work/big.yaml" "$layout"; done
# --dry-run: plan + render + comparison, no files written (separates the backend from the disk).
for layout in flake flox; do measure "generated spec, $variants variants" "$work/big.yaml" "$layout" --dry-run; done
