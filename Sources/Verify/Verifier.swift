import CUDACompatibility
import Crypto
import DeviceCode
import Foundation
import Hashes
import Packaging

/// One way an installation differs from its manifest.
public enum Difference: Hashable, Sendable, CustomStringConvertible {
    /// A component of the manifest is not installed.
    case missingDistribution(name: String, expected: String)
    /// Installed at another version.
    case wrongVersion(name: String, expected: String, installed: String)
    /// Installed but neither a component nor in the given closure.
    case unexpectedDistribution(name: String, version: String)
    /// A RECORD entry whose file is gone.
    case missingFile(distribution: String, path: String)
    /// A RECORD entry whose size or hash differs.
    case modifiedFile(distribution: String, path: String, detail: String)
    /// A dist-info directory that could not be read.
    case unreadableDistribution(path: String, problem: String)
    /// torch's `libtorch_cuda.so` has no code (or only PTX) for a capability of the variant.
    case deviceCode(library: String, capability: String, coverage: String)
    /// A library links another CUDA runtime major than the manifest's CUDA release.
    case cudaRuntime(library: String, expected: Int, found: [Int])
    /// The host does not fit (driver, GPU capability, glibc).
    case host(String)

    public var description: String {
        switch self {
        case .missingDistribution(let n, let v): "missing distribution: \(n) \(v) is not installed"
        case .wrongVersion(let n, let e, let i): "wrong version: \(n) is \(i), the manifest pins \(e)"
        case .unexpectedDistribution(let n, let v): "unexpected distribution: \(n) \(v) is neither a component nor in the closure"
        case .missingFile(let d, let p): "missing file: \(p) (listed in \(d)'s RECORD)"
        case .modifiedFile(let d, let p, let detail): "modified file: \(p) of \(d): \(detail)"
        case .unreadableDistribution(let p, let problem): "unreadable distribution: \(p): \(problem)"
        case .deviceCode(let l, let c, let coverage): "device code: \(l) has \(coverage) for compute capability \(c)"
        case .cudaRuntime(let l, let e, let f): "CUDA runtime: \(l) links libcudart.so.\(f.map(String.init).joined(separator: ", .")), the manifest's CUDA major is \(e)"
        case .host(let m): "host: \(m)"
        }
    }

    /// The JSON word for the kind.
    public var kind: String {
        switch self {
        case .missingDistribution: "missing-distribution"
        case .wrongVersion: "wrong-version"
        case .unexpectedDistribution: "unexpected-distribution"
        case .missingFile: "missing-file"
        case .modifiedFile: "modified-file"
        case .unreadableDistribution: "unreadable-distribution"
        case .deviceCode: "device-code"
        case .cudaRuntime: "cuda-runtime"
        case .host: "host"
        }
    }
}

/// `verify`: compares an installed environment with its runtime manifest.
public struct Verifier: Sendable {
    public var manifest: RuntimeManifest
    public var environment: InstalledEnvironment
    /// Exact pins (`name → version`) of the Python closure: the manifest's closure
    /// distributions, or the pins given instead (`--closure`).
    public var closure: [String: String]
    /// Whether to hash every RECORD file (sizes are always compared).
    public var checkHashes: Bool

    public init(manifest: RuntimeManifest, environment: InstalledEnvironment, closure: [String: String]? = nil, checkHashes: Bool = true) {
        self.manifest = manifest
        self.environment = environment
        self.closure = closure ?? manifest.closure
        self.checkHashes = checkHashes
    }

    /// What was compared and every difference.
    public struct Report: Sendable {
        public var differences: [Difference]
        public var distributions: Int
        public var filesChecked: Int
        /// torch's `libtorch_cuda.so` device-code targets, when found.
        public var torchTargets: [DeviceCodeTarget]?
    }

