#!/usr/bin/env python3
"""Writes Tests/Fixtures/bad/*.yaml: the minimal valid spec with one mistake each.

Each fixture's expected diagnostics live next to it in NAME.expected; regenerate those with
`scripts/regen-goldens.sh` and review the diff by eye.
"""
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
base = (root / "Tests/Fixtures/specs/minimal.yaml").read_text()
out = root / "Tests/Fixtures/bad"

# name -> (description, [(old, new), ...]) applied to the minimal spec.
cases = {
    "duplicate-key": ("a key written twice", [("  repo: nixpkgs\n", "  repo: nixpkgs\n  repo: nixpkgs-unstable\n")]),
    "unknown-key": ("a misspelled key", [("  platform: x86_64-linux\n", "  platfrom: x86_64-linux\n")]),
    "tab-indentation": ("a tab used for indentation", [("  max-jobs: 4\n", "\tmax-jobs: 4\n")]),
    "anchor-alias": ("an anchor and an alias", [("    flags: [-mavx2, -mfma]\n", "    flags: &flags [-mavx2, -mfma]\n  avx2b:\n    label: AVX2 again\n    flags: *flags\n")]),
    "laughs": ("a small 'billion laughs'", [("format: 1\n", "format: 1\nlol: &a [lol, lol]\nlol2: &b [*a, *a]\n")]),
    "multiple-documents": ("two YAML documents", [("    kind: source\n", "    kind: source\n---\nformat: 1\n")]),
    "syntax-error": ("an unclosed flow sequence", [("  isas: [avx2]\n", "  isas: [avx2\n")]),
    "yaml-tag": ("an explicit YAML tag", [("  python: 3.12\n", "  python: !!float 3.12\n")]),
    "wrong-integer": ("a word where a number belongs", [("  max-jobs: 4\n", "  max-jobs: many\n")]),
    "yes-is-not-bool": ("YAML 1.1 'yes' in a boolean field", [("    python-deps: [numpy]\n", "    python-deps: [numpy]\n    import-check: yes\n")]),
    "scalar-not-list": ("a scalar where a list belongs", [("    capabilities: [9.0]\n", "    capabilities: 9.0\n")]),
    "missing-key": ("a required key left out", [("  rev: 0182a361324364ae3f436a63005877674cf45efb\n", "")]),
    "format-version": ("an unsupported format", [("format: 1\n", "format: 2\n")]),
    "hash-length": ("a truncated hash", [("sha256:1i04bclcxsqhk172wvj74fcgk2sd7037mi9bgxp7jdx42886bl6h", "sha256:1i04bclcxsqhk172wvj74fcgk2sd7037mi9bgxp7jdx42886bl6")]),
    "hash-not-canonical": ("a base-32 hash with non-zero padding bits", [("sha256:1i04bclcxsqhk172wvj74fcgk2sd7037mi9bgxp7jdx42886bl6h", "sha256:zi04bclcxsqhk172wvj74fcgk2sd7037mi9bgxp7jdx42886bl6h")]),
    "rev-branch": ("a branch name instead of a commit", [("  rev: 0182a361324364ae3f436a63005877674cf45efb\n", "  rev: nixos-unstable\n")]),
    "url-without-hash": ("an artifact pinned by URL without a hash", [("    version: 1.0.0\n", "    version: 1.0.0\n    url: https://example.org/app-1.0.0-py3-none-any.whl\n")]),
    "md5-hash": ("an MD5 pin", [("    version: 1.0.0\n", "    version: 1.0.0\n    url: https://example.org/app-1.0.0-py3-none-any.whl\n    hash: md5:0123456789abcdef0123456789abcdef\n")]),
    "python-version": ("a Python version without a minor", [("  python: 3.12\n", "  python: 3\n")]),
    "kind-enum": ("an unknown component kind", [("    kind: source\n", "    kind: sourc\n")]),
    "isa-flag": ("an optimisation flag among ISA flags", [("    flags: [-mavx2, -mfma]\n", "    flags: [-mavx2, -O3]\n")]),
    "env-name": ("an invalid environment variable name", [("  max-jobs: 4\n", "  max-jobs: 4\n  env:\n    2FAST: \"1\"\n")]),
    "unknown-gpu": ("a misspelled GPU target in the matrix", [("  gpus: [sm90, sm120]\n", "  gpus: [sm90, sm12]\n")]),
    "unknown-depends": ("a misspelled component in depends", [("    depends: [torch]\n", "    depends: [torhc]\n")]),
    "unknown-link": ("an undefined system library", [("    links: [libcuda]\n", "    links: [libcuda, libnuma]\n")]),
    "cycle": ("a dependency cycle", [("    kind: source\n", "    kind: source\n    depends: [app]\n")]),
    "duplicate-variant-names": ("a name template that drops the GPU", [("  name: demo-{gpu}-{isa}\n", "  name: demo-{isa}\n")]),
    "capability-sm-form": ("sm_90 instead of 9.0", [("    capabilities: [9.0]\n", "    capabilities: [sm_90]\n")]),
    "capability-unknown": ("a capability no GPU has", [("    capabilities: [9.0]\n", "    capabilities: [8.8]\n")]),
    "capability-too-new": ("a capability newer than the toolkit", [("    capabilities: [12.0]\n", "    capabilities: [12.1]\n")]),
    "capability-dropped": ("a capability the toolkit dropped", [("  version: 12.8\n", "  version: 13.0\n"), ("    capabilities: [9.0]\n", "    capabilities: [6.1, 9.0]\n")]),
    "cuda-unknown": ("a CUDA release that never existed", [("  version: 12.8\n", "  version: 12.7\n")]),
    "family-mismatch": ("two members of a family with different versions", [("  torch:\n", "  fi-python:\n    version: 0.6.5\n    kind: wheel\n    family: flashinfer\n  fi-cubin:\n    version: 0.6.4\n    kind: wheel\n    family: flashinfer\n  torch:\n"), ("    depends: [torch]\n", "    depends: [torch, fi-python, fi-cubin]\n")]),
    "cuda-local-tag": ("a wheel built for another CUDA", [("    version: 1.0.0\n", "    version: 1.0.0+cu126\n")]),
    "wheel-python-tag": ("a wheel for another Python", [("    version: 1.0.0\n", "    version: 1.0.0\n    url: https://example.org/app-1.0.0-cp311-cp311-manylinux_2_28_x86_64.whl\n    hash: sha256-0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMQ=\n")]),
    "container-digest-in-image": ("a base image with its digest in the name", [("format: 1\n", "format: 1\ncontainer:\n  base-image: nvidia/cuda@sha256:24c8e3581ea6330038b0d374920721983312627f8adbfcf390bdb4b399d280ed\n")]),
    "container-image-no-tag": ("a base image without a tag", [("format: 1\n", "format: 1\ncontainer:\n  base-image: nvidia/cuda\n  base-digest: sha256:24c8e3581ea6330038b0d374920721983312627f8adbfcf390bdb4b399d280ed\n")]),
    "container-unknown-key": ("a misspelled key in 'container'", [("format: 1\n", "format: 1\ncontainer:\n  base-imag: nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04\n")]),
    "container-digest-sri-sha512": ("a sha512 base-image digest", [("format: 1\n", "format: 1\ncontainer:\n  base-image: nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04\n  base-digest: sha512:" + "0" * 128 + "\n")]),
    "wheel-glibc": ("a wheel needing a newer glibc than the target", [("    version: 1.0.0\n", "    version: 1.0.0\n    url: https://example.org/app-1.0.0-cp312-abi3-manylinux_2_39_x86_64.whl\n    hash: sha256-0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMQ=\n")]),
    "wheel-version": ("a wheel URL for another version", [("    version: 1.0.0\n", "    version: 1.0.0\n    url: https://example.org/app-1.0.1-py3-none-any.whl\n    hash: sha256-0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMQ=\n")]),
    "template-placeholder": ("an unknown template placeholder", [("  description: demo for {architecture}\n", "  description: demo for {arch}\n")]),
    "env-placeholder": ("an unknown placeholder in a runtime variable", [("build:\n", "environment:\n  CUDA_HOME:\n    value: \"{cuda.hom}\"\n\nbuild:\n")]),
    "reserved-build-env": ("a build variable the matrix owns", [("  max-jobs: 4\n", "  max-jobs: 4\n  env:\n    TORCH_CUDA_ARCH_LIST: \"9.0\"\n")]),
    "override-unknown-isa": ("an override for an undefined ISA", [("  isas: [avx2]\n", "  isas: [avx2]\n  overrides:\n    - match: { isa: avx512 }\n      build-env: { USE_CUDNN: \"0\" }\n      reason: test\n")]),
    "exclude-all": ("exclusions that leave nothing", [("  isas: [avx2]\n", "  isas: [avx2]\n  exclude:\n    - { isa: avx2 }\n")]),
    "python-dep-is-component": ("a component listed as a Python dependency", [("    python-deps: [numpy]\n", "    python-deps: [numpy, torch]\n")]),
    "depends-on-library": ("a system library listed in depends", [("    depends: [torch]\n", "    depends: [torch, libcuda]\n")]),
    # Spec text is data: one line, no control characters, located at the character (issue 15).
    "newline-in-description": ("a line feed in a free-text field (double-quoted escape)", [("  description: demo for {architecture}\n", "  description: \"demo\\nrm -rf / for {architecture}\"\n")]),
    "crlf-in-why": ("a CR LF in an environment variable's 'why'", [("build:\n", "environment:\n  HOME_DIR:\n    value: /opt\n    why: \"first\\r\\nsecond\"\n\nbuild:\n")]),
    "literal-block-value": ("a literal block scalar (several lines) as a value", [("  description: demo for {architecture}\n", "  description: |\n    demo for {architecture}\n    RUN touch /pwned\n")]),
    "nel-in-reason": ("a NEL escape in an override reason", [("  isas: [avx2]\n", "  isas: [avx2]\n  overrides:\n    - match: { gpu: sm90 }\n      max-jobs: 2\n      reason: \"slow\\Ninjected = 1;\"\n")]),
    "line-separator-in-name": ("a raw U+2028 in the runtime name", [("  name: demo\n", "  name: \"de\u2028mo\"\n")]),
    "escape-in-value": ("an ESC control character (\\e) in an environment value", [("build:\n", "environment:\n  TERM_COLOR:\n    value: \"\\e[31m\"\n\nbuild:\n")]),
    "tab-in-label": ("a tab inside a quoted ISA label", [("    label: AVX2\n", "    label: \"AV\\tX2\"\n")]),
    "nel-in-comment": ("a raw NEL and U+2028 in a comment, then an error: the line number must not shift", [("format: 1\n", "format: 1\n# a comment with \u0085 NEL and \u2028 LS inside\n"), ("  max-jobs: 4\n", "  max-jobs: many\n")]),
    "debian-name": ("a Debian package name with a shell metacharacter", [("    provider: driver\n", "    provider: driver\n  libnuma:\n    sonames: [libnuma.so.1]\n    provider: system\n    nixpkgs: numactl\n    debian: \"libnuma1; touch /pwned\"\n")]),
    "nixpkgs-attribute": ("a nixpkgs attribute that is not an attribute path", [("    provider: driver\n", "    provider: driver\n  libnuma:\n    sonames: [libnuma.so.1]\n    provider: system\n    nixpkgs: \"numactl ++ evil\"\n    debian: libnuma1\n")]),
    "system-feature": ("a Nix system feature with a space", [("  max-jobs: 4\n", "  max-jobs: 4\n  system-features: [big-parallel, \"kvm x\"]\n")]),
    "nixpkgs-owner": ("a nixpkgs owner with a slash", [("  owner: NixOS\n", "  owner: NixOS/evil\n")]),
    "runtime-name": ("a runtime name that is not a user name", [("  name: demo\n", "  name: Demo App\n")]),
    "isa-label": ("an ISA label with a quote", [("    label: AVX2\n", "    label: AVX2\"x\n")]),
    "credentials-in-url": ("a password in a component URL", [("    version: 1.0.0\n", "    version: 1.0.0\n    url: https://user:s3cret@example.org/app-1.0.0-py3-none-any.whl\n    hash: sha256-0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMQ=\n")]),
    "token-in-index": ("a token in lock.index", [("build:\n", "lock:\n  index: https://__token__:pypi-AgEIcHlwaS5vcmc@pypi.example.org/simple/\n\nbuild:\n")]),
    "token-query-in-index": ("a token query parameter in lock.index", [("build:\n", "lock:\n  index: https://pypi.example.org/simple/?token=abc123\n\nbuild:\n")]),
    "empty-matrix": ("an empty matrix", [("  gpus: [sm90, sm120]\n", "  gpus: []\n")]),
}

