#!/usr/bin/env python3
"""Everything `sglang-forge bump`'s offline tests talk to, on 127.0.0.1 (a free port, printed on
the first line of stdout):

  /simple/<project>/   a package index: PEP 691 JSON (with PEP 700 upload-time, PEP 592 yanked,
                       PEP 658 core-metadata for some files) and PEP 503 HTML. The JSON page of
                       `rt` is stale on purpose: it lacks release 1.2, which only the HTML lists.
  /files/<name>        wheels; honours `Range: bytes=a-b` and `bytes=-n` (206 + Content-Range)
  /artifacts/...       URL-pinned wheels (a stand-in for GitHub release assets); v0.9 is missing
  /api/repos/o/r/pulls a stand-in for the GitHub REST API (GET ?head=&state=, POST, PATCH /N)
  /_requests           the recorded API and range requests, as JSON
  /_close/<n>          (POST) closes PR n without merging, as a person would

Wheels are deterministic zip files (fixed timestamps). Runtime `rt` releases:
  1.0     current: kern==1.0, fi-python==0.5, fi-cubin==0.5, torch==2.0, cuda-python==12.9, helper<2
  1.1     kern==1.1, fi-python==0.6, fi-cubin==0.6
  1.2     (HTML only) renames kern -> kern-ng, pinned at the pre-release 2.0rc1; fi 0.7; torch 2.1
  1.3     yanked ("broken upload")
  2.0     needs CUDA 13: cuda-python>=13.0, fi-python[cu13]==0.8
  2.1rc1  a pre-release (never proposed on its own)
"""
import hashlib, http.server, io, json, sys, threading, zipfile

FILES = {}
PAGES = {}          # project -> list of (entry dict, in_json)
REQUESTS = []
PULLS = []
LOCK = threading.RLock()
STATE = {"port": 0}


def metadata(name, version, requires, requires_python=">=3.9"):
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", f"Requires-Python: {requires_python}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    return ("\n".join(lines) + "\n\nDescription.\n").encode()


