import Foundation
import Hashes
import Lock
import PackageIndex
import Packaging
import Planner
import Spec

/// `sglang-forge lock`'s work: spec → resolved, hashed artifacts → ``LockFile``.
public struct Locker {
    /// Settings from the command line.
    public struct Settings: Sendable {
        /// Download URL-pinned wheels, check their hash and read their metadata.
        public var verifyDownloads = false
        /// Resolve the Python closure with uv.
        public var closure = true
        /// Where downloaded wheels and metadata are kept.
        public var cacheDirectory: URL
        /// Parallel index requests.
        public var concurrency = 4
        /// Time limit of one HTTP attempt, seconds.
        public var timeout: Double = 60
        /// HTTP attempts per request.
        public var attempts = 3
        /// First retry delay, seconds (doubles per attempt).
        public var backoff: Double = 0.5
        /// Commit time of the nixpkgs rev (Unix seconds), when given on the command line.
        public var nixpkgsLastModified: Int?
        /// Whether to ask GitHub for the nixpkgs commit time.
        public var askGitHub = true
        /// Receives one progress line at a time.
        public var progress: @Sendable (String) -> Void = { _ in }

        /// Settings with defaults; only the cache directory is required.
        public init(verifyDownloads: Bool = false, closure: Bool = true, cacheDirectory: URL, concurrency: Int = 4, timeout: Double = 60,
                    attempts: Int = 3, backoff: Double = 0.5, nixpkgsLastModified: Int? = nil, askGitHub: Bool = true,
                    progress: @escaping @Sendable (String) -> Void = { _ in }) {
            self.verifyDownloads = verifyDownloads
            self.closure = closure
            self.cacheDirectory = cacheDirectory
            self.concurrency = concurrency
            self.timeout = timeout
            self.attempts = attempts
            self.backoff = backoff
            self.nixpkgsLastModified = nixpkgsLastModified
            self.askGitHub = askGitHub
            self.progress = progress
        }
    }

    /// The spec being locked.
    public let spec: Spec
    /// Where the lock will be written (the closure goes next to it).
    public let lockPath: String
    /// The lock currently on disk, if any (keeps nixpkgs `lastModified` and URL pins' metadata).
    public let previous: LockFile?
    /// Command-line settings.
    public let settings: Settings

    /// A locker for `spec`, writing next to `lockPath`.
    public init(spec: Spec, lockPath: String, previous: LockFile?, settings: Settings) {
        self.spec = spec
        self.lockPath = lockPath
        self.previous = previous
        self.settings = settings
    }