for name, (description, edits) in cases.items():
    text = base.replace("# A small valid spec: the base every bad-spec fixture changes in one place.\n", f"# Bad spec: {description}.\n")
    for old, new in edits:
        assert old in text, (name, old)
        text = text.replace(old, new, 1)
    (out / f"{name}.yaml").write_text(text)

# Input that cannot be written through text edits.
(out / "empty.yaml").write_text("# Bad spec: nothing but a comment.\n")
(out / "not-utf8.yaml").write_bytes(base.encode().replace(b"  name: demo\n", b"  name: d\xffmo\n"))
# Raw control characters, which YAML itself forbids: each reported where it is, not at 1:1.
(out / "raw-control-characters.yaml").write_bytes(base.encode().replace(b"  name: demo\n", b"  name: de\x07mo\n").replace(b"    label: AVX2\n", b"    label: AV\x1bX2\x7f\n"))
# A raw U+2028 and a raw NEL inside values (ordinary characters in YAML 1.2, line breaks to libyaml).
(out / "raw-line-separators.yaml").write_bytes(base.encode().replace(b"  name: demo\n", "  name: \"de\u2028mo\"\n".encode()).replace(b"  description: demo for {architecture}\n", "  description: demo\u0085for {architecture}\n".encode()))
print(f"{len(cases) + 4} fixtures")
