#!/usr/bin/env bash
# The one way to regenerate golden files: every backend's (nix, container, tarball, the Apptainer
# plugin), the plan renderings and the bad-spec diagnostics. Review `git diff` before committing:
# a golden file is only as good as the reading it got.
#
#   scripts/regen-goldens.sh               everything: the goldens the tests write themselves
#                                          (SGLANG_FORGE_REGENERATE_GOLDENS=1 swift test) and the
#                                          trees written through `sglang-forge emit`
#   scripts/regen-goldens.sh tests [ARGS]  only the test-written goldens (plan outputs, bad-spec
#                                          diagnostics, container and Apptainer trees), ARGS for swift test
#   scripts/regen-goldens.sh emitted       only the emit-written trees of specs/main.yaml with its
#                                          lock: nix (flake and flox), tarball (also its fixture),
#                                          container and the Apptainer plugin
#   scripts/regen-goldens.sh check         CI: regenerate the emit-written trees with the built
#                                          binaries and fail when that changes a committed golden
#                                          (the test-written ones are compared by `swift test` itself)
# SGLANG_FORGE=path/to/sglang-forge uses that binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."

fixtures=Tests/Fixtures
forge_binary() {
  if [ -n "${SGLANG_FORGE:-}" ]; then echo "$SGLANG_FORGE"; return; fi
  local bin
  bin=$(swift build --show-bin-path)
  if [ ! -x "$bin/sglang-forge" ] || [ ! -x "$bin/sglang-forge-backend-apptainer" ] || [ "${1:-}" != --no-build ]; then
    swift build --product sglang-forge >&2
    swift build --product sglang-forge-backend-apptainer >&2
  fi
  echo "$bin/sglang-forge"
}

emit_golden() { # out spec [emit options...]: the tree, or no golden when the spec does not emit
  local out=$1 spec=$2
  shift 2
  rm -rf "$out"
  if "$forge" emit "$spec" -o "$out" --force "$@" 2>"$scratch/stderr"; then
    rm -f "$out/.sglang-forge-manifest" # the writer's bookkeeping, not part of the golden
  else
    rm -rf "$out"
    echo "regen-goldens: $spec ($*) does not emit; no goldens for it: $(head -n 1 "$scratch/stderr")" >&2
  fi
}

emitted() {
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' RETURN
  local golden=$fixtures/golden/nix
  for layout in flake flox; do
    emit_golden "$golden/main-$layout" specs/main.yaml --backend nix --layout "$layout"
  done
  emit_golden $fixtures/tarball/golden $fixtures/tarball/spec.yaml --backend tarball
  emit_golden $fixtures/tarball/golden-main specs/main.yaml --backend tarball
  emit_golden $fixtures/golden/container/main specs/main.yaml --backend container
  emit_golden Tests/ApptainerTests/Fixtures/golden/main specs/main.yaml \
    --plugin "$(dirname "$forge")/sglang-forge-backend-apptainer"
}

golden_paths=($fixtures/golden $fixtures/tarball/golden $fixtures/tarball/golden-main Tests/ApptainerTests/Fixtures/golden)

case "${1:-all}" in
  tests) shift; SGLANG_FORGE_REGENERATE_GOLDENS=1 swift test "$@" ;;
  emitted) forge=$(forge_binary); emitted ;;
  check)
    forge=$(forge_binary --no-build)
    emitted
    if [ -n "$(git status --porcelain -- "${golden_paths[@]}")" ]; then
      git status --short -- "${golden_paths[@]}" >&2
      git --no-pager diff --stat -- "${golden_paths[@]}" >&2
      echo "regen-goldens: regenerating changed committed goldens; run scripts/regen-goldens.sh, review and commit" >&2
      exit 1
    fi
    echo "regen-goldens: every emit-written golden is up to date" >&2
    exit 0
    ;;
  all) SGLANG_FORGE_REGENERATE_GOLDENS=1 swift test; forge=$(forge_binary); emitted ;;
  *) echo "usage: $0 [all | tests [swift test args] | emitted | check]" >&2; exit 64 ;;
esac
git status --short -- "${golden_paths[@]}"
