#!/usr/bin/env bash
# Release build of the given products (default: sglang-forge) the way they are measured and
# shipped: the Swift runtime and Foundation linked statically (--static-swift-stdlib), and on Linux
# a position-dependent executable (clang -no-pie, Go's default for its binaries), so start-up
# applies no relative relocations: readelf -r counts 87,899 in the PIE build and 961 here, about
# 1 ms of `plan`'s 15 ms budget (issue 13 §5, README "Performance"). The executable's own image
# loses ASLR. Only with the static runtime: against libswiftCore.so a non-PIE executable makes the
# dynamic loader warn about protected symbols. Prints the directory of the built products last.
# Extra `swift build` arguments (e.g. --scratch-path DIR) come from BUILD_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release --static-swift-stdlib)
if [ "$(uname -s)" = Linux ]; then flags+=(-Xswiftc -Xclang-linker -Xswiftc -no-pie); fi
# shellcheck disable=SC2206
extra=(${BUILD_ARGS:-})
for product in "${@:-sglang-forge}"; do
  swift build "${flags[@]}" "${extra[@]}" --product "$product" >&2
done
swift build "${flags[@]}" "${extra[@]}" --show-bin-path
