import Foundation
import Testing
@testable import Pack

/// A prefix as a real installation leaves it, built at an absolute path `$BUILD`:
/// - this machine's CPython (`sys.base_prefix`): the interpreter, the stdlib with the
///   `__pycache__` it was installed with (minus the test suite), the C headers, `bin/python3.X-config`
///   and `lib/pkgconfig/*.pc` naming `$BUILD` as `./configure --prefix=$BUILD` writes them, and
///   libpython with an absolute RUNPATH when the interpreter is built shared;
/// - a wheel built here, offline, as auditwheel leaves one: an extension module linked against a
///   library it bundles in `forge_ext.libs/`, with the RUNPATH `$ORIGIN/forge_ext.libs` plus
///   `/opt/_internal/cpython-3.11.7/lib`, the build machine's directory leaked into the wheel
///   (manylinux images build under /opt/_internal); and a console script that calls it;
/// - installed with the prefix's own pip (from ensurepip's wheel), which byte-compiles it, so
///   its `.pyc` files record `$BUILD` and its `RECORD` lists the console script.
let buildPipPrefixScript = #"""
PY_BASE=$(python3 -c 'import sys; print(sys.base_prefix)')
PY_VER=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PY_SHARED=$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("Py_ENABLE_SHARED") or 0)')
PY_LIBDIR=$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')
PY_SONAME=$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("INSTSONAME") or "")')
LIBPC=$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("LIBPC") or "")')
INCLUDE=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
EXT_SUFFIX=$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
STDLIB=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
PY_EXE=$(python3 -c 'import sys, os; print(os.path.realpath(sys.executable))')
[ -f "$INCLUDE/Python.h" ] || { echo "no Python.h in $INCLUDE (Debian: apt-get install python3-dev)" >&2; exit 1; }
mkdir -p "$BUILD/bin" "$BUILD/lib/pkgconfig" "$BUILD/include"
cp "$PY_EXE" "$BUILD/bin/python$PY_VER"
ln -s "python$PY_VER" "$BUILD/bin/python3"
tar -C "$(dirname "$STDLIB")" --exclude=site-packages --exclude=dist-packages --exclude=test --exclude=idlelib \
    --exclude=tkinter --exclude=turtledemo --exclude=lib2to3 --exclude=ensurepip -cf - "$(basename "$STDLIB")" | tar -C "$BUILD/lib" -xf -
mkdir -p "$BUILD/lib/python$PY_VER/site-packages"
cp -R "$INCLUDE" "$BUILD/include/"
chmod -R u+w "$BUILD"
# python-config and the pkg-config files, naming $BUILD where the original names its prefix.
"$BUILD/bin/python$PY_VER" - "$PY_BASE" "$BUILD" "$(ls "$PY_BASE/bin/python$PY_VER-config" 2>/dev/null || true)" "$BUILD/bin/python$PY_VER-config" \
    "$LIBPC/python-$PY_VER.pc" "$BUILD/lib/pkgconfig/python-$PY_VER.pc" "$LIBPC/python3.pc" "$BUILD/lib/pkgconfig/python3.pc" <<'EOF'
import os, re, sys
base, build = sys.argv[1], sys.argv[2]
pairs = list(zip(sys.argv[3::2], sys.argv[4::2]))
for source, target in pairs:
    if source and os.path.exists(source):
        text = open(os.path.realpath(source)).read()
        # As `configure --prefix=$BUILD` would have written it.
        text = re.sub(r'^(prefix(?:_build)?=)"?' + re.escape(base) + '"?$', lambda m: m.group(1) + '"' + build + '"' if '"' in m.group(0) else m.group(1) + build, text, flags=re.M)
        if base != "/usr":
            text = text.replace(base, build)
    else:
        text = f"prefix={build}\nincludedir=${{prefix}}/include\n" if target.endswith(".pc") else f"#!/bin/sh\nprefix_build=\"{build}\"\necho \"$prefix_build\"\n"
    open(target, "w").write(text)
    os.chmod(target, 0o755 if target.endswith("-config") else 0o644)
    assert build in open(target).read(), target
