#!/usr/bin/env bash
# Regenerates golden files from the current code. Review the result with `git diff` before
# committing: a golden file is only as good as the reading it got.
#
#   scripts/regen-goldens.sh               everything below
#   scripts/regen-goldens.sh tests [ARGS]  goldens the tests write themselves (plan outputs,
#                                          bad-spec diagnostics, container trees), via
#                                          SGLANG_FORGE_REGENERATE_GOLDENS=1 swift test ARGS
#   scripts/regen-goldens.sh container [--main]
#                                          only the container goldens; --main also writes
#                                          Fixtures/golden/container/main from specs/main.yaml
#                                          and its lock (`all` does too)
#   scripts/regen-goldens.sh nix           the Nix trees (Fixtures/golden/nix/main-<layout>) of
#                                          specs/main.yaml with its lock
set -euo pipefail
cd "$(dirname "$0")/.."

forge() { "$(swift build --show-bin-path)/sglang-forge" "$@"; }

emit_golden() { # backend spec out [emit options...]
  local backend=$1 spec=$2 out=$3
  shift 3
  rm -rf "$out"
  if forge emit --backend "$backend" "$spec" -o "$out" --force "$@"; then
    rm -f "$out/.sglang-forge-manifest" # the writer's bookkeeping, not part of the golden
  else
    rm -rf "$out"
    echo "regen-goldens: $spec ($backend $*) not emitted; no goldens for it" >&2
  fi
}

container() {
  SGLANG_FORGE_REGENERATE_GOLDENS=1 swift test --filter Container
  if [ "${1:-}" = "--main" ]; then
    emit_golden container specs/main.yaml Tests/ForgeTests/Fixtures/golden/container/main
  fi
}

nix() {
  swift build --product sglang-forge
  local golden=Tests/ForgeTests/Fixtures/golden/nix
  for layout in flake flox; do
    emit_golden nix specs/main.yaml "$golden/main-$layout" --layout "$layout"
  done
}

case "${1:-all}" in
  tests) shift; SGLANG_FORGE_REGENERATE_GOLDENS=1 swift test "$@" ;;
  container) shift; container "$@" ;;
  nix) nix ;;
  all) SGLANG_FORGE_REGENERATE_GOLDENS=1 swift test; nix
       emit_golden container specs/main.yaml Tests/ForgeTests/Fixtures/golden/container/main ;;
  *) echo "usage: $0 [all | tests [swift test args] | container [--main] | nix]" >&2; exit 64 ;;
esac
git status --short Tests/ForgeTests/Fixtures
