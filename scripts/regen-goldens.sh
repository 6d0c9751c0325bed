#!/usr/bin/env bash
# Regenerates every golden file (plan outputs, bad-spec diagnostics, backend trees) from the
# current code. Review the result with `git diff` before committing: a golden file is only as
# good as the reading it got.
set -euo pipefail
cd "$(dirname "$0")/.."
SGLANG_FORGE_REGENERATE_GOLDENS=1 swift test "$@"
git status --short Tests/ForgeTests/Fixtures
