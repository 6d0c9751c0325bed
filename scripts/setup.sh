#!/usr/bin/env bash
# Installs what building and testing sglang-forge needs on a fresh Debian/Ubuntu machine with the
# Swift 6 toolchain on PATH. Idempotent; run as root (or through sudo).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

apt_packages=(
  libyaml-dev   # the YAML parser (pkg-config yaml-0.1)
  nix-bin       # test oracle: Nix parsing, evaluation and NAR hashes
)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