EOF
if [ "$PY_SHARED" = 1 ]; then
    cp "$PY_LIBDIR/$PY_SONAME" "$BUILD/lib/$PY_SONAME"
    ln -s "$PY_SONAME" "$BUILD/lib/libpython$PY_VER.so"
    patchelf --set-rpath "$BUILD/lib" "$BUILD/bin/python$PY_VER"
    for so in "$BUILD/lib/$PY_SONAME" "$BUILD"/lib/python$PY_VER/lib-dynload/*.so; do
        if [ -n "$(patchelf --print-rpath "$so")" ]; then patchelf --set-rpath "$BUILD/lib" "$so"; fi
    done
fi
# Byte-compile part of the stdlib at $BUILD, as an installer does.
"$BUILD/bin/python3" -m compileall -f -q "$BUILD/lib/python$PY_VER/json"

# The extension wheel, built offline: forge_ext (C, linked to a bundled libgreet) and a console script.
W="$WORK/wheel-tree"
mkdir -p "$W/forge_ext.libs" "$W/forge_ext_cli" "$W/forge_ext-1.0.dist-info" "$WORK/wheels"
cat > "$WORK/greet.c" <<'EOF'
const char *greeting(void) { return "hello from libgreet"; }
EOF
cat > "$WORK/forge_ext.c" <<'EOF'
#include <Python.h>
const char *greeting(void);
static PyObject *hello(PyObject *self, PyObject *args) { return PyUnicode_FromString(greeting()); }
static PyMethodDef methods[] = {{"hello", hello, METH_NOARGS, "Greets."}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "forge_ext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_forge_ext(void) { return PyModule_Create(&module); }
EOF
gcc -shared -fPIC -Wl,-soname,libgreet.so -o "$W/forge_ext.libs/libgreet.so" "$WORK/greet.c"
gcc -shared -fPIC -I"$BUILD/include/$(basename "$INCLUDE")" -o "$W/forge_ext$EXT_SUFFIX" "$WORK/forge_ext.c" \
    -L"$W/forge_ext.libs" -lgreet -Wl,--enable-new-dtags,-rpath,'$ORIGIN/forge_ext.libs:/opt/_internal/cpython-3.11.7/lib'
printf 'import forge_ext\n\ndef main():\n    print("forge-ext-hello: " + forge_ext.hello())\n' > "$W/forge_ext_cli/__init__.py"
printf 'Metadata-Version: 2.1\nName: forge-ext\nVersion: 1.0\n' > "$W/forge_ext-1.0.dist-info/METADATA"
printf 'Wheel-Version: 1.0\nGenerator: sglang-forge-test\nRoot-Is-Purelib: false\nTag: py3-none-linux_x86_64\n' > "$W/forge_ext-1.0.dist-info/WHEEL"
printf '[console_scripts]\nforge-ext-hello = forge_ext_cli:main\n' > "$W/forge_ext-1.0.dist-info/entry_points.txt"
"$BUILD/bin/python3" - "$W" "$WORK/wheels/forge_ext-1.0-py3-none-linux_x86_64.whl" <<'EOF'
import base64, hashlib, os, sys, zipfile
root, out = sys.argv[1], sys.argv[2]
names = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
record = []
with zipfile.ZipFile(out, "w") as z:
    for name in names:
        data = open(os.path.join(root, name), "rb").read()
        info = zipfile.ZipInfo(name)
        info.external_attr = (0o755 if name.endswith(".so") else 0o644) << 16
        z.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("forge_ext-1.0.dist-info/RECORD,,")
    z.writestr("forge_ext-1.0.dist-info/RECORD", "\n".join(record) + "\n")
EOF
# ensurepip's wheel, or on Debian (which strips ensurepip) the one python3-pip-whl ships.
PIP_WHEEL=$(ls "$STDLIB"/ensurepip/_bundled/pip-*.whl /usr/share/python-wheels/pip-*.whl 2>/dev/null | head -n 1 || true)
[ -n "$PIP_WHEEL" ] || { echo "python3 at $PY_BASE has no ensurepip wheel to install the test package with" >&2; exit 1; }
PYTHONPATH="$PIP_WHEEL" "$BUILD/bin/python3" -m pip install --no-index --no-deps --disable-pip-version-check \
    --no-warn-script-location -q "$WORK/wheels/forge_ext-1.0-py3-none-linux_x86_64.whl"
"$BUILD/bin/forge-ext-hello"
echo "runpath=$(patchelf --print-rpath "$BUILD"/lib/python$PY_VER/site-packages/forge_ext*.so)"
echo "pyver=$PY_VER"
"""#

@Suite("pack and unpack, a pip-built prefix", .serialized)
struct PipPrefixTests {
    @Test func packsAPipBuiltPrefixWithBytecodeConfigScriptsAndALeakedRunPath() throws {
        let work = try TemporaryDirectory("pip-prefix")
        let build = work.path + "/build/prefix"
        let setup = try Shell.run(buildPipPrefixScript, environment: ["BUILD": build, "WORK": work.path])
        let pyver = String(try #require(setup.output.split(separator: "\n").last { $0.hasPrefix("pyver=") }).dropFirst("pyver=".count))
        #expect(setup.output.contains("forge-ext-hello: hello from libgreet"), "\(setup.output)")
        #expect(setup.output.contains("runpath=$ORIGIN/forge_ext.libs:/opt/_internal/cpython-3.11.7/lib"), "\(setup.output)")
        let site = "lib/python\(pyver)/site-packages"
        let pycache = try FileManager.default.contentsOfDirectory(atPath: build + "/" + site + "/forge_ext_cli/__pycache__")
        #expect(!pycache.isEmpty, "pip byte-compiled nothing")

        let archive = work.path + "/prefix.tar.zst"
        let report = try Packer.pack(prefix: build, output: archive)
        _ = try Packer.pack(prefix: build, output: work.path + "/again.tar.zst")
        #expect(try Data(contentsOf: URL(fileURLWithPath: archive)) == Data(contentsOf: URL(fileURLWithPath: work.path + "/again.tar.zst")), "not byte-reproducible")
        let extensionPath = try #require(report.droppedRunPaths.first?.path)
        #expect(report.droppedRunPaths == [.init(path: extensionPath, entry: "/opt/_internal/cpython-3.11.7/lib")])
        #expect(extensionPath.hasPrefix(site + "/forge_ext.") && extensionPath.hasSuffix(".so"))
        #expect(Set(report.textRewrites).isSuperset(of: ["bin/python\(pyver)-config", "lib/pkgconfig/python-\(pyver).pc", "lib/pkgconfig/python3.pc"]), "\(report.textRewrites)")
        #expect(report.inertBytecode.contains { $0.hasPrefix(site + "/forge_ext_cli/__pycache__/") }, "\(report.inertBytecode)")
        #expect(report.inertBytecode.contains { $0.hasPrefix("lib/python\(pyver)/json/__pycache__/") }, "\(report.inertBytecode.prefix(5))")
        #expect(report.rewrittenScripts.contains("bin/forge-ext-hello"))

        try FileManager.default.removeItem(atPath: build)
        // (Not a path with a space: CPython's own python-config script does not quote its location.)
        for name in ["one", "two/elsewhere"] {
            let destination = work.path + "/" + name
            let unpacked = try Unpacker.unpack(archive: archive, into: destination)
            #expect(unpacked.rewrittenFiles >= 3)
            let real = try #require(FileSystem.realPath(destination))
            let run = try Shell.run("""
                cd /
                "$U/bin/python3" -c 'import sys, forge_ext, json; print("prefix=" + sys.prefix); print(forge_ext.hello())'
                "$U/bin/forge-ext-hello"
                "$U/bin/python\(pyver)-config" --prefix
                grep '^prefix=' "$U/lib/pkgconfig/python-\(pyver).pc"
                patchelf --print-rpath "$U"/\(shellQuoted(extensionPath))
                """, environment: ["U": destination])
            #expect(run.output == """
                prefix=\(real)
                hello from libgreet
                forge-ext-hello: hello from libgreet
                \(real)
                prefix=\(real)
                $ORIGIN/forge_ext.libs

                """, "\(run.output)")
        }
    }
}
