import BackendCore
import ContainerBackend
import LockReading
import BackendTestSupport
import ForgeTestSupport
import Foundation
import Hashes
import NixBackend
import Planner
import TarballBackend
import Testing

/// The product's promise, checked on the real spec: for every variant of specs/main.yaml (with its
/// lock and Python closure), the Nix flake, the container build files and the tarball recipes
/// install the same Python wheels — the same (distribution, version, sha256) set, equal to the
/// runtime manifest's — and embed byte-identical `runtime.json` files.
///
/// Each set is read from what the backend emits, the way its build reads it: for Nix by evaluating
/// the generated expressions with `nix-instantiate --eval --strict --json` against the stub
/// nixpkgs (the `fetchurl` calls of each variant's environment); for the container and tarball
/// backends by parsing the requirement files their `pip install --require-hashes` commands name.
@Suite("BackendEquivalence") struct BackendEquivalenceTests {
    /// One installed wheel.
    struct Installed: Hashable, CustomStringConvertible {
        var name: String, version: String, sha256: String
        var description: String { "\(name)==\(version) sha256:\(sha256.prefix(12))…" }
    }

    static let spec = "specs/main.yaml"

    /// The plan of specs/main.yaml with its lock, closure and torch's build requirements.
    static func plan() throws -> BuildPlan {
        try PlanFixtures.plan(spec)
    }

    @Test func everyBackendInstallsTheSameWheelsAndManifest() throws {
        let plan = try Self.plan()
        #expect(plan.variants.count == 14)
        let nix = try NixBackend().render(plan, layout: "flake")
        let container = try ContainerBackend().render(plan, layout: "per-variant")
        let bake = try ContainerBackend().render(plan, layout: "bake")
        let tarball = try TarballBackend().render(plan, layout: "scripts")
        let nixSets = try Self.nixInstalled(nix)
        #expect(nixSets.count == 14)

        for variant in plan.variants {
            let name = variant.name
            let manifestText = try #require(Self.file(tarball, "\(name)/runtime.json"))
            // Byte-identical manifests: the tarball's, the Nix tree's (and what evaluation installs,
            // checked in NixBackendTests), both container layouts'.
            #expect(Self.file(nix, "nix/lib/manifests/\(name).json") == manifestText)
            #expect(Self.file(container, "\(name)/runtime.json") == manifestText)
            #expect(Self.file(bake, "manifests/\(name).json") == manifestText)

            let manifest = try Self.manifestInstalled(manifestText)
            let nixSet = try #require(nixSets[name])
            let containerSet = try Self.containerInstalled(container, prefix: "\(name)/")
            let bakeSet = try Self.containerInstalled(bake, prefix: "")
            let tarballSet = try Self.tarballInstalled(tarball, variant: name)
            #expect(manifest.count == 167, "\(name)")  // 160 closure wheels + 7 components
            for (backend, set) in [("nix", nixSet), ("container", containerSet), ("container bake", bakeSet), ("tarball", tarballSet)] {
                #expect(set == manifest, "\(name): \(backend) installs \(set.subtracting(manifest).sorted { $0.name < $1.name }) beyond the manifest and lacks \(manifest.subtracting(set).sorted { $0.name < $1.name })")
            }
        }
    }

