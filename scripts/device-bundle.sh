#!/usr/bin/env bash
# Prepares .device/ for scripts/device-check.sh on a GPU host without a Swift toolchain: a
# release build (scripts/build-release.sh: the Swift standard library linked statically), the non-glibc shared
# libraries it links (libyaml, libgit2, libarchive, liblz4, libzstd and their dependencies) and
# the tarball backend's runtime.json of VARIANT (default the sm90-avx512 variant).
set -euo pipefail
variant=${VARIANT:-sglang-python312-cuda12_8-sm90-avx512}
bin=$(scripts/build-release.sh sglang-forge | tail -1)
rm -rf .device && mkdir -p .device/lib
cp "$bin/sglang-forge" .device/
ldd "$bin/sglang-forge" | awk '/=> \// {print $3}' | while read -r lib; do
  case "$(basename "$lib")" in libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|libgcc_s.so*|libstdc++.so*) ;; *) cp -L "$lib" .device/lib/ ;; esac
done
tmp=$(mktemp -d)
"$bin/sglang-forge" emit --backend tarball specs/main.yaml -o "$tmp/t" --variant "$variant" > /dev/null
cp "$tmp/t/$variant/runtime.json" .device/runtime.json
rm -rf "$tmp"
grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo '/.device/' >> "$(git rev-parse --git-path info/exclude)"
du -sh .device
