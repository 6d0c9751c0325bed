import Foundation
import Testing
@testable import Pack

/// Builds, with gcc, in `work`:
/// - `p/lib/libinner.so` and `p/lib/python/ext.so`, which needs it through
///   `RUNPATH=$ORIGIN/..` and needs `libm.so.6` from the system;
/// - `p/lib/python/gpu.so`, which needs `libcuda.so.1` (linked against a stand-in outside the
///   prefix: a driver library, accepted whether or not the host has one);
/// - `outside/libouter.so`, a library outside the prefix, and `outside/libcuda.so.1`.
private func buildLibraries(_ work: TemporaryDirectory) throws {
    let w = shellQuoted(work.path)
    try Shell.run("""
        cd \(w)
        mkdir -p c p/lib/python outside
        echo 'int inner(void) { return 1; }' > c/inner.c
        echo 'int outer(void) { return 2; }' > c/outer.c
        echo 'int cuInit(unsigned f) { return (int)f; }' > c/cuda.c
        echo 'int inner(void); double cos(double); int ext(double x) { return inner() + (int)cos(x); }' > c/ext.c
        echo 'int cuInit(unsigned); int gpu(void) { return cuInit(0); }' > c/gpu.c
        gcc -shared -fPIC -Wl,-soname,libinner.so -o p/lib/libinner.so c/inner.c
        gcc -shared -fPIC -Wl,-soname,libouter.so -o outside/libouter.so c/outer.c
        gcc -shared -fPIC -Wl,-soname,libcuda.so.1 -o outside/libcuda.so.1 c/cuda.c
        gcc -shared -fPIC -Wl,--no-as-needed -o p/lib/python/ext.so c/ext.c -Lp/lib -linner -lm -Wl,-rpath,'$ORIGIN/..'
        gcc -shared -fPIC -Wl,--no-as-needed -o p/lib/python/gpu.so c/gpu.c outside/libcuda.so.1
        """)
}

/// Links `p/<name>` against `outside/libouter.so` with no run path.
private func linkAgainstOuter(_ work: TemporaryDirectory, _ name: String) throws {
    let w = shellQuoted(work.path)
    try Shell.run("""
        cd \(w)
        echo 'int outer(void); int user(void) { return outer(); }' > c/user.c
        gcc -shared -fPIC -Wl,--no-as-needed -o p/\(name) c/user.c outside/libouter.so
        """)
}

/// `ldd`'s answer for each direct `DT_NEEDED` name of `file`: the path, or `nil` for "not found".
private func ldd(_ file: String) throws -> [String: String?] {
    var result: [String: String?] = [:]
    for line in try Shell.run("ldd \(shellQuoted(file)) || true").output.split(separator: "\n") {
        let parts = line.trimmingCharacters(in: .whitespaces).components(separatedBy: " => ")
        guard parts.count == 2 else { continue }
        let target = parts[1].components(separatedBy: " (")[0]
        result[parts[0]] = target == "not found" ? .some(nil) : .some(FileSystem.realPath(target) ?? target)
    }
    return result
}

/// `readelf -d`'s NEEDED, RPATH and RUNPATH of `file`.
private func readelf(_ file: String) throws -> (needed: [String], rpath: String?, runpath: String?) {
    var result: (needed: [String], rpath: String?, runpath: String?) = ([], nil, nil)
    for line in try Shell.run("readelf -d -W \(shellQuoted(file))").output.split(separator: "\n") {
        guard let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { continue }
        let value = String(line[line.index(after: open)..<close])
        if line.contains("(NEEDED)") { result.needed.append(value) }
        if line.contains("(RPATH)") { result.rpath = value }
        if line.contains("(RUNPATH)") { result.runpath = value }
    }
    return result
}

