#!/usr/bin/env bash
# narHash of a large real tree: from git objects (sglang-forge, no checkout) versus Nix on a
# checkout of the same commit, in one run. Not a test: prints timings and ratios.
#
#   benchmarks/narhash.sh [BARE_REPO [TAG [RUNS]]]
#
# Defaults: /opt/swift-packages/apple/swift-crypto.git at 4.5.2 (about 1,000 files, 38 MiB),
# 10 runs each; the median is reported. Needs git, tar, nix-hash (Debian nix-bin) and a
# release build (made here).
set -euo pipefail
cd "$(dirname "$0")/.."

repo=${1:-/opt/swift-packages/apple/swift-crypto.git}
tag=${2:-4.5.2}
runs=${3:-10}
[ -d "$repo" ] || { echo "skipped: $repo is absent" >&2; exit 0; }

swift build -c release --product sglang-forge-tools >&2 && swift build -c release --product sglang-forge >&2
bin="$(swift build -c release --show-bin-path)/sglang-forge"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s%N; }
# CPU seconds (user + system, children included) of a command; its stdout goes to $work/out.
cpu() { /usr/bin/time -f "%U %S" -o "$work/time" "$@" > "$work/out"; awk '{printf "%d\n", ($1 + $2) * 1e9}' "$work/time"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

ours_ns=() checkout_ns=() nix_ns=() ours_cpu=() checkout_cpu=() nix_cpu=()
ours_hash="" nix_hash=""
for ((i = 0; i < runs; i++)); do
  t0=$(now)
  ours_hash=$("$bin" pin nar-hash "$repo" "$tag" | awk '$1 == "nixBase32" {print $2}')
  t1=$(now)
  rm -rf "$work/checkout" && mkdir "$work/checkout"
  git -C "$repo" archive --format=tar "$tag" | tar -x -C "$work/checkout"
  t2=$(now)
  nix_hash=$(nix-hash --type sha256 --base32 "$work/checkout")
  t3=$(now)
  ours_ns+=($((t1 - t0))) checkout_ns+=($((t2 - t1))) nix_ns+=($((t3 - t2)))
  # The same three steps again under /usr/bin/time, for CPU time (less sensitive to a loaded machine).
  ours_cpu+=($(cpu "$bin" pin nar-hash "$repo" "$tag"))
  rm -rf "$work/checkout" && mkdir "$work/checkout"
  checkout_cpu+=($(cpu sh -c "git -C '$repo' archive --format=tar '$tag' | tar -x -C '$work/checkout'"))
  nix_cpu+=($(cpu nix-hash --type sha256 --base32 "$work/checkout"))
done

if [ "$ours_hash" != "$nix_hash" ]; then
  echo "MISMATCH: sglang-forge $ours_hash, nix-hash $nix_hash" >&2
  exit 1
fi

ours=$(printf '%s\n' "${ours_ns[@]}" | median)
checkout=$(printf '%s\n' "${checkout_ns[@]}" | median)
nix=$(printf '%s\n' "${nix_ns[@]}" | median)
ours_c=$(printf '%s\n' "${ours_cpu[@]}" | median)
checkout_c=$(printf '%s\n' "${checkout_cpu[@]}" | median)
nix_c=$(printf '%s\n' "${nix_cpu[@]}" | median)
awk -v o="$ours" -v c="$checkout" -v n="$nix" -v oc="$ours_c" -v cc="$checkout_c" -v nc="$nix_c" -v r="$runs" -v repo="$repo" -v tag="$tag" -v h="$ours_hash" 'BEGIN {
  printf "tree: %s at %s, narHash sha256:%s (equal to nix-hash)\n", repo, tag, h
  printf "median of %d runs                          wall ms   CPU ms\n", r
  printf "  sglang-forge pin nar-hash (git objects): %8.1f %8.1f\n", o / 1e6, oc / 1e6
  printf "  git archive | tar -x (the checkout):     %8.1f %8.1f\n", c / 1e6, cc / 1e6
  printf "  nix-hash on the checkout:                %8.1f %8.1f\n", n / 1e6, nc / 1e6
  printf "ratio (checkout + nix-hash) / ours:  wall %.2f  CPU %.2f\n", (c + n) / o, (cc + nc) / oc
  printf "ratio nix-hash alone / ours:         wall %.2f  CPU %.2f\n", n / o, nc / oc
}'
