#!/bin/sh
# Regenerates the Nix backend's golden files (Tests/ForgeTests/Fixtures/golden/nix/<spec>-<layout>)
# from the current sources. Goldens for specs/main.yaml are written once its wheels are locked
# (until then `emit` reports the unpinned wheels and the old golden directory is removed).
# Review the result with `git diff` before committing it; CI fails when goldens are stale.
set -eu
cd "$(dirname "$0")/.."
swift build --product sglang-forge
bin=.build/debug/sglang-forge
golden=Tests/ForgeTests/Fixtures/golden/nix

emit() { # spec name layout
    out="$golden/$2-$3"
    rm -rf "$out"
    if "$bin" emit --backend nix --layout "$3" "$1" -o "$out"; then
        rm -f "$out/.sglang-forge-manifest"
    else
        rm -rf "$out"
        echo "regen-goldens: $1 ($3) not emitted; no goldens for it" >&2
    fi
}

for layout in flake flox; do
    emit Tests/ForgeTests/Fixtures/specs/pinned.yaml pinned "$layout"
    emit specs/main.yaml main "$layout"
done
