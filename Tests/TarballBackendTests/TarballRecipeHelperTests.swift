import BackendCore
import ForgeTestSupport
import Foundation
import Planner
import Spec
import TarballBackend
import Testing

/// Runs the helpers the tarball recipes share (`common/lib.sh`, `common/relink.py`) as emitted,
/// on real files: a .deb built with dpkg-deb, downloads over file:// URLs, ELF files from gcc.
@Suite("tarball recipe helpers", .serialized)
struct TarballRecipeHelperTests {
    /// The emitted `common/` files (and one variant's `env.sh` as `variant-env.sh`), written to
    /// a temporary directory.
    private func emittedCommon(into directory: String) throws {
        let text = try String(contentsOf: Fixtures.url("tarball/spec.yaml"), encoding: .utf8)
        let (spec, _) = SpecLoader.decode(Array(text.utf8), path: "spec.yaml")
        let loaded = try #require(spec)
        let plan = try #require(Planner.plan(loaded).plan)
        for file in try TarballBackend().render(plan, layout: "scripts") where file.path.hasPrefix("common/") || file.path == "sglang-python312-cuda12_8-sm90-avx512/env.sh" {
            let url = URL(fileURLWithPath: directory + "/" + (file.path.hasPrefix("common/") ? file.path : "variant-env.sh"))
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.contents.utf8).write(to: url)
        }
    }

    private func bash(_ script: String, in directory: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "set -euo pipefail; cd \"$W\"; . common/lib.sh; " + script]
        var environment = ProcessInfo.processInfo.environment
        environment["W"] = directory
        environment["PYTHONPATH"] = nil
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/sglang-forge-recipe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func fetchChecksTheHash() throws {
        let w = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: w) }
        try emittedCommon(into: w)
        try Data("payload\n".utf8).write(to: URL(fileURLWithPath: w + "/source.bin"))
        let good = "1b6b2bbd1e5f0f5b3ea8fc0a7a09ec0b4ee7d4a1a4ed1b29b1e1b3d8c54e0f0e"
        let actual = try bash("sha256sum source.bin | cut -d' ' -f1", in: w).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(actual != good)
        let ok = try bash("fetch \"file://$W/source.bin\" sha256 \(actual) \"$W/copy.bin\" && cat copy.bin", in: w)
        #expect(ok.status == 0 && ok.output == "payload\n", "\(ok.output)")
        let bad = try bash("fetch \"file://$W/source.bin\" sha256 \(good) \"$W/bad.bin\"", in: w)
        #expect(bad.status == 1)
        #expect(bad.output == "build.sh: error: file://\(w)/source.bin: sha256 is \(actual), the spec pins \(good)\n")
        #expect(!FileManager.default.fileExists(atPath: w + "/bad.bin") && !FileManager.default.fileExists(atPath: w + "/bad.bin.part"))
    }

    /// `check_glibc` measures the newest GLIBC_x.y symbol version the prefix's ELF files need
    /// (here: this machine's `/bin/ls`, compared with readelf's own answer) against the target.
    @Test func glibcNeedOfTheBuiltPrefix() throws {
        let w = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: w) }
        try emittedCommon(into: w)
        _ = try bash("mkdir -p prefix/bin prefix/lib && cp /bin/ls prefix/bin/ls && printf 'not elf\\n' > prefix/lib/libfake.so.1", in: w)
        let needed = try bash("readelf --dyn-syms --wide /bin/ls | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -u -V | tail -n 1", in: w)
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!needed.isEmpty)
        let ok = try bash("check_glibc \"$W/prefix\" 9.99 && cat prefix/share/sglang-forge/glibc-required", in: w)
        #expect(ok.status == 0 && ok.output == "\(needed)\n", "\(ok.output)")
        let tooOld = try bash("check_glibc \"$W/prefix\" 2.5", in: w)
        #expect(tooOld.status == 1)
        #expect(tooOld.output == "build.sh: error: the prefix needs glibc \(needed) (GLIBC_\(needed) symbols), newer than the target glibc 2.5 (spec runtime.glibc); build the source wheels on an older base\n")
        // Nothing ELF at all: nothing needed.
        let empty = try bash("mkdir -p empty && check_glibc \"$W/empty\" 2.17 && cat empty/share/sglang-forge/glibc-required", in: w)
        #expect(empty.status == 0 && empty.output == "0\n", "\(empty.output)")
    }

    @Test func extractsSonamesFromADebianPackage() throws {
        let w = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: w) }
        try emittedCommon(into: w)
        // dpkg-deb refuses a control directory writable by others, so the inherited umask must not
        // decide the package's permissions: libarchive's archive_write_disk_new() reads the umask
        // with umask(0) + umask(old), which a parallel test (PackTests' unpack) can race with.
        let result = try bash("""
            umask 022
            mkdir -p pkg/DEBIAN pkg/usr/lib/x86_64-linux-gnu prefix/lib
            printf 'Package: libdemo1\\nVersion: 1.0\\nArchitecture: amd64\\nMaintainer: t <t@t>\\nDescription: t\\n' > pkg/DEBIAN/control
            echo 'int demo(void) { return 1; }' > demo.c
            gcc -shared -fPIC -Wl,-soname,libdemo.so.1 -o pkg/usr/lib/x86_64-linux-gnu/libdemo.so.1.0.0 demo.c
            ln -s libdemo.so.1.0.0 pkg/usr/lib/x86_64-linux-gnu/libdemo.so.1
            dpkg-deb --build -Zxz pkg libdemo1.deb >/dev/null
            extract_deb_sonames "$W/libdemo1.deb" "$W/prefix/lib" libdemo.so.1
            ls -l prefix/lib | awk 'NR > 1 {print $1, $9, $10, $11}'
            extract_deb_sonames "$W/libdemo1.deb" "$W/prefix/lib" libmissing.so.2
            """, in: w)
        #expect(result.status == 1)
        #expect(result.output == """
            lrwxrwxrwx libdemo.so.1 -> libdemo.so.1.0.0
            -rwxr-xr-x libdemo.so.1.0.0  
            build.sh: error: \(w)/libdemo1.deb has no libmissing.so.2

            """, "\(result.output)")
    }

    @Test func relinkAndClosureCheck() throws {
        let w = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: w) }
        try emittedCommon(into: w)
        // A prefix with a bundled library in an nvidia-style wheel directory, and a
        // "distribution" whose extension module was linked on a build machine.
        let result = try bash("""
            site=prefix/lib/python3/site-packages
            mkdir -p "$site/nvidia/demo/lib" "$site/kern" "$site/kern-1.0.dist-info"
            echo 'int demo(void) { return 1; }' > demo.c
            gcc -shared -fPIC -Wl,-soname,libdemo.so.1 -o "$site/nvidia/demo/lib/libdemo.so.1" demo.c
            echo 'int demo(void); int ext(void) { return demo(); }' > ext.c
            gcc -shared -fPIC -o "$site/kern/_ext.so" ext.c -L"$site/nvidia/demo/lib" -l:libdemo.so.1 -Wl,-rpath,/usr/local/cuda/lib64:'$ORIGIN/helpers'
            printf 'Metadata-Version: 2.1\\nName: kern\\nVersion: 1.0\\n' > "$site/kern-1.0.dist-info/METADATA"
            printf 'kern/_ext.so,,\\nkern-1.0.dist-info/METADATA,,\\n' > "$site/kern-1.0.dist-info/RECORD"
            PYTHONPATH="$W/$site" python3 common/relink.py "$W/prefix" --sonames libdemo.so.1 --dists kern
            patchelf --print-rpath "$site/kern/_ext.so"
            python3 common/relink.py "$W/prefix" --check libc.so.6 && echo closure-ok
            rm "$site/nvidia/demo/lib/libdemo.so.1"
            python3 common/relink.py "$W/prefix" --check libc.so.6
            """, in: w)
        #expect(result.status == 1)
        #expect(result.output == """
            relink.py: lib/python3/site-packages/kern/_ext.so: dropped /usr/local/cuda/lib64
            $ORIGIN/helpers:$ORIGIN/../nvidia/demo/lib
            closure-ok
            relink.py: libraries neither bundled nor allowed from the host:
              lib/python3/site-packages/kern/_ext.so needs libdemo.so.1
            bundle them (system-libraries + tarball.libraries in the spec) or add them to HOST_SONAMES

            """, "\(result.output)")
    }

    @Test func launcherAndActivateFromAnUnpackedTree() throws {
        let w = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: w) }
        try emittedCommon(into: w)
        // A prefix laid out as build.sh leaves it, with a stand-in for pip's console script;
        // packed, unpacked under a path with a space, run through a symlink and from dash.
        let forge = Repository.executable("sglang-forge").path
        let result = try bash("""
            mkdir -p prefix/bin prefix/libexec/sglang-forge prefix/share/sglang-forge
            install -m 0755 common/sglang prefix/bin/sglang
            install -m 0644 common/activate prefix/bin/activate
            install -m 0644 variant-env.sh prefix/share/sglang-forge/env.sh
            printf '#!/bin/sh\necho "args=$*"\necho "prefix=$SGLANG_FORGE_PREFIX"\necho "CUDA_HOME=$CUDA_HOME"\necho "CPATH=$CPATH"\necho "LIBRARY_PATH=$LIBRARY_PATH"\necho "FLASHINFER_JIT_DIR=$FLASHINFER_JIT_DIR"\n' > prefix/libexec/sglang-forge/sglang
            chmod 755 prefix/libexec/sglang-forge/sglang
            \(shellQuote(forge)) pack prefix -o rt.tar.zst -q 2>/dev/null
            rm -rf prefix
            \(shellQuote(forge)) unpack rt.tar.zst "$W/opt dir/rt" 2>/dev/null
            mkdir -p links && ln -s "$W/opt dir/rt/bin/sglang" links/sg
            env -u CUDA_HOME -u CPATH -u LIBRARY_PATH -u FLASHINFER_JIT_DIR -u XDG_CACHE_HOME HOME=/home/u CPATH=/existing links/sg serve --port 1
            echo ---
            CUDA_HOME=/opt/cuda FLASHINFER_JIT_DIR=/fast/jit bash -c '. "$W/opt dir/rt/bin/activate" && command -v sglang && echo "$CUDA_HOME $CPATH $FLASHINFER_JIT_DIR"'
            SGLANG_FORGE_ACTIVATE="$W/opt dir/rt/bin/activate" dash -c '. "$SGLANG_FORGE_ACTIVATE" && echo "dash prefix=$SGLANG_FORGE_PREFIX"'
            """, in: w)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output == """
            args=serve --port 1
            prefix=\(w)/opt dir/rt
            CUDA_HOME=/usr/local/cuda
            CPATH=/usr/local/cuda/include:/existing
            LIBRARY_PATH=/usr/local/cuda/lib64
            FLASHINFER_JIT_DIR=/home/u/.cache/sglang-forge/sglang-python312-cuda12_8-sm90-avx512/flashinfer
            ---
            \(w)/opt dir/rt/bin/sglang
            /opt/cuda /opt/cuda/include /fast/jit
            dash prefix=\(w)/opt dir/rt

            """, "\(result.output)")
    }
}

private func shellQuote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
