#!/usr/bin/env bash
# Regenerates the golden files of one backend from the CLI, so that what the goldens pin is
# exactly what `sglang-forge emit` writes. Review the diff (`git diff Tests/ForgeTests/Fixtures/goldens`)
# before committing; CI runs the golden tests, which fail on any difference.
#
#   scripts/regen-goldens.sh container          goldens of the fixture spec (pinned.yaml)
#   scripts/regen-goldens.sh container --main   also specs/main.yaml, once `sglang-forge lock`
#                                               pins every wheel and the Python closure
set -euo pipefail
cd "$(dirname "$0")/.."

backend="${1:?usage: scripts/regen-goldens.sh container [--main]}"
shift
with_main=0
for arg in "$@"; do
  case "$arg" in
    --main) with_main=1 ;;
    *) echo "unknown option: $arg" >&2; exit 64 ;;
  esac
done

swift build --product sglang-forge >&2
forge="$(swift build --show-bin-path)/sglang-forge"
fixtures=Tests/ForgeTests/Fixtures
goldens="$fixtures/goldens/$backend"

emit() { # emit OUT_DIR SPEC [extra emit options...]
  local out="$1" spec="$2"
  shift 2
  rm -rf "$out"
  "$forge" emit --backend "$backend" "$spec" -o "$out" --force "$@"
  rm -f "$out/.sglang-forge-manifest" # the writer's bookkeeping, not part of the golden
}

case "$backend" in
  container)
    closure="$fixtures/specs/pinned.closure.txt"
    emit "$goldens/bake" "$fixtures/specs/pinned.yaml" --python-closure "$closure"
    emit "$goldens/per-variant" "$fixtures/specs/pinned.yaml" --python-closure "$closure" --per-variant
    if [ "$with_main" = 1 ]; then
      emit "$goldens/main" specs/main.yaml
    fi
    ;;
  *)
    echo "no goldens for backend '$backend' in this script" >&2
    exit 64
    ;;
esac
echo "regenerated $goldens" >&2