@Suite("needed libraries")
struct NeededLibraryTests {
    @Test func satisfiedInThePrefixFromTheSystemAndTheDriverPack() throws {
        let work = try TemporaryDirectory("needed-ok")
        try buildLibraries(work)
        let report = try Packer.pack(prefix: work.path + "/p", output: work.path + "/ok.tar.zst")
        // ext.so's libinner.so is in the prefix, gpu.so's libcuda.so.1 is the driver's; all
        // others (libm.so.6, libc.so.6) are the system's.
        let all = try ["lib/libinner.so", "lib/python/ext.so", "lib/python/gpu.so"].flatMap { try readelf(work.path + "/p/" + $0).needed }
        #expect(all.contains("libm.so.6"))
        #expect(report.neededInPrefix == 1)
        #expect(report.neededFromDriver == 1)
        #expect(report.neededFromSystem == all.count - 2)
        #expect(report.preloadedLibraries == [])
    }

    @Test func agreesWithTheDynamicLinker() throws {
        let work = try TemporaryDirectory("needed-ldd")
        try buildLibraries(work)
        try linkAgainstOuter(work, "lib/user.so")
        let root = FileSystem.realPath(work.path + "/p")!
        let search = LibrarySearch.host()
        for file in ["lib/python/ext.so", "lib/libinner.so", "lib/user.so"] {
            let oracle = try ldd(root + "/" + file)
            let dynamic = try readelf(root + "/" + file)
            for needed in dynamic.needed {
                let ours = search.resolve(needed, file: file, root: root, rpath: dynamic.rpath, runpath: dynamic.runpath, prefixNames: [])
                let expected = try #require(oracle[needed], "ldd does not list \(needed) of \(file)")
                switch ours {
                case .prefix(let path): #expect(expected == root + "/" + path, "\(file): \(needed)")
                case .system(let path), .outside(let path): #expect(expected == FileSystem.realPath(path), "\(file): \(needed)")
                case .missing: #expect(expected == nil, "\(file): \(needed)")
                default: Issue.record("\(file): \(needed): unexpected \(ours)")
                }
            }
        }
    }