def wheel(name, version, requires, members=1, padding=0):
    dist = name.replace("-", "_")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def put(path, data, method=zipfile.ZIP_DEFLATED):
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data)
        put(f"{dist}/__init__.py", b"# fixture\n")
        if padding:
            # Incompressible bytes, stored: the wheel is bigger than one range request's tail.
            data = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(padding // 32))
            put(f"{dist}/blob.bin", data, zipfile.ZIP_STORED)
        for i in range(members):
            put(f"{dist}/kernels/k{i:05d}_with_a_long_enough_name.cubin", b"k")
        put(f"{dist}-{version}.dist-info/METADATA", metadata(name, version, requires))
        put(f"{dist}-{version}.dist-info/WHEEL", b"Wheel-Version: 1.0\nTag: py3-none-any\n")
    return buf.getvalue()


def sha(b):
    return hashlib.sha256(b).hexdigest()


def add(project, version, requires, day, yanked=None, in_json=True, pep658=True, members=1, padding=0, tag="py3-none-any"):
    dist = project.replace("-", "_")
    filename = f"{dist}-{version}-{tag}.whl"
    data = wheel(project, version, requires, members=members, padding=padding)
    FILES[f"/files/{filename}"] = data
    md = metadata(project, version, requires)
    entry = {"filename": filename, "url": f"../../files/{filename}", "hashes": {"sha256": sha(data)}, "size": len(data),
             "requires-python": ">=3.9", "upload-time": f"2026-{day}T10:00:00.000000Z"}
    if pep658:
        FILES[f"/files/{filename}.metadata"] = md
        entry["core-metadata"] = {"sha256": sha(md)}
    if yanked is not None:
        entry["yanked"] = yanked
    PAGES.setdefault(project, []).append((entry, in_json))


BASE_REQ = ["fi-cubin==0.5", "torch==2.0", "cuda-python==12.9", "helper<2", 'pytest; extra == "test"']
add("rt", "1.0", ["kern==1.0", "fi-python==0.5"] + BASE_REQ, "01-01")
add("rt", "1.1", ["kern==1.1", "fi-python==0.6", "fi-cubin==0.6", "torch==2.0", "cuda-python==12.9", "helper<2"], "01-10")
add("rt", "1.2", ["kern-ng==2.0rc1", "fi-python==0.7", "fi-cubin==0.7", "torch==2.1", "cuda-python==12.9", "helper<2"], "02-01",
    in_json=False, pep658=False, padding=200_000)
add("rt", "1.3", ["kern-ng==2.0", "fi-python==0.7", "fi-cubin==0.7", "torch==2.1", "cuda-python==12.9"], "02-15", yanked="broken upload")
add("rt", "2.0", ["kern-ng==2.0", "fi-python[cu13]==0.8", "fi-cubin==0.8", "torch==2.1", "cuda-python>=13.0"], "03-01")
add("rt", "2.1rc1", ["kern-ng==2.0", "fi-python[cu13]==0.8", "fi-cubin==0.8", "torch==2.1", "cuda-python>=13.0"], "03-05")
add("kern", "1.0", [], "01-01")
add("kern", "1.1", [], "01-09")
add("kern-ng", "2.0rc1", ["torch"], "01-30", pep658=False, members=3000)
add("kern-ng", "2.0", ["torch"], "02-14", pep658=False)
for v, d in [("0.5", "01-01"), ("0.6", "01-08"), ("0.7", "01-28"), ("0.8", "02-28")]:
    add("fi-python", v, ["torch"] + (["nvidia-cublas-cu13"] if v == "0.8" else []), d)
    add("fi-cubin", v, [], d)
add("torch", "2.0", [], "01-01", tag="cp312-cp312-manylinux_2_28_x86_64")
add("torch", "2.1", [], "01-20", tag="cp312-cp312-manylinux_2_28_x86_64")
add("helper", "1.0", [], "01-01")
add("helper", "1.5", [], "01-15")
add("helper", "2.0", [], "01-25")
for v in ["0.5", "0.7"]:
    FILES[f"/artifacts/v{v}/fi_jit-{v}+cu128-py3-none-any.whl"] = wheel("fi-jit", v + "+cu128", [])


ZIP64_PATH = "/files/big-1.0-py3-none-any.whl"


def zip64_wheel():
    """More than 65535 members: the end record points to a ZIP64 end record (APPNOTE 4.3.14)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for i in range(70000):
            z.writestr(zipfile.ZipInfo(f"big/m{i}", date_time=(2020, 1, 1, 0, 0, 0)), b"")
        info = zipfile.ZipInfo("big-1.0.dist-info/METADATA", date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, metadata("big", "1.0", ["torch==2.1"]))
    return buf.getvalue()


def html_page(project):
    links = []
    for entry, _ in PAGES[project]:
        attrs = ' data-requires-python="&gt;=3.9"'
        if "yanked" in entry:
            attrs += f' data-yanked="{entry["yanked"]}"'
        links.append(f'<a href="{entry["url"]}#sha256={entry["hashes"]["sha256"]}"{attrs}>{entry["filename"]}</a><br/>')
    return ("<!DOCTYPE html><html><body>\n%s\n</body></html>\n" % "\n".join(links)).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")

    def record(self, **extra):
        with LOCK:
            REQUESTS.append(dict(method=self.command, path=self.path, **extra))

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == ZIP64_PATH:
            with LOCK:
                if path not in FILES:
                    FILES[path] = zip64_wheel()
        if path == "/_requests":
            with LOCK:
                return self.send(200, json.dumps(REQUESTS).encode(), "application/json")
        if path.startswith("/api/"):
            return self.api()
        if path in FILES:
            data = FILES[path]
            rng = self.headers.get("Range")
            self.record(range=rng)
            if rng and rng.startswith("bytes="):
                a, b = rng[6:].split("-")
                if a == "":
                    start, end = max(0, len(data) - int(b)), len(data) - 1
                else:
                    start, end = int(a), min(int(b), len(data) - 1)
                return self.send(206, data[start:end + 1], "application/octet-stream",
                                 [("Content-Range", f"bytes {start}-{end}/{len(data)}"), ("Accept-Ranges", "bytes")])
            return self.send(200, data, "application/octet-stream")
        parts = [p for p in path.split("/") if p]
        if len(parts) == 2 and parts[0] == "simple" and parts[1] in PAGES:
            project = parts[1]
            if "application/vnd.pypi.simple.v1+json" in self.headers.get("Accept", ""):
                files = [e for e, in_json in PAGES[project] if in_json]
                return self.send(200, json.dumps({"meta": {"api-version": "1.1"}, "name": project, "files": files}).encode(),
                                 "application/vnd.pypi.simple.v1+json")
            return self.send(200, html_page(project), "text/html; charset=utf-8")
        self.send(404, b"not found\n", "text/plain")

    def do_POST(self):
        path = self.path.split("?")[0]
        if path.startswith("/_close/"):
            n = int(path.rsplit("/", 1)[1])
            with LOCK:
                for p in PULLS:
                    if p["number"] == n:
                        p["state"] = "closed"
            return self.send(200, b"{}", "application/json")
        return self.api()

    def do_PATCH(self):
        return self.api()

    def api(self):
        path, _, query = self.path.partition("?")
        parts = [p for p in path.split("/") if p]   # api repos o r pulls [n]
        if self.headers.get("Authorization") != "Bearer test-token":
            return self.send(401, json.dumps({"message": "Bad credentials"}).encode(), "application/json")
        if len(parts) < 5 or parts[:2] != ["api", "repos"] or parts[4] != "pulls":
            return self.send(404, b'{"message": "Not Found"}', "application/json")
        owner = parts[2]
        with LOCK:
            if self.command == "GET":
                self.record()
                params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
                head = params.get("head", "").replace("%3A", ":").replace("%2F", "/")
                found = [p for p in PULLS if f"{owner}:{p['head']}" == head and (params.get("state") == "all" or p["state"] == "open")]
                return self.send(200, json.dumps([self.public(p) for p in found]).encode(), "application/json")
            body = self.body()
            self.record(body=body)
            if self.command == "POST":
                pr = {"number": len(PULLS) + 1, "state": "open", "title": body["title"], "body": body["body"],
                      "head": body["head"], "base": body["base"]}
                PULLS.append(pr)
                return self.send(201, json.dumps(self.public(pr)).encode(), "application/json")
            n = int(parts[5])
            for p in PULLS:
                if p["number"] == n:
                    p.update({k: body[k] for k in ("title", "body") if k in body})
                    return self.send(200, json.dumps(self.public(p)).encode(), "application/json")
            return self.send(404, b'{"message": "Not Found"}', "application/json")

    @staticmethod
    def public(p):
        return {"number": p["number"], "state": p["state"], "title": p["title"], "body": p["body"], "merged_at": None,
                "html_url": f"http://127.0.0.1:{STATE['port']}/o/r/pull/{p['number']}"}


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
STATE["port"] = server.server_address[1]
print(server.server_address[1], flush=True)
server.serve_forever()
