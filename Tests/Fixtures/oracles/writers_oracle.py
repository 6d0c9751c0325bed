"""Parses generated text with the format owners' parsers, for the writer safety tests.

writers_oracle.py dockerfile FILE  -> JSON list of {cmd, json, flags, value} (BuildKit's parser, PyPI `dockerfile`)
writers_oracle.py hcl FILE         -> JSON: python-hcl2's tree, with every quoted string decoded per the
                                      HCL native syntax spec (escapes, `$${` and `%%{`)
"""
import json
import re
import sys


def hcl_string(text):
    """The value of an HCL quoted template literal without interpolations (hclsyntax spec, "Template Literals")."""
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        return text
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            n = body[i + 1]
            simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
            if n in simple:
                out.append(simple[n]); i += 2
            elif n == "u":
                out.append(chr(int(body[i + 2:i + 6], 16))); i += 6
            elif n == "U":
                out.append(chr(int(body[i + 2:i + 10], 16))); i += 10
            else:
                raise ValueError("bad escape \\" + n)
        elif body.startswith("$${", i) or body.startswith("%%{", i):
            out.append(body[i] + "{"); i += 3
        else:
            out.append(c); i += 1
    return "".join(out)


def decode(tree):
    if isinstance(tree, dict):
        return {hcl_string(k): decode(v) for k, v in tree.items() if not k.startswith("__")}
    if isinstance(tree, list):
        return [decode(v) for v in tree]
    if isinstance(tree, str):
        return hcl_string(tree)
    return tree


def main(argv):
    if argv[1] == "dockerfile":
        import dockerfile
        commands = dockerfile.parse_file(argv[2])
        print(json.dumps([{"cmd": c.cmd, "json": c.json, "flags": list(c.flags), "value": list(c.value)} for c in commands]))
    elif argv[1] == "hcl":
        import hcl2
        with open(argv[2]) as f:
            print(json.dumps(decode(hcl2.load(f))))
    else:
        sys.exit("unknown mode " + argv[1])


if __name__ == "__main__":
    main(sys.argv)