    /// Resolves every wheel component and assembles the lock.
    /// - Returns: the lock (`nil` when any component failed) and the diagnostics.
    public func run() async -> (LockFile?, [Diagnostic]) {
        var bag = DiagnosticBag(file: spec.path)
        let parts = spec.runtime.python.value.split(separator: ".").compactMap { Int($0) }
        guard parts.count == 2, let glibc = GlibcVersion(spec.runtime.glibc.value) else {
            bag.error("runtime python/glibc must be 'major.minor' to lock", at: spec.runtime.python.location)
            return (nil, bag.sorted)
        }
        let target = TargetEnvironment(pythonMajor: parts[0], pythonMinor: parts[1], architecture: spec.runtime.platform.value.wheelArchitecture, glibc: glibc)
        let client = HTTPClient(timeout: settings.timeout, attempts: settings.attempts, backoff: settings.backoff)
        let resolver = IndexResolver(client: client, chooser: WheelChooser(target: target), cacheDirectory: settings.cacheDirectory, progress: settings.progress)
        let defaultIndex = spec.lock.index?.value ?? LockSettings.defaultIndex

        var requests: [ResolveRequest] = []
        for c in spec.components where c.kind.value == .wheel && c.url == nil {
            guard let specifier = try? SpecifierSet(parsing: "==" + c.version.value) else { continue }
            requests.append(ResolveRequest(key: c.name.value, project: c.name.value, specifier: specifier, index: c.index?.value ?? defaultIndex))
        }
        let results = await resolver.resolveAll(requests, concurrency: settings.concurrency)

        var artifacts: [LockedArtifact] = []
        for c in spec.components where c.kind.value == .wheel {
            if let url = c.url, let hash = c.hash {
                if let artifact = await pinned(c, url: url.value, digest: hash.value, target: target, resolver: resolver, bag: &bag) { artifacts.append(artifact) }
                continue
            }
            guard let result = results[c.name.value] else { continue }
            switch result {
            case .success(let wheel):
                artifacts.append(LockedArtifact(
                    component: c.name.value, version: wheel.choice.wheel.version.description, filename: wheel.choice.file.filename,
                    url: wheel.choice.file.url, size: wheel.size, sha256: wheel.sha256, tags: wheel.choice.wheel.tags.map(\.description),
                    requiresGlibc: wheel.choice.requiresGlibc?.description, origin: .index, index: wheel.request.index,
                    requiresPython: wheel.metadata.requiresPython ?? wheel.choice.file.requiresPython,
                    requiresDist: wheel.metadata.requiresDist, metadata: wheel.metadataOrigin == .pep658 ? .pep658 : .wheel))
            case .failure(let error):
                bag.error("cannot lock component '\(c.name.value)' \(c.version.value): \(error)", at: c.version.location)
            }
        }

        let nixpkgs = await nixpkgsPin(client: HTTPClient(timeout: 10, attempts: 1), bag: &bag)
        let inputs = LockInputs(spec: spec)
        var closure: LockedClosure?
        if settings.closure && !bag.hasErrors {
            settings.progress("closure: uv pip compile")
            let lockDirectory = (lockPath as NSString).deletingLastPathComponent
            do {
                closure = try ClosureCompiler.compile(spec: spec, index: defaultIndex, outputPath: LockLocation.closurePath(forLock: lockPath),
                                                      lockDirectory: lockDirectory.isEmpty ? "." : lockDirectory)
            } catch {
                bag.error("cannot resolve the Python closure: \(error) (or run `sglang-forge lock --no-closure`)", at: nil)
            }
        } else if !settings.closure, let old = previous?.closure, previous?.inputs == inputs {
            closure = old
        }
        if !bag.hasErrors, let chosen = closure {
            closure = await choosingWheels(for: chosen, resolver: resolver, index: defaultIndex, bag: &bag)
        }
        let buildRequirements = lockBuildRequirements(inputs: inputs, index: defaultIndex, bag: &bag)
        if bag.hasErrors { return (nil, bag.sorted) }
        let specName = (spec.path as NSString).lastPathComponent
        var lock = LockFile(spec: LockedSpec(path: specName, inputsSha256: inputs.fingerprint()), inputs: inputs, nixpkgs: nixpkgs,
                            artifacts: artifacts, closure: closure)
        lock.buildRequirements = buildRequirements
        return (lock, bag.sorted)
    }

    /// The closure with the wheel every backend installs for each of its packages
    /// (``IndexResolver/chooseClosureWheels(_:index:concurrency:)``): among the files the closure's
    /// hashes admit, the one the target prefers. A package with no such wheel is an error: the
    /// Nix backend installs wheels only, and all backends must install the same files.
    private func choosingWheels(for closure: LockedClosure, resolver: IndexResolver, index: String, bag: inout DiagnosticBag) async -> LockedClosure {
        let lockDirectory = URL(fileURLWithPath: lockPath).deletingLastPathComponent()
        let path = lockDirectory.appendingPathComponent(closure.path).path
        guard let data = FileManager.default.contents(atPath: path) else {
            bag.error("cannot read the Python closure \(path)", at: nil)
            return closure
        }
        let (parsed, diagnostics) = PythonClosureReader.parse(String(decoding: data, as: UTF8.self), source: path)
        guard let parsed else {
            bag.error("the Python closure \(path) does not parse: \(diagnostics.map(\.description).joined(separator: "; "))", at: nil)
            return closure
        }
        settings.progress("closure: choosing the wheel of each of \(parsed.packages.count) packages")
        let requests = parsed.packages.map { ClosurePackageRequest(name: $0.normalizedName, version: $0.version, sha256: Set($0.sha256)) }
        let results = await resolver.chooseClosureWheels(requests, index: index, concurrency: max(settings.concurrency, 8))
        var wheels: [LockedClosureWheel] = []
        for request in requests {
            switch results[request.name] {
            case .success(let chosen):
                wheels.append(LockedClosureWheel(
                    name: request.name, version: request.version, filename: chosen.choice.file.filename, url: chosen.choice.file.url,
                    sha256: chosen.sha256, size: chosen.choice.file.size, requiresGlibc: chosen.choice.requiresGlibc?.description))
            case .failure(let error):
                bag.error("closure package '\(request.name)' \(request.version): no wheel among the closure's files for the target: \(error)", at: nil)
            case nil:
                bag.error("closure package '\(request.name)' \(request.version): no result", at: nil)
            }
        }
        var result = closure
        result.wheels = wheels.sorted { $0.name < $1.name }
        return result
    }

