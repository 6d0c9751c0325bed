"""Parses Apptainer definition files with spython (the format owner's converter, PyPI) and writes
each one's Dockerfile conversion next to it as <name>.Dockerfile, for hadolint.

    python3 spython_oracle.py DIR NAME.def...

Checks per file: exactly the stages torch-build and runtime, both from a digest-pinned image; the
runtime's %runscript runs sglang, it has labels and environment; torch-build runs pip wheel.
Prints one line per good file; exits 1 with the reasons otherwise."""
import os
import sys

from spython.main.parse.parsers import SingularityParser
from spython.main.parse.writers import DockerWriter

directory, names = sys.argv[1], sys.argv[2:]
problems = []
for name in names:
    path = os.path.join(directory, name)
    parser = SingularityParser(path)
    stages = parser.recipe
    if list(stages) != ["torch-build", "runtime"]:
        problems.append(f"{name}: stages {list(stages)}")
        continue
    for stage, recipe in stages.items():
        if "@sha256:" not in (recipe.fromHeader or ""):
            problems.append(f"{name}: stage {stage} is not from a digest-pinned image: {recipe.fromHeader}")
    build, runtime = stages["torch-build"], stages["runtime"]
    if not any("pip wheel" in line for line in build.install):
        problems.append(f"{name}: torch-build does not build a wheel")
    if "sglang" not in (runtime.cmd or ""):
        problems.append(f"{name}: runscript {runtime.cmd!r}")
    if not runtime.labels or not runtime.environ:
        problems.append(f"{name}: no labels or environment")
    with open(path + ".Dockerfile", "w") as f:
        f.write(DockerWriter(stages).convert() + "\n")
    print(f"{name}: {len(runtime.labels)} labels, {len(runtime.environ)} environment lines")
if problems:
    print("\n".join(problems))
    sys.exit(1)
