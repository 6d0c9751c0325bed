#!/usr/bin/env python3
"""Writes a valid spec with GPUS x ISAS variants to stdout (for benchmarks/plan.sh)."""
import sys

gpus, isas = int(sys.argv[1]), int(sys.argv[2])
caps = ["7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "12.0"]
out = ["format: 1",
       "runtime: {name: bench, component: app, platform: x86_64-linux, python: 3.12, glibc: 2.35, entry-point: app}",
       "cuda: {version: 12.8, min-driver: 550}",
       "nixpkgs: {owner: NixOS, repo: nixpkgs, rev: 0182a361324364ae3f436a63005877674cf45efb, tarball-hash: 'sha256:1i04bclcxsqhk172wvj74fcgk2sd7037mi9bgxp7jdx42886bl6h'}",
       "variants: {name: 'bench-{gpu}-{isa}', description: 'bench for {architecture} with {isa-label}'}",
       "isas:"]
for i in range(isas):
    out.append(f"  isa{i}: {{label: ISA {i}, flags: [-mavx2, -mfma]}}")
out.append("gpus:")
for g in range(gpus):
    out.append(f"  gpu{g}: {{architecture: Arch {g}, capabilities: [{caps[g % len(caps)]}], examples: [GPU {g}]}}")
out.append("matrix:")
out.append("  gpus: [" + ", ".join(f"gpu{g}" for g in range(gpus)) + "]")
out.append("  isas: [" + ", ".join(f"isa{i}" for i in range(isas)) + "]")
out.append("  overrides:")
out.append("    - {match: {gpu: gpu0}, build-env: {USE_CUDNN: '0'}, reason: bench}")
out.append("build: {max-jobs: 16, system-features: [big-parallel]}")
out.append("system-libraries: {libcuda: {sonames: [libcuda.so.1], provider: driver}}")
out.append("components:")
out.append("  app: {version: 1.0.0, kind: wheel, depends: [torch], links: [libcuda], python-deps: [numpy, scipy]}")
out.append("  torch: {version: 2.9.1, kind: source}")
print("\n".join(out))
