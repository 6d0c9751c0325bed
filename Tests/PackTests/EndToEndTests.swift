import Foundation
import Testing
@testable import Pack

/// Builds a real prefix the way an installer would, at an absolute path:
/// - a copy of this machine's CPython (`sys.base_prefix`): `bin/python3.X` and, when the
///   interpreter is built with `--enable-shared`, `lib/libpython3.X.so.1.0` found through an
///   absolute RUNPATH `$BUILD/lib` (as `./configure --prefix=$BUILD --enable-shared
///   LDFLAGS=-Wl,-rpath,$BUILD/lib` writes it; the stdlib's extension modules get the same);
/// - a wheel with a console-script entry point, installed by that interpreter's own pip (from
///   ensurepip's bundled wheel), so the launcher is exactly what pip writes; the prefix path is
///   longer than 127 bytes, so pip writes its `#!/bin/sh` + `'''exec'` form;
/// - a plain `#!$BUILD/bin/python3.X` script;
/// - a C program and shared library built with gcc and `-Wl,-rpath,$BUILD/lib`.
///
/// When the interpreter has no shared libpython (a distribution's statically linked
/// `/usr/bin/python3`), the interpreter is still copied and run, and the absolute-RPATH case
/// rests on the C program and its library alone: the same ELF mechanism (an executable whose
/// `DT_RUNPATH` names the prefix's `lib/`, rewritten to `$ORIGIN/../lib`). This machine's
/// CPython (pyenv) is shared, so both are exercised here.
let buildPrefixScript = #"""
PY_BASE=$(python3 -c 'import sys; print(sys.base_prefix)')
PY_VER=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PY_SHARED=$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("Py_ENABLE_SHARED") or 0)')
PY_LIBDIR=$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')
PY_SONAME=$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("INSTSONAME") or "")')
STDLIB=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
PY_EXE=$(python3 -c 'import sys, os; print(os.path.realpath(sys.executable))')
mkdir -p "$BUILD/bin" "$BUILD/lib/python$PY_VER/site-packages" "$BUILD/share/doc"
cp "$PY_EXE" "$BUILD/bin/python$PY_VER"
ln -s "python$PY_VER" "$BUILD/bin/python3"
tar -C "$(dirname "$STDLIB")" --exclude=site-packages --exclude=dist-packages --exclude=test --exclude=__pycache__ \
    --exclude=idlelib --exclude=tkinter --exclude=turtledemo --exclude=lib2to3 --exclude='config-*' \
    -cf - "$(basename "$STDLIB")" | tar -C "$BUILD/lib" -xf -