    /// A wheel pinned by URL + hash in the spec: kept as pinned; downloaded and checked with
    /// `--verify-downloads`.
    private func pinned(_ c: Component, url: String, digest: Digest, target: TargetEnvironment, resolver: IndexResolver, bag: inout DiagnosticBag) async -> LockedArtifact? {
        let last = URL(string: url)?.lastPathComponent ?? ""
        let filename = last.removingPercentEncoding ?? last
        guard digest.algorithm == .sha256, let wheel = try? WheelFilename(parsing: filename) else {
            bag.error("component '\(c.name.value)': a URL-pinned wheel needs a sha256 hash and a wheel file name", at: c.url?.location)
            return nil
        }
        var glibc: GlibcVersion?
        if case .compatible(let needed) = target.compatibility(of: wheel) { glibc = needed }
        let old = previous?.artifact(of: c.name.value).flatMap { $0.sha256 == digest.hex && $0.url == url ? $0 : nil }
        var artifact = LockedArtifact(
            component: c.name.value, version: wheel.version.description, filename: filename, url: url, size: old?.size, sha256: digest.hex,
            tags: wheel.tags.map(\.description), requiresGlibc: glibc?.description, origin: .url, index: nil,
            requiresPython: old?.requiresPython, requiresDist: old?.requiresDist, metadata: old?.metadata ?? .notDownloaded)
        if settings.verifyDownloads {
            do {
                let verified = try await resolver.verify(url: url, sha256: digest.hex, key: c.name.value)
                artifact.size = verified.size
                artifact.requiresDist = verified.metadata.requiresDist
                artifact.requiresPython = verified.metadata.requiresPython
                artifact.metadata = .wheel
            } catch {
                let host = URL(string: url)?.host ?? url
                bag.error("--verify-downloads: cannot download and check the pinned wheel of component '\(c.name.value)': \(error); if \(host) is not reachable from this machine (e.g. a sandbox that only reaches PyPI), run `sglang-forge lock` without --verify-downloads there: the pin stays as written in the spec", at: c.url?.location)
            }
        }
        return artifact
    }

    /// The nixpkgs pin; `lastModified` from the command line, GitHub, or the previous lock of the same rev.
    private func nixpkgsPin(client: HTTPClient, bag: inout DiagnosticBag) async -> LockedNixpkgs {
        let pin = spec.nixpkgs
        var lastModified = settings.nixpkgsLastModified
        if lastModified == nil, let old = previous?.nixpkgs, old.rev == pin.rev.value { lastModified = old.lastModified }
        if lastModified == nil && settings.askGitHub {
            settings.progress("nixpkgs: asking GitHub for the commit time of \(pin.rev.value.prefix(12))")
            switch await NixpkgsCommitTime.fetch(owner: pin.owner.value, repo: pin.repo.value, rev: pin.rev.value, client: client) {
            case .success(let time): lastModified = time
            case .failure(let error):
                bag.warning("nixpkgs 'lastModified' left null: cannot ask GitHub for the commit time of \(pin.rev.value) (\(error)); pass `--nixpkgs-last-modified <unix seconds>` or lock on a machine that reaches api.github.com", at: pin.rev.location)
            }
        }
        return LockedNixpkgs(owner: pin.owner.value, repo: pin.repo.value, rev: pin.rev.value, narHash: pin.tarballHash?.value.sri, lastModified: lastModified)
    }
}
