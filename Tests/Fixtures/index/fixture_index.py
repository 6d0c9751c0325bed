#!/usr/bin/env python3
"""A package index for sglang-forge's offline tests, served from 127.0.0.1 on a free port.

Prints the port on the first line of stdout, then serves until killed. Everything is built in
memory and is deterministic: wheels are zip files with STORED entries and a fixed timestamp, so
their sha256 never changes.

Projects (simple API root /simple/):
  alpha    PEP 691 JSON; 1.0 (five wheels with different tags), 1.1, 1.2 (all yanked),
           2.0rc1 (pre-release); PEP 658 metadata with correct hashes
  beta     PEP 503 HTML only; no PEP 658 metadata (the wheel is downloaded to read METADATA)
  nohash   JSON; the file has no hash (downloaded and hashed)
  badhash  JSON; the index's sha256 is wrong
  badmeta  JSON; the PEP 658 metadata file's sha256 is wrong
  nometa   JSON; metadata advertised but the .metadata file is missing (404)
  gone     404
  slow     JSON, answers after SLOW_SECONDS
  Closure-resolution projects (for uv; every file has a PEP 700 upload-time; files answer HTTP
  Range requests, as PyPI's do):
  app      1.0 requires lib==1.0 (uploaded 2026-02-01, after the tests' exclude-newer bound)
  other    1.0 requires lib==2.0 (with app: an unsatisfiable pair)
  lib      1.0 (2025-01-01, requires fresh), 2.0 (2025-03-01); deflated; no PEP 658 file (read by range requests)
  cuda-bindings  12.9.0 (2025-01-01), 13.0.0 (2025-02-01)
  fresh    1.0 (2025-01-01), 1.1 (2026-01-01): hidden by exclude-newer 2025-06-01
  srcpkg   1.0 (2026-03-01): a source component's stand-in, exempt from the bound
"""
import hashlib, http.server, io, json, sys, threading, time, zipfile

SLOW_SECONDS = 3.0


def metadata(name, version, requires):
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", "Requires-Python: >=3.8"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    return ("\n".join(lines) + "\n\nLong description.\n").encode()


def wheel(name, version, requires, method=zipfile.ZIP_STORED):
    dist = name.replace("-", "_")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for path, data in [
            (f"{dist}/__init__.py", b"# fixture\n"),
            (f"{dist}-{version}.dist-info/METADATA", metadata(name, version, requires)),
            (f"{dist}-{version}.dist-info/WHEEL", b"Wheel-Version: 1.0\n"),
        ]:
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data)
    return buf.getvalue()


def sha(b):
    return hashlib.sha256(b).hexdigest()


FILES = {}     # path -> bytes
PROJECTS = {}  # project -> list of file dicts (PEP 691) ; "html" projects flagged separately
HTML_ONLY = {"beta"}

ALPHA_REQ = ["beta==0.9", "numpy>=1.26", 'pywin32; sys_platform == "win32"', 'pytest; extra == "test"']


def add(project, filename, version, requires, yanked=False, meta=True, hashes="ok", meta_hash="ok", meta_file=True,
        uploaded="2024-06-01T00:00:00.123456Z", method=zipfile.ZIP_STORED):
    data = wheel(project, version, requires, method)
    FILES[f"/files/{filename}"] = data
    md = metadata(project, version, requires)
    if meta_file:
        FILES[f"/files/{filename}.metadata"] = md
    entry = {"filename": filename, "url": f"../../files/{filename}", "size": len(data), "requires-python": ">=3.8",
             "upload-time": uploaded}
    if hashes == "ok":
        entry["hashes"] = {"sha256": sha(data)}
    elif hashes == "wrong":
        entry["hashes"] = {"sha256": "0" * 64}
    else:
        entry["hashes"] = {}
    if yanked:
        entry["yanked"] = yanked
    if meta:
        entry["core-metadata"] = {"sha256": sha(md) if meta_hash == "ok" else "f" * 64}
    PROJECTS.setdefault(project, []).append(entry)


for tag in ["py3-none-any", "cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux_2_39_x86_64",
            "cp312-abi3-manylinux_2_28_x86_64", "cp311-cp311-manylinux_2_17_x86_64"]:
    add("alpha", f"alpha-1.0-{tag}.whl", "1.0", ALPHA_REQ)
