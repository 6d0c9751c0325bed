#!/usr/bin/env bash
# Kept for old links: the real-prefix benchmark is benchmarks/pack.sh (wall and CPU time of
# `pack` and of `tar --sort=name … | zstd -T0 -3` on a verbatim copy of this machine's Python).
exec "$(dirname "${BASH_SOURCE[0]}")/pack.sh" "$@"
