import Crypto
import Foundation
import Hashes
import Testing
import Verify

/// `verify` on a prefix built here from small fixture distributions.
@Suite struct VerifyTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("DeviceCodeTests/Fixtures")

    /// A prefix with sglang 0.5.9, sgl-kernel 0.3.21, torch 2.9.1+cu128 (libtorch_cuda.so is the
    /// libmulti.so fixture: sm_80, sm_90a, sm_100a, compute_90, libcudart.so.12) and a manifest.
    struct Prefix {
        let root: URL
        var site: URL { root.appendingPathComponent("lib/python3.12/site-packages") }

        init(capabilities: [String] = ["9.0"], cuda: String = "12.8", closure: [String: String] = [:]) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID().uuidString)")
            try install("sglang", "0.5.9", files: ["sglang/__init__.py": Data("__version__ = '0.5.9'\n".utf8)])
            try install("sgl_kernel", "0.3.21", files: ["sgl_kernel/__init__.py": Data("# kernels\n".utf8)])
            try install("torch", "2.9.1+cu128", files: [
                "torch/__init__.py": Data("# torch\n".utf8),
                "torch/lib/libtorch_cuda.so": try Data(contentsOf: VerifyTests.fixtures.appendingPathComponent("libmulti.so")),
            ])
            let manifest = """
                {"schema": "sglang-forge/runtime", "schemaVersion": 1,
                 "variant": {"name": "v-sm90-avx512", "gpu": {"target": "sm90", "capabilities": \(capabilities)}},
                 "cuda": {"version": "\(cuda)", "localTag": "cu128", "minDriver": "550"}, "glibc": {"target": "2.35", "minimum": "2.28"},
                 "components": [{"name": "sglang", "version": "0.5.9", "kind": "wheel"}, {"name": "sgl-kernel", "version": "0.3.21", "kind": "wheel"},
                                {"name": "torch", "version": "2.9.1", "kind": "source"}],
                 "distributions": [\(closure.map { "{\"name\": \"\($0.key)\", \"version\": \"\($0.value)\", \"origin\": \"closure\"}" }.sorted().joined(separator: ", "))]}
                """
            try write(root.appendingPathComponent("share/sglang-forge/runtime.json"), Data(manifest.utf8))
        }

        func write(_ url: URL, _ data: Data) throws {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }

        /// Installs a distribution with METADATA and a RECORD (PEP 376 urlsafe-base64 sha256).
        func install(_ name: String, _ version: String, files: [String: Data]) throws {
            let distInfo = "\(name)-\(version).dist-info"
            var record = ""
            for (path, data) in files.sorted(by: { $0.key < $1.key }) {
                try write(site.appendingPathComponent(path), data)
                let digest = Base64.encode(Array(SHA256.hash(data: data))).replacingOccurrences(of: "+", with: "-")
                    .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                record += "\(path),sha256=\(digest),\(data.count)\n"
            }
            let metadata = Data("Metadata-Version: 2.1\nName: \(name.replacingOccurrences(of: "_", with: "-"))\nVersion: \(version)\n".utf8)
            try write(site.appendingPathComponent("\(distInfo)/METADATA"), metadata)
            record += "\(distInfo)/METADATA,,\n\(distInfo)/RECORD,,\n"
            try write(site.appendingPathComponent("\(distInfo)/RECORD"), Data(record.utf8))
        }

        func verify(closure: [String: String]? = nil) throws -> [String] {
            let manifest = try RuntimeManifest.decode(try Data(contentsOf: root.appendingPathComponent("share/sglang-forge/runtime.json")), path: "runtime.json")
            return Verifier(manifest: manifest, environment: try InstalledEnvironment.scan(prefix: root), closure: closure).run().differences.map(\.description)
        }
    }

    @Test func aMatchingInstallationHasNoDifference() throws {
        let prefix = try Prefix()
        defer { try? FileManager.default.removeItem(at: prefix.root) }
        #expect(try prefix.verify() == [])
    }

    @Test func missingDistribution() throws {
        let prefix = try Prefix()
        defer { try? FileManager.default.removeItem(at: prefix.root) }
        try FileManager.default.removeItem(at: prefix.site.appendingPathComponent("sgl_kernel-0.3.21.dist-info"))
        #expect(try prefix.verify() == ["missing distribution: sgl-kernel 0.3.21 is not installed"])
    }

    @Test func wrongVersion() throws {
        let prefix = try Prefix()
        defer { try? FileManager.default.removeItem(at: prefix.root) }
        try prefix.write(prefix.site.appendingPathComponent("sglang-0.5.9.dist-info/METADATA"), Data("Metadata-Version: 2.1\nName: sglang\nVersion: 0.5.8\n".utf8))
        #expect(try prefix.verify() == ["wrong version: sglang is 0.5.8, the manifest pins 0.5.9"])
    }

    @Test func modifiedAndMissingFiles() throws {
        let prefix = try Prefix()
        defer { try? FileManager.default.removeItem(at: prefix.root) }
        try prefix.write(prefix.site.appendingPathComponent("sglang/__init__.py"), Data("__version__ = '0.5.X'\n".utf8)) // same size
        try prefix.write(prefix.site.appendingPathComponent("sgl_kernel/__init__.py"), Data("# patched kernels\n".utf8))
        try FileManager.default.removeItem(at: prefix.site.appendingPathComponent("torch/__init__.py"))
        let differences = try prefix.verify()
        #expect(differences.count == 3)
        #expect(differences.contains { $0.hasPrefix("modified file: sglang/__init__.py of sglang: sha256 ") })
        #expect(differences.contains("modified file: sgl_kernel/__init__.py of sgl-kernel: size 18, RECORD says 10"))
        #expect(differences.contains("missing file: torch/__init__.py (listed in torch's RECORD)"))
    }

    @Test func extraDistribution() throws {
        let prefix = try Prefix()
        defer { try? FileManager.default.removeItem(at: prefix.root) }
        try prefix.install("requests", "2.32.5", files: ["requests/__init__.py": Data("\n".utf8)])
        #expect(try prefix.verify() == ["unexpected distribution: requests 2.32.5 is neither a component nor in the closure"])
        #expect(try prefix.verify(closure: ["requests": "2.32.5"]) == [])
        // The manifest's own closure distributions.
        let pinned = try Prefix(closure: ["requests": "2.32.5", "numpy": "2.3.0"])
        defer { try? FileManager.default.removeItem(at: pinned.root) }
        try pinned.install("requests", "2.32.5", files: ["requests/__init__.py": Data("\n".utf8)])
        #expect(try pinned.verify() == ["missing distribution: numpy 2.3.0 is not installed"])
        #expect(try prefix.verify(closure: ["requests": "2.32.4", "numpy": "2.3.0"]) == [
            "wrong version: requests is 2.32.5, the manifest pins 2.32.4", "missing distribution: numpy 2.3.0 is not installed",
        ])
    }

    @Test func torchDeviceCodeAndCUDARuntime() throws {
        let uncovered = try Prefix(capabilities: ["8.6", "9.0", "7.5", "12.0"], cuda: "13.0")
        defer { try? FileManager.default.removeItem(at: uncovered.root) }
        #expect(try uncovered.verify() == [
            "device code: torch/lib/libtorch_cuda.so has no code for compute capability 7.5",
            "device code: torch/lib/libtorch_cuda.so has PTX JIT only (compute_90) for compute capability 12.0",
            "CUDA runtime: torch/lib/libtorch_cuda.so links libcudart.so.12, the manifest's CUDA major is 13",
        ])
    }

    @Test func crlfMetadataIsRead() throws {
        // tabulate 0.10.0's wheel writes METADATA with CRLF line ends ("\r\n" is one Character).
        let prefix = try Prefix()
        defer { try? FileManager.default.removeItem(at: prefix.root) }
        try prefix.write(prefix.site.appendingPathComponent("sglang-0.5.9.dist-info/METADATA"), Data("Metadata-Version: 2.4\r\nName: sglang\r\nVersion: 0.5.9\r\n\r\nbody\r\n".utf8))
        #expect(try prefix.verify() == [])
    }

    @Test func aPrefixWithoutPythonIsAnError() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("verify-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: VerifyError.self) { try InstalledEnvironment.scan(prefix: empty) }
    }

    /// A manifest whose component kind, distribution origin and CUDA version are the given words.
    static func manifest(kind: String = "wheel", origin: String = "closure", cuda: String = "12.8") -> Data {
        Data("""
            {"schema": "sglang-forge/runtime", "schemaVersion": 1,
             "variant": {"name": "v", "gpu": {"target": "sm90", "capabilities": ["9.0"]}},
             "cuda": {"version": "\(cuda)", "minDriver": "550"}, "glibc": {"minimum": "2.28"},
             "components": [{"name": "sglang", "version": "0.5.9", "kind": "\(kind)"}],
             "distributions": [{"name": "numpy", "version": "2.1.0", "origin": "\(origin)"}]}
            """.utf8)
    }

    @Test func manifestWordsAndVersionsAreTyped() throws {
        let manifest = try RuntimeManifest.decode(Self.manifest(kind: "source"), path: "runtime.json")
        #expect(manifest.components.map(\.kind) == [.source])
        #expect(manifest.distributions.map(\.origin) == [.closure] && manifest.closure == ["numpy": "2.1.0"])
        #expect(manifest.cuda.version.major == 12 && manifest.cuda.version.minor == 8)
        #expect(manifest.glibc?.minimum?.description == "2.28")
    }

    @Test(arguments: [
        (VerifyTests.manifest(kind: "egg"), "unknown component kind 'egg'; expected one of: wheel, source"),
        (VerifyTests.manifest(origin: "mirror"), "unknown distribution origin 'mirror'; expected one of: component, closure"),
        (VerifyTests.manifest(cuda: "12"), "CUDA version '12' is not 'major.minor' such as '12.8'"),
    ])
    func unknownManifestWordsAreClearErrors(data: Data, expected: String) {
        do {
            _ = try RuntimeManifest.decode(data, path: "runtime.json")
            Issue.record("decoded")
        } catch {
            #expect(error.message.hasPrefix("runtime.json: not a runtime manifest: ") && error.message.contains(expected), "\(error.message)")
        }
    }
}