    /// The Nix wheels are the closure's own files: every closure wheel the flake fetches is one of
    /// the hashes `specs/main.closure.txt` lists for that package at that version, and its URL
    /// names the wheel file.
    @Test func nixWheelsComeFromTheClosureFile() throws {
        let plan = try Self.plan()
        let text = try String(contentsOf: Repository.root.appendingPathComponent("specs/main.closure.txt"), encoding: .utf8)
        let (closure, diagnostics) = PythonClosureReader.parse(text, source: "specs/main.closure.txt")
        let packages = Dictionary(uniqueKeysWithValues: try #require(closure, "\(diagnostics)").packages.map { ($0.normalizedName, $0) })
        let nix = try NixBackend().render(plan, layout: "flake")
        let closureNix = try #require(Self.file(nix, "nix/lib/closure.nix"))
        let dir = try PlanFixtures.write(nix)
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try Nix.run(["nix-instantiate", "--eval", "--strict", "--json", dir.appendingPathComponent("nix/lib/closure.nix").path])
        struct Entry: Decodable { struct Src: Decodable { var url, hash, name: String }; var version: String; var src: Src }
        let entries = try JSONDecoder().decode([String: Entry].self, from: Data(result.stdout.utf8))
        #expect(entries.count == 160)
        for (name, entry) in entries {
            let package = try #require(packages[name], "\(name) is not in the closure file")
            let digest = try Digest(parsing: entry.src.hash)
            #expect(entry.version == package.version && package.sha256.contains(digest), "\(name)")
            #expect(entry.src.url.hasSuffix("/" + entry.src.name) && entry.src.name.hasSuffix(".whl"), "\(name)")
        }
        // One sample written out, checked by hand against PyPI's simple page and the closure file.
        #expect(closureNix.contains("""
              aiohttp = {
                version = "3.13.3";
                src = {
                  url = "https://files.pythonhosted.org/packages/86/f6/a62cbbf13f0ac80a70f71b1672feba90fdb21fd7abd8dbf25c0105fb6fa3/aiohttp-3.13.3-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl";
                  hash = "sha256-mujdVcjmxCV+rjog/SyPQe2upZku1nFWZCSTuNrzzsw=";
            """))
        #expect(text.contains("--hash=sha256:9ae8dd55c8e6c4257eae3a20fd2c8f41edaea5992ed67156642493b8daf3cecc"))
    }

    // MARK: extraction

    static func file(_ files: [GeneratedFile], _ path: String) -> String? {
        files.first { $0.path == path }?.contents
    }

    /// Per variant, the wheels the evaluated Nix environment fetches (`fetchurl` name/version/hash).
    static func nixInstalled(_ files: [GeneratedFile]) throws -> [String: Set<Installed>] {
        let dir = try PlanFixtures.write(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        let lib = dir.appendingPathComponent("nix/lib").path
        let stub = Fixtures.root.appendingPathComponent("nix/stub-nixpkgs").path
        let expr = """
            builtins.mapAttrs (_: p: map (w: { inherit (w) pname version hash; }) p.env.srcs)
              (import \(lib)/packages.nix { pkgs = import \(stub) { system = "x86_64-linux"; config = import \(lib)/nixpkgs-config.nix; overlays = [ (import \(lib)/overlay.nix) ]; }; }).packages
            """
        let result = try Nix.run(["nix-instantiate", "--eval", "--strict", "--json", "-E", expr])
        struct Wheel: Decodable { var pname, version, hash: String }
        let decoded = try JSONDecoder().decode([String: [Wheel]].self, from: Data(result.stdout.utf8))
        var sets: [String: Set<Installed>] = [:]
        for (name, wheels) in decoded where name != "default" {
            sets[name] = Set(try wheels.map { Installed(name: $0.pname, version: $0.version, sha256: try Digest(parsing: $0.hash).hex) })
            #expect(sets[name]!.count == wheels.count, "\(name): a wheel fetched twice")
        }
        return sets
    }

    /// The `distributions` of a runtime.json.
    static func manifestInstalled(_ text: String) throws -> Set<Installed> {
        struct Manifest: Decodable { struct D: Decodable { var name, version, sha256: String }; var distributions: [D] }
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(text.utf8))
        return Set(manifest.distributions.map { Installed(name: $0.name, version: $0.version, sha256: $0.sha256) })
    }

    /// What the image's `pip install --require-hashes … -r FILE…` installs: the requirement files
    /// named in the Containerfile's runtime stage (`/opt/sglang/requirements/X` is the context's
    /// `requirements/X`; the build stages' torch build requirements never reach the image).
    static func containerInstalled(_ files: [GeneratedFile], prefix: String) throws -> Set<Installed> {
        let containerfile = try #require(file(files, prefix + "Containerfile"))
        let runtime = try #require(containerfile.range(of: " AS runtime\n"))
        let install = try #require(containerfile[runtime.upperBound...].split(separator: "\n").first { $0.contains("pip install") && $0.contains("--require-hashes") })
        let words = install.split(separator: " ").map(String.init)
        var paths: [String] = []
        for (i, word) in words.enumerated() where word == "-r" && i + 1 < words.count {
            let path = words[i + 1]
            #expect(path.hasPrefix("/opt/sglang/requirements/"), "\(path)")
            paths.append(prefix + String(path.dropFirst("/opt/sglang/".count)))
        }
        #expect(paths.count == 2)
        return try requirements(paths.map { try #require(file(files, $0), "\($0)") }, overriding: false)
    }

    /// What build.sh's `pip_install … --require-hashes -r FILE` steps install, in order (a later
    /// `--force-reinstall` replaces an earlier file of the same distribution).
    static func tarballInstalled(_ files: [GeneratedFile], variant: String) throws -> Set<Installed> {
        let script = try #require(file(files, "\(variant)/build.sh"))
        var texts: [String] = []
        for line in script.split(separator: "\n") where line.hasPrefix("pip_install ") && line.contains("--require-hashes") {
            let target = try #require(line.split(separator: " ").last).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let path: String
            switch target {
            case "$PYTHON_DEPS_REQUIREMENTS":
                #expect(script.contains("PYTHON_DEPS_REQUIREMENTS=\"${PYTHON_DEPS_REQUIREMENTS:-$common/python-closure.txt}\""))
                path = "common/python-closure.txt"
            case let other where other.hasPrefix("$common/"): path = "common/" + other.dropFirst("$common/".count)
            default: Issue.record("unexpected requirements file \(target)"); continue
            }
            texts.append(try #require(file(files, path), "\(path)"))
        }
        #expect(texts.count == 2)
        return try requirements(texts, overriding: true)
    }

    /// Parses pip requirement files in hash-checking mode: `name==version --hash=sha256:H` or
    /// `name @ URL --hash=sha256:H` (the version from the wheel file name, PEP 427), exactly one
    /// hash per line (otherwise the installed file would be pip's choice, not the plan's).
    static func requirements(_ texts: [String], overriding: Bool) throws -> Set<Installed> {
        var byName: [String: Installed] = [:]
        for text in texts {
            for raw in text.split(separator: "\n") {
                let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces)
                if line.isEmpty || raw.hasPrefix("#") { continue }
                let words = line.split(separator: " ").map(String.init)
                let hashes = words.filter { $0.hasPrefix("--hash=sha256:") }.map { String($0.dropFirst("--hash=sha256:".count)) }
                #expect(hashes.count == 1, "\(line)")
                let installed: Installed
                if words.count >= 3 && words[1] == "@" {
                    let file = try #require(words[2].split(separator: "/").last).removingPercentEncoding ?? ""
                    let parts = file.split(separator: "-")
                    installed = Installed(name: RuntimeManifest.normalized(words[0]), version: String(parts[1]), sha256: hashes[0])
                } else {
                    let pin = words[0].components(separatedBy: "==")
                    #expect(pin.count == 2, "\(line)")
                    installed = Installed(name: RuntimeManifest.normalized(pin[0]), version: pin[1], sha256: hashes.first ?? "")
                }
                if let earlier = byName[installed.name], earlier != installed, !overriding {
                    Issue.record("\(installed.name) is listed twice with different files: \(earlier) and \(installed)")
                }
                byName[installed.name] = installed
            }
        }
        return Set(byName.values)
    }
}
