#!/usr/bin/env bash
# Regenerates golden files from the current code. Review the result with `git diff` before
# committing: a golden file is only as good as the reading it got.
#
#   scripts/regen-goldens.sh [swift test options]   every golden file (plan outputs, bad-spec
#                                                   diagnostics, backend trees)
#   scripts/regen-goldens.sh container              only the container backend's goldens
#                                                   (Fixtures/golden/container/{bake,per-variant},
#                                                   from the fixture spec specs/pinned.yaml)
#   scripts/regen-goldens.sh container --main       also Fixtures/golden/container/main from
#                                                   specs/main.yaml, through `sglang-forge emit`;
#                                                   needs every wheel locked, the Python closure and
#                                                   the torch source hash in the spec
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  container)
    shift
    SGLANG_FORGE_REGENERATE_GOLDENS=1 swift test --filter Container
    if [ "${1:-}" = "--main" ]; then
      forge="$(swift build --show-bin-path)/sglang-forge"
      out=Tests/ForgeTests/Fixtures/golden/container/main
      rm -rf "$out"
      "$forge" emit --backend container specs/main.yaml -o "$out" --force
      rm -f "$out/.sglang-forge-manifest" # the writer's bookkeeping, not part of the golden
    fi
    ;;
  *)
    SGLANG_FORGE_REGENERATE_GOLDENS=1 swift test "$@"
    ;;
esac
git status --short Tests/ForgeTests/Fixtures
