#!/usr/bin/env bash
# Regenerates the tarball backend's golden files (Tests/Fixtures/tarball/golden) from
# the fixture spec, and with --fixture first rebuilds that fixture: specs/main.yaml with every
# unpinned wheel component pinned by url + sha256 from PyPI's JSON API (network: pypi.org).
#
#   scripts/tarball-goldens.sh [--fixture]
# Without --fixture it only regenerates the goldens (scripts/regen-goldens.sh emitted).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fixture=Tests/Fixtures/tarball/spec.yaml
golden=Tests/Fixtures/tarball/golden

if [ "${1:-}" = --fixture ]; then
    python3 - specs/main.yaml "$fixture" <<'PY'
import json, re, sys, urllib.request
source, target = sys.argv[1], sys.argv[2]
text = open(source).read()
lines = text.split("\n")
# Component blocks: two-space-indented keys under `components:`.
start = lines.index("components:")
out, i = lines[:start + 1], start + 1
def best_wheel(name, version):
    data = json.load(urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=60))
    candidates = []
    for f in data["releases"].get(version, []):
        fn = f["filename"]
        if not fn.endswith(".whl"):
            continue
        tags = fn[:-4].split("-")[-3:]
        py, abi, plat = tags
        if not (py.startswith("py3") or py in ("cp312",) or abi == "abi3"):
            continue
        if plat == "any":
            glibc = (0, 0)
        else:
            m = [re.match(r"manylinux_(\d+)_(\d+)_x86_64|manylinux(2014|2010|1)_x86_64", p) for p in plat.split(".")]
            versions = []
            for x in m:
                if not x: continue
                if x.group(1): versions.append((int(x.group(1)), int(x.group(2))))
                else: versions.append({"2014": (2, 17), "2010": (2, 12), "1": (2, 5)}[x.group(3)])
            if not versions: continue
            glibc = min(versions)
        url = re.sub(r"^(\.\./)+packages/", "https://files.pythonhosted.org/", f["url"])
        candidates.append((glibc, fn, url, f["digests"]["sha256"]))
    if not candidates:
        sys.exit(f"no installable wheel for {name} {version}")
    return min(candidates)
while i < len(lines):
    line = lines[i]
    m = re.match(r"^  ([A-Za-z0-9][A-Za-z0-9._-]*):\s*$", line)
    if not m:
        out.append(line); i += 1; continue
    block = [line]; i += 1
    while i < len(lines) and (lines[i].startswith("    ") or lines[i].strip() == ""):
        block.append(lines[i]); i += 1
    body = "\n".join(block)
    kind = re.search(r"^    kind: (\w+)", body, re.M)
    if kind and kind.group(1) == "wheel" and not re.search(r"^    url:", body, re.M):
        version = re.search(r"^    version: (\S+)", body, re.M).group(1)
        _, fn, url, sha = best_wheel(m.group(1), version)
        at = next(k for k, l in enumerate(block) if l.startswith("    kind:"))
        block[at + 1:at + 1] = [f"    url: {url}", f"    hash: sha256:{sha}"]
    out.extend(block)
open(target, "w").write("# Fixture for the tarball backend's goldens: specs/main.yaml with every wheel pinned by url and\n# hash from PyPI. Regenerate with scripts/tarball-goldens.sh --fixture.\n" + "\n".join(out))
PY
fi

# The goldens themselves: one regenerate script for every backend.
exec scripts/regen-goldens.sh emitted