    /// Runs every comparison.
    public func run() -> Report {
        var differences: [Difference] = environment.unreadable.map { .unreadableDistribution(path: $0.path, problem: $0.problem) }
        var expected: [String: (version: String, source: Bool)] = [:]
        for c in manifest.components { expected[InstalledEnvironment.normalize(c.name)] = (c.version, c.kind == .source) }
        for c in manifest.components.sorted(by: { $0.name < $1.name }) {
            guard let dist = environment.distributions[InstalledEnvironment.normalize(c.name)] else {
                differences.append(.missingDistribution(name: c.name, expected: c.version))
                continue
            }
            if !Self.versionsMatch(installed: dist.version, expected: c.version, publicOnly: c.kind == .source) {
                differences.append(.wrongVersion(name: c.name, expected: c.version, installed: dist.version))
            }
        }
        for (key, dist) in environment.distributions.sorted(by: { $0.key < $1.key }) where expected[key] == nil {
            if let pinned = closure[key] {
                if !Self.versionsMatch(installed: dist.version, expected: pinned, publicOnly: false) {
                    differences.append(.wrongVersion(name: dist.name, expected: pinned, installed: dist.version))
                }
            } else {
                differences.append(.unexpectedDistribution(name: dist.name, version: dist.version))
            }
        }
        for (name, version) in closure.sorted(by: { $0.key < $1.key }) where environment.distributions[name] == nil && expected[name] == nil {
            differences.append(.missingDistribution(name: name, expected: version))
        }
        let (fileDifferences, files) = checkRecords()
        differences += fileDifferences
        var torchTargets: [DeviceCodeTarget]?
        if let torch = environment.distributions["torch"] {
            let library = torch.root.appendingPathComponent("torch/lib/libtorch_cuda.so").path
            if FileManager.default.fileExists(atPath: library) {
                do {
                    let file = try DeviceCodeReader(countKernels: false).read(path: library)[0]
                    torchTargets = file.targets
                    for capability in manifest.capabilities {
                        guard let cc = ComputeCapability(capability) else { continue }
                        let coverage = CompatibilityRules.coverage(of: file.targets, on: cc)
                        if case .native = coverage { continue }
                        differences.append(.deviceCode(library: "torch/lib/libtorch_cuda.so", capability: capability, coverage: coverage.description))
                    }
                    let major = manifest.cuda.version.major
                    if !file.cudaRuntimeMajors.isEmpty, file.cudaRuntimeMajors != [major] {
                        differences.append(.cudaRuntime(library: "torch/lib/libtorch_cuda.so", expected: major, found: file.cudaRuntimeMajors))
                    }
                } catch {
                    differences.append(.unreadableDistribution(path: library, problem: "\(error)"))
                }
            }
        }
        return Report(differences: differences, distributions: environment.distributions.count, filesChecked: files, torchTargets: torchTargets)
    }

    /// PEP 440 equality (`publicOnly`: compares without the local label, for source builds).
    static func versionsMatch(installed: String, expected: String, publicOnly: Bool) -> Bool {
        guard let i = PEP440Version(installed), let e = PEP440Version(expected) else { return installed == expected }
        if publicOnly && e.local.isEmpty { return i.publicVersion == e.publicVersion }
        return i == e
    }

    /// Every RECORD row of every distribution: present, size, and (with ``checkHashes``) sha256.
    private func checkRecords() -> ([Difference], Int) {
        struct Job: Sendable { var dist: String; var url: URL; var row: Record.Row }
        var jobs: [Job] = []
        for (_, dist) in environment.distributions.sorted(by: { $0.key < $1.key }) {
            guard let data = FileManager.default.contents(atPath: dist.distInfo.appendingPathComponent("RECORD").path) else { continue }
            for row in Record(parsing: String(decoding: data, as: UTF8.self)).rows {
                jobs.append(Job(dist: dist.name, url: dist.root.appendingPathComponent(row.path).standardizedFileURL, row: row))
            }
        }
        let results = UnsafeMutableBufferPointer<Difference?>.allocate(capacity: jobs.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let hashes = checkHashes
        let work = jobs
        nonisolated(unsafe) let out = results
        DispatchQueue.concurrentPerform(iterations: work.count) { i in
            out[i] = Self.check(work[i].url, row: work[i].row, distribution: work[i].dist, hash: hashes)
        }
        return (results.compactMap { $0 }, jobs.count)
    }

    private static func check(_ url: URL, row: Record.Row, distribution: String, hash: Bool) -> Difference? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else {
            return .missingFile(distribution: distribution, path: row.path)
        }
        if let size = row.size, let actual = (attributes[.size] as? NSNumber)?.intValue, actual != size {
            return .modifiedFile(distribution: distribution, path: row.path, detail: "size \(actual), RECORD says \(size)")
        }
        guard hash, row.algorithm == "sha256", let digest = row.digest else { return nil }
        guard let handle = try? FileHandle(forReadingFrom: url) else { return .missingFile(distribution: distribution, path: row.path) }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        let actual = Base64.encode(Array(hasher.finalize())).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return actual == digest ? nil : .modifiedFile(distribution: distribution, path: row.path, detail: "sha256 \(actual), RECORD says \(digest)")
    }
}