add("alpha", "alpha-1.1-py3-none-any.whl", "1.1", ALPHA_REQ)
add("alpha", "alpha-1.2-py3-none-any.whl", "1.2", ALPHA_REQ, yanked="broken upload")
add("alpha", "alpha-1.2-cp312-cp312-manylinux_2_17_x86_64.whl", "1.2", ALPHA_REQ, yanked=True)
add("alpha", "alpha-2.0rc1-py3-none-any.whl", "2.0rc1", ALPHA_REQ)
add("beta", "beta-1.0-py3-none-any.whl", "1.0", ["alpha>=1.0"], meta=False)
add("beta", "beta-1.0-cp39-abi3-musllinux_1_2_x86_64.whl", "1.0", [], meta=False)
add("nohash", "nohash-1.0-py3-none-any.whl", "1.0", [], hashes="none", meta=False)
add("badhash", "badhash-1.0-py3-none-any.whl", "1.0", [], hashes="wrong", meta=False)
add("badmeta", "badmeta-1.0-py3-none-any.whl", "1.0", [], meta_hash="wrong")
add("nometa", "nometa-1.0-py3-none-any.whl", "1.0", [], meta_file=False)
add("slow", "slow-1.0-py3-none-any.whl", "1.0", [])
add("app", "app-1.0-py3-none-any.whl", "1.0", ["lib==1.0"], uploaded="2026-02-01T00:00:00Z")
add("other", "other-1.0-py3-none-any.whl", "1.0", ["lib==2.0"])
add("lib", "lib-1.0-py3-none-any.whl", "1.0", ["fresh"], meta=False, uploaded="2025-01-01T00:00:00Z", method=zipfile.ZIP_DEFLATED)
add("lib", "lib-2.0-py3-none-any.whl", "2.0", [], meta=False, uploaded="2025-03-01T00:00:00Z", method=zipfile.ZIP_DEFLATED)
add("cuda-bindings", "cuda_bindings-12.9.0-py3-none-any.whl", "12.9.0", [], uploaded="2025-01-01T00:00:00Z")
add("cuda-bindings", "cuda_bindings-13.0.0-py3-none-any.whl", "13.0.0", [], uploaded="2025-02-01T00:00:00Z")
add("srcpkg", "srcpkg-1.0-py3-none-any.whl", "1.0", [], uploaded="2026-03-01T00:00:00Z")
add("fresh", "fresh-1.0-py3-none-any.whl", "1.0", [], uploaded="2025-01-01T00:00:00Z")
add("fresh", "fresh-1.1-py3-none-any.whl", "1.1", [], uploaded="2026-01-01T00:00:00Z")


def html_page(project):
    links = []
    for e in PROJECTS[project]:
        frag = f"#sha256={e['hashes']['sha256']}" if e["hashes"].get("sha256") else ""
        attrs = ' data-requires-python="&gt;=3.8"'
        links.append(f'<a href="{e["url"]}{frag}"{attrs}>{e["filename"]}</a><br/>')
    return ("<!DOCTYPE html><html><body><h1>Links for %s</h1>\n%s\n</body></html>\n" % (project, "\n".join(links))).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype, headers=(), head=False):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def send_file(self, data, head=False):
        # RFC 9110 single byte ranges: bytes=a-b, bytes=a-, bytes=-n.
        r = self.headers.get("Range", "")
        if r.startswith("bytes=") and "," not in r:
            a, _, b = r[6:].partition("-")
            if a == "":
                start, end = max(0, len(data) - int(b)), len(data) - 1
            else:
                start, end = int(a), min(len(data) - 1, int(b) if b else len(data) - 1)
            return self.send(206, data[start:end + 1], "application/octet-stream",
                             [("Content-Range", f"bytes {start}-{end}/{len(data)}"), ("Accept-Ranges", "bytes")], head)
        self.send(200, data, "application/octet-stream", [("Accept-Ranges", "bytes")], head)

    def do_HEAD(self):
        path = self.path.split("?")[0]
        if path in FILES:
            return self.send_file(FILES[path], head=True)
        self.send(404, b"", "text/plain", head=True)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in FILES:
            return self.send_file(FILES[path])
        parts = [p for p in path.split("/") if p]
        if len(parts) == 2 and parts[0] == "simple" and parts[1] in PROJECTS:
            project = parts[1]
            if project == "slow":
                time.sleep(SLOW_SECONDS)
            accept = self.headers.get("Accept", "")
            if project not in HTML_ONLY and "application/vnd.pypi.simple.v1+json" in accept:
                body = json.dumps({"meta": {"api-version": "1.1"}, "name": project, "files": PROJECTS[project]}).encode()
                return self.send(200, body, "application/vnd.pypi.simple.v1+json")
            return self.send(200, html_page(project), "text/html; charset=utf-8")
        self.send(404, b"not found\n", "text/plain")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