chmod -R u+w "$BUILD/lib"
if [ "$PY_SHARED" = 1 ]; then
    cp "$PY_LIBDIR/$PY_SONAME" "$BUILD/lib/$PY_SONAME"
    ln -s "$PY_SONAME" "$BUILD/lib/libpython$PY_VER.so"
    patchelf --set-rpath "$BUILD/lib" "$BUILD/bin/python$PY_VER"
    for so in "$BUILD/lib/$PY_SONAME" "$BUILD"/lib/python$PY_VER/lib-dynload/*.so; do
        if [ -n "$(patchelf --print-rpath "$so")" ]; then patchelf --set-rpath "$BUILD/lib" "$so"; fi
    done
fi
echo "shared=$PY_SHARED"
"$BUILD/bin/python3" -c 'import sys; assert sys.prefix == sys.argv[1], (sys.prefix, sys.argv[1])' "$BUILD"

# A wheel with a console script, installed by the prefix's own interpreter and pip.
mkdir -p "$WORK/wheel"
"$BUILD/bin/python3" - "$WORK/wheel" <<'EOF'
import base64, hashlib, sys, zipfile
out = sys.argv[1] + "/hello_forge-1.0-py3-none-any.whl"
files = {
    "hello_forge/__init__.py": "import sys\n\ndef main():\n    print('hello-forge prefix=' + sys.prefix)\n",
    "hello_forge-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: hello-forge\nVersion: 1.0\n",
    "hello_forge-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: sglang-forge-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    "hello_forge-1.0.dist-info/entry_points.txt": "[console_scripts]\nhello-forge = hello_forge:main\n",
}
record = []
with zipfile.ZipFile(out, "w") as z:
    for name, text in files.items():
        data = text.encode()
        z.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("hello_forge-1.0.dist-info/RECORD,,")
    z.writestr("hello_forge-1.0.dist-info/RECORD", "\n".join(record) + "\n")
EOF
PIP_WHEEL=$(ls "$STDLIB"/ensurepip/_bundled/pip-*.whl /usr/share/python-wheels/pip-*.whl 2>/dev/null | head -n 1 || true)
[ -n "$PIP_WHEEL" ] || { echo "python3 at $PY_BASE has no ensurepip wheel to install the test package with" >&2; exit 1; }
PYTHONPATH="$PIP_WHEEL" "$BUILD/bin/python3" -m pip install --no-index --no-deps --no-compile \
    --disable-pip-version-check --no-warn-script-location -q "$WORK/wheel/hello_forge-1.0-py3-none-any.whl"
rm -rf "$BUILD/lib/python$PY_VER/site-packages/pip" # nothing of pip's own is installed; be sure
"$BUILD/bin/hello-forge"

# A plain-shebang script.
printf '#!%s/bin/python%s\nimport sys\nprint("plain-tool prefix=" + sys.prefix)\n' "$BUILD" "$PY_VER" > "$BUILD/bin/plain-tool"
chmod 755 "$BUILD/bin/plain-tool"

# A C program and a shared library, with an absolute RUNPATH into the prefix.
mkdir -p "$WORK/c"
cat > "$WORK/c/greet.c" <<'EOF'
#include <stdio.h>
const char *greeting(void) { return "hello from libgreet"; }
EOF
cat > "$WORK/c/main.c" <<'EOF'
#include <stdio.h>
const char *greeting(void);
int main(void) { printf("%s\n", greeting()); return 0; }
EOF
gcc -shared -fPIC -o "$BUILD/lib/libgreet.so" "$WORK/c/greet.c"
gcc -o "$BUILD/bin/greet" "$WORK/c/main.c" -L"$BUILD/lib" -lgreet -Wl,-rpath,"$BUILD/lib"
"$BUILD/bin/greet"
echo "pyver=$PY_VER"
"""#

/// Runs everything from an unpacked tree and prints what it printed.
let runUnpackedScript = #"""
cd /
"$U/bin/hello-forge"
"$U/bin/plain-tool"
"$U/bin/python3" -c 'import sys, hello_forge, json, ssl, ctypes; print("python prefix=" + sys.prefix)'
"$U/bin/greet"
# Through a symlink on PATH, from another directory.
mkdir -p "$U.path" && ln -sf "$U/bin/hello-forge" "$U.path/hf" && PATH="$U.path:$PATH" hf
patchelf --print-rpath "$U/bin/greet"
"""#

@Suite("pack and unpack, end to end", .serialized)
struct EndToEndTests {
    @Test func relocatesARealPrefix() throws {
        let work = try TemporaryDirectory("e2e")
        // Long enough that pip writes the '''exec' launcher form (the interpreter path is over 127 bytes).
        let build = work.path + "/build-" + String(repeating: "x", count: 110) + "/prefix"
        let setup = try Shell.run(buildPrefixScript, environment: ["BUILD": build, "WORK": work.path])
        let pyver = try #require(setup.output.split(separator: "\n").last { $0.hasPrefix("pyver=") }).dropFirst("pyver=".count)
        #expect(setup.output.contains("hello-forge prefix=\(build)"))
        #expect(setup.output.contains("hello from libgreet"))
        let pipLauncher = try String(contentsOfFile: build + "/bin/hello-forge", encoding: .utf8)
        #expect(pipLauncher.hasPrefix("#!/bin/sh\n'''exec' "), "pip wrote \(pipLauncher.prefix(200))")
        let shared = setup.output.contains("shared=1")

        let first = work.path + "/first.tar.zst", second = work.path + "/second.tar.zst"
        let report = try Packer.pack(prefix: build, output: first)
        _ = try Packer.pack(prefix: build, output: second)
        let a = try Data(contentsOf: URL(fileURLWithPath: first)), b = try Data(contentsOf: URL(fileURLWithPath: second))
        #expect(a == b, "packing twice gave different bytes")
        #expect(Set(report.rewrittenScripts).isSuperset(of: ["bin/hello-forge", "bin/plain-tool"]))
        let runPaths = Dictionary(uniqueKeysWithValues: report.rewrittenRunPaths.map { ($0.path, $0.new) })
        #expect(runPaths["bin/greet"] == "$ORIGIN/../lib")
        if shared {
            #expect(runPaths["bin/python\(pyver)"] == "$ORIGIN/../lib")
            #expect(runPaths.contains { $0.key.hasSuffix(".so") && $0.key.contains("lib-dynload/") && $0.value == "$ORIGIN/../.." })
        }

        try FileManager.default.removeItem(atPath: build)
        #expect(!FileManager.default.fileExists(atPath: build))

        for name in ["unpacked", "second place/with a space"] {
            let destination = work.path + "/" + name
            _ = try Unpacker.unpack(archive: first, into: destination)
            // A tree that was unpacked is already relocatable: packing it again gives the same bytes.
            if name == "unpacked" {
                let again = work.path + "/again.tar.zst"
                let repack = try Packer.pack(prefix: destination, output: again)
                #expect(repack.rewrittenScripts.isEmpty && repack.rewrittenRunPaths.isEmpty)
                #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == a, "repacking the unpacked tree changed the archive")
            }
            let run = try Shell.run(runUnpackedScript, environment: ["U": destination])
            let lines = run.output.split(separator: "\n").map(String.init)
            #expect(lines.filter { $0 == "hello-forge prefix=\(destination)" }.count == 2, "\(run.output)")
            #expect(lines.contains("plain-tool prefix=\(destination)"), "\(run.output)")
            #expect(lines.contains("python prefix=\(destination)"), "\(run.output)")
            #expect(lines.contains("hello from libgreet"), "\(run.output)")
            #expect(lines.contains("$ORIGIN/../lib"), "\(run.output)")
            #expect(!run.output.contains(build))
            if shared {
                let pythonRunPath = try Shell.run("patchelf --print-rpath \(shellQuoted(destination + "/bin/python" + pyver))")
                #expect(pythonRunPath.output == "$ORIGIN/../lib\n")
            }
        }
    }

    @Test func commandLineExitCodes() throws {
        let work = try TemporaryDirectory("cli")
        try work.write("p/bin/tool", "#!/bin/sh\necho tool\n", executable: true)
        try work.write("p/etc/conf", "prefix=\(work.path)/p\n")
        try work.write("q/etc/conf", "nothing\n")
        try FileManager.default.createSymbolicLink(atPath: work.path + "/q/etc/hosts", withDestinationPath: "/etc/hosts")
        let forge = shellQuoted(forgeExecutable())
        let refused = try Shell.run("cd \(shellQuoted(work.path)) && \(forge) pack q -o out.tar.zst", expectFailure: true)
        #expect(refused.status == 1)
        #expect(refused.output.contains("etc/hosts: symlink to the absolute path '/etc/hosts'"), "\(refused.output)")
        let ok = try Shell.run("cd \(shellQuoted(work.path)) && \(forge) pack p -o out.tar.zst && \(forge) unpack out.tar.zst 'u d' && ./'u d'/bin/tool && cat 'u d'/etc/conf")
        #expect(ok.output.contains("pack: 1 text files name the build prefix; unpack rewrites them (share/sglang-forge/prefix-rewrites.tsv): etc/conf"), "\(ok.output)")
        #expect(ok.output.contains("the build prefix rewritten in 1 text files (1 occurrences)"), "\(ok.output)")
        let real = FileSystem.realPath(work.path)!
        #expect(ok.output.hasSuffix("tool\nprefix=\(real)/u d\n"), "\(ok.output)")
        let again = try Shell.run("cd \(shellQuoted(work.path)) && \(forge) unpack out.tar.zst 'u d'", expectFailure: true)
        #expect(again.status == 2)
        #expect(again.output.contains("u d exists and is not an empty directory"), "\(again.output)")
    }
}