    @Test func missingLibraryIsRefused() throws {
        let work = try TemporaryDirectory("needed-missing")
        try buildLibraries(work)
        try linkAgainstOuter(work, "lib/user.so")
        do {
            _ = try Packer.pack(prefix: work.path + "/p", output: work.path + "/x.tar.zst")
            Issue.record("packing succeeded")
        } catch {
            #expect(error.description == """
                cannot pack \(work.path)/p: 1 problem
                  lib/user.so: needs libouter.so, which the dynamic linker finds nowhere (not in the file's RUNPATH/RPATH, the ld.so cache or the system directories, and no file of that name is in the prefix); bundle it into the prefix
                """)
        }
        #expect(!FileManager.default.fileExists(atPath: work.path + "/x.tar.zst"))
    }

    @Test func aRefusalListsTheNeededLibrariesWithTheProblemsOfThePass() throws {
        let work = try TemporaryDirectory("needed-and-pass")
        try buildLibraries(work)
        try linkAgainstOuter(work, "lib/user.so")
        // A problem found while the files are read (the pass), besides the needed library that
        // the check after the pass finds missing: one refusal lists both, sorted by path.
        try FileManager.default.createDirectory(atPath: work.path + "/p/bin", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: work.path + "/p/bin/up", withDestinationPath: "../../outside")
        do {
            _ = try Packer.pack(prefix: work.path + "/p", output: work.path + "/x.tar.zst")
            Issue.record("packing succeeded")
        } catch {
            #expect(error.description == """
                cannot pack \(work.path)/p: 2 problems
                  bin/up: symlink target '../../outside' escapes the prefix
                  lib/user.so: needs libouter.so, which the dynamic linker finds nowhere (not in the file's RUNPATH/RPATH, the ld.so cache or the system directories, and no file of that name is in the prefix); bundle it into the prefix
                """)
        }
        #expect(!FileManager.default.fileExists(atPath: work.path + "/x.tar.zst"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.hasPrefix(".x.tar.zst") }.isEmpty)
    }

    @Test func libraryFoundOutsideThePrefixIsRefused() throws {
        let work = try TemporaryDirectory("needed-outside")
        try buildLibraries(work)
        try linkAgainstOuter(work, "lib/user.so")
        // As if /etc/ld.so.conf.d listed the outside directory (a CUDA toolkit, /usr/local/lib).
        var search = LibrarySearch.host()
        search.cache["libouter.so"] = work.path + "/outside/libouter.so"
        do {
            _ = try Packer.pack(prefix: work.path + "/p", output: work.path + "/x.tar.zst", options: PackOptions(), libraries: search,
                                allowInsertRange: true, progress: nil)
            Issue.record("packing succeeded")
        } catch {
            #expect(error.description == """
                cannot pack \(work.path)/p: 1 problem
                  lib/user.so: needs libouter.so, which the dynamic linker finds at \(work.path)/outside/libouter.so, outside the prefix and not a system library; another machine may not have it: bundle it into the prefix
                """)
        }
    }

    @Test func aLibraryOfThePrefixThatIsNotOnTheSearchPathIsPreloaded() throws {
        let work = try TemporaryDirectory("needed-preloaded")
        try buildLibraries(work)
        try linkAgainstOuter(work, "lib/python/user.so")
        try Shell.run("mkdir -p \(shellQuoted(work.path))/p/vendor && cp \(shellQuoted(work.path))/outside/libouter.so \(shellQuoted(work.path))/p/vendor/")
        let report = try Packer.pack(prefix: work.path + "/p", output: work.path + "/x.tar.zst")
        #expect(report.preloadedLibraries == ["lib/python/user.so: libouter.so"])
    }

    @Test func searchOrderFollowsLdSo() {
        let root = "/p"
        let files: Set<String> = ["/p/a/libx.so", "/p/b/libx.so", "/usr/lib/x86_64-linux-gnu/libx.so", "/opt/cache/liby.so", "/lib/x86_64-linux-gnu/libz.so"]
        let search = LibrarySearch(cache: ["liby.so": "/opt/cache/liby.so", "libz.so": "/lib/x86_64-linux-gnu/libz.so"],
                                   defaultDirectories: ["/usr/lib/x86_64-linux-gnu"],
                                   exists: { files.contains(URL(fileURLWithPath: $0).standardizedFileURL.path) })
        func resolve(_ name: String, rpath: String? = nil, runpath: String? = nil) -> LibraryResolution {
            search.resolve(name, file: "bin/tool", root: root, rpath: rpath, runpath: runpath, prefixNames: [])
        }
        // DT_RPATH is searched when there is no DT_RUNPATH, and ignored when there is one.
        #expect(resolve("libx.so", rpath: "$ORIGIN/../a") == .prefix("a/libx.so"))
        #expect(resolve("libx.so", rpath: "$ORIGIN/../a", runpath: "${ORIGIN}/../b") == .prefix("b/libx.so"))
        #expect(resolve("libx.so", rpath: "$ORIGIN/../a", runpath: "") == .system("/usr/lib/x86_64-linux-gnu/libx.so"))
        // The cache comes before the default directories, and a cached path outside the
        // system directories is outside.
        #expect(resolve("liby.so") == .outside("/opt/cache/liby.so"))
        #expect(resolve("libz.so") == .system("/lib/x86_64-linux-gnu/libz.so"))
        #expect(resolve("libnvidia-ml.so.1") == .driver)
        #expect(resolve("libnone.so") == .missing)
        #expect(resolve("./rel/libx.so") == .unchecked)
        #expect(resolve("libx.so", runpath: "$LIB/x:relative") == .system("/usr/lib/x86_64-linux-gnu/libx.so"))
    }

    @Test func parsesTheLdSoCacheListing() throws {
        let text = """
            3 libs found in cache `/etc/ld.so.cache'
            \tlibfoo.so.1 (libc6) => /usr/lib/i386-linux-gnu/libfoo.so.1
            \tlibfoo.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libfoo.so.1
            \tlibfoo.so.1 (libc6,x86-64, OS ABI: Linux 3.2.0) => /usr/local/lib/libfoo.so.1
            """
        #expect(LibrarySearch.parseCache(text) == ["libfoo.so.1": "/lib/x86_64-linux-gnu/libfoo.so.1"])
        // This host's cache, as ldconfig lists it, has glibc's libm.
        let host = LibrarySearch.host()
        let libm = try #require(host.cache["libm.so.6"])
        #expect(FileManager.default.fileExists(atPath: libm))
    }
}
