"""Dumps what spython (the Apptainer definition-file parser of the format's community, PyPI) reads
from one definition file, for the writer safety tests:

    python3 spython_sections.py FILE  -> JSON {stage: {"from": ..., "install": [...], "environ": [...],
                                               "labels": [...], "files": [...], "cmd": ...}}
"""
import json
import sys

from spython.main.parse.parsers import SingularityParser

parser = SingularityParser(sys.argv[1])
out = {}
for stage, recipe in parser.recipe.items():
    out[stage] = {
        "from": recipe.fromHeader,
        "install": list(recipe.install),
        "environ": list(recipe.environ),
        "labels": list(recipe.labels),
        "files": [list(f) if isinstance(f, (list, tuple)) else f for f in recipe.files],
        "cmd": recipe.cmd,
    }
json.dump(out, sys.stdout, sort_keys=True)
