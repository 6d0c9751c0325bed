import DeviceCode
import Foundation
import Hashes
import Lock
import LockReading
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
        /// Download every wheel and record its device code (`lock --device-code`).
        public var deviceCode = false
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
        /// `--exclude-newer`: overrides the spec's `lock.exclude-newer`.
        public var excludeNewer: ExcludeNewerOverride?
        /// uv's cache directory (`nil`: uv's default).
        public var uvCacheDirectory: URL?
        /// The clock, read only for `--exclude-newer now`.
        public var now: @Sendable () -> Date = { Date() }

        /// Settings with defaults; only the cache directory is required.
        public init(verifyDownloads: Bool = false, deviceCode: Bool = false, closure: Bool = true, cacheDirectory: URL, concurrency: Int = 4, timeout: Double = 60,
                    attempts: Int = 3, backoff: Double = 0.5, nixpkgsLastModified: Int? = nil, askGitHub: Bool = true,
                    progress: @escaping @Sendable (String) -> Void = { _ in }) {
            self.verifyDownloads = verifyDownloads
            self.deviceCode = deviceCode
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

    /// `lock --exclude-newer VALUE`.
    public enum ExcludeNewerOverride: Hashable, Sendable {
        /// `now`: the time `lock` runs (not reproducible; recorded in the lock).
        case now
        /// An RFC 3339 timestamp, normalised.
        case timestamp(String)
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

    /// What a run produced.
    public struct Outcome: Sendable {
        /// The lock; `nil` when anything failed (nothing is to be written then).
        public var lock: LockFile?
        /// The new closure file's bytes, to be written at the lock's closure path with the lock;
        /// `nil` when the closure was not re-resolved.
        public var closureFile: Data?
        /// Every diagnostic, sorted.
        public var diagnostics: [Diagnostic]
    }

    /// Resolves every wheel component and the closure and assembles the lock; writes nothing.
    public func run() async -> Outcome {
        var closureFile: Data?
        var bag = DiagnosticBag(file: spec.path)
        guard let python = PythonVersion(spec.runtime.python.value), let glibc = GlibcVersion(spec.runtime.glibc.value) else {
            bag.error("runtime python/glibc must be 'major.minor' to lock", at: spec.runtime.python.location)
            return Outcome(lock: nil, closureFile: nil, diagnostics: bag.sorted)
        }
        let target = TargetEnvironment(pythonMajor: python.major, pythonMinor: python.minor, architecture: spec.runtime.platform.value.wheelArchitecture, glibc: glibc)
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
                    requiresDist: wheel.metadata.requiresDist, metadata: wheel.metadataOrigin == .pep658 ? .pep658 : .wheel,
                    uploadTime: wheel.choice.file.uploadTime))
            case .failure(let error):
                bag.error("cannot lock component '\(c.name.value)' \(c.version.value): \(error)", at: c.version.location)
            }
        }

        await recordDeviceCode(&artifacts, resolver: resolver, bag: &bag)
        let nixpkgs = await nixpkgsPin(client: HTTPClient(timeout: 10, attempts: 1), bag: &bag)
        let inputs = LockInputs(spec: spec)
        var closure: LockedClosure?
        if settings.closure && !bag.hasErrors {
            (closure, closureFile) = await resolveClosure(artifacts: artifacts, target: target, index: defaultIndex, resolver: resolver, bag: &bag)
        } else if !settings.closure, let old = previous?.closure, previous?.inputs == inputs {
            closure = old
        }
        let buildRequirements = lockBuildRequirements(inputs: inputs, index: defaultIndex, bag: &bag)
        if bag.hasErrors { return Outcome(lock: nil, closureFile: nil, diagnostics: bag.sorted) }
        let specName = (spec.path as NSString).lastPathComponent
        var lock = LockFile(spec: LockedSpec(path: specName, inputsSha256: inputs.fingerprint()), inputs: inputs, nixpkgs: nixpkgs,
                            artifacts: artifacts, closure: closure)
        lock.buildRequirements = buildRequirements
        return Outcome(lock: lock, closureFile: closureFile, diagnostics: bag.sorted)
    }

    /// The newest PEP 700 upload time among `artifacts` and the component it belongs to.
    public static func newestUpload(_ artifacts: [LockedArtifact]) -> (time: String, component: String)? {
        var newest: (date: Date, artifact: LockedArtifact)?
        for artifact in artifacts.sorted(by: { $0.component < $1.component }) {
            guard let text = artifact.uploadTime, let date = RFC3339.date(text) else { continue }
            if newest == nil || date > newest!.date { newest = (date, artifact) }
        }
        guard let (date, artifact) = newest else { return nil }
        // uv's bound is exclusive ("uploaded prior to"): one second later admits the newest file.
        return (RFC3339.format(date.addingTimeInterval(1)), "\(artifact.component) \(artifact.version), uploaded \(artifact.uploadTime ?? "")")
    }

    /// The bound the resolution runs with, or an error (with a suggestion) when there is none.
    private func excludeNewer(artifacts: [LockedArtifact], bag: inout DiagnosticBag) -> (String, ExcludeNewerSource)? {
        switch settings.excludeNewer {
        case .now: return (RFC3339.format(settings.now()), .now)
        case .timestamp(let value): return (value, .commandLine)
        case nil:
            if let value = spec.lock.excludeNewer?.value { return (value, .spec) }
            var hint = ""
            if let newest = Self.newestUpload(artifacts) {
                hint = "; the newest upload among the wheels the spec pins is \(newest.component), so `exclude-newer: \(newest.time)` resolves as of then"
            }
            bag.error("no lock.exclude-newer: the closure would be whatever the index offers today; set 'exclude-newer' (RFC 3339) under 'lock:'\(hint), or pass `--exclude-newer now` to resolve against today's index once",
                      at: spec.lock.index?.location)
            return nil
        }
    }

    /// Resolves the closure with uv, reads its distributions' metadata, and reports located errors.
    private func resolveClosure(artifacts: [LockedArtifact], target: TargetEnvironment, index: String, resolver: IndexResolver,
                                bag: inout DiagnosticBag) async -> (LockedClosure?, Data?) {
        guard let bound = excludeNewer(artifacts: artifacts, bag: &bag) else { return (nil, nil) }
        let request = ClosureRequest.make(spec: spec, artifacts: artifacts, target: target)
        settings.progress("closure: uv pip compile (exclude-newer \(bound.0))")
        let lockDirectory = (lockPath as NSString).deletingLastPathComponent
        let output: ClosureCompiler.Output
        do {
            output = try ClosureCompiler.compile(request, spec: spec, index: index, excludeNewer: bound, outputPath: LockLocation.closurePath(forLock: lockPath),
                                                 lockDirectory: lockDirectory.isEmpty ? "." : lockDirectory, uvCacheDirectory: settings.uvCacheDirectory)
        } catch let failure as ClosureCompiler.Failure {
            if let explanation = failure.unsatisfiable {
                let mentioned = Self.names(in: explanation)
                let involved = request.allLines.filter { mentioned.contains($0.name) }
                    .sorted { ($0.origin.location.line, $0.origin.location.column) < ($1.origin.location.line, $1.origin.location.column) }
                let notes = involved.map { bag.note($0.origin.describe($0.text), at: $0.origin.location) }
                // One diagnostic is one line: uv's explanation, its lines joined.
                let text = explanation.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    .map { $0.hasPrefix("error: ") ? String($0.dropFirst(7)) : $0 }.joined(separator: " ")
                bag.error("the requirements of the spec's components cannot all be satisfied (uv): \(text)", at: involved.first?.origin.location, notes: notes)
            } else {
                bag.error("cannot resolve the Python closure: \(failure) (or run `sglang-forge lock --no-closure`)", at: nil)
            }
            return (nil, nil)
        } catch {
            bag.error("cannot resolve the Python closure: \(error)", at: nil)
            return (nil, nil)
        }
        settings.progress("closure: reading the metadata of \(output.packages.count) wheels")
        let (distributions, failures) = await ClosureMetadata(resolver: resolver).read(output.packages, index: index, concurrency: max(settings.concurrency, 8))
        for failure in failures {
            bag.error("cannot read the Requires-Dist of closure package \(failure)", at: nil)
        }
        if !failures.isEmpty { return (nil, nil) }
        var closure = output.closure
        closure.wheels = distributions
        return (closure, output.file)
    }

    /// The PEP 503 names a resolver message mentions (every run of name characters, normalised).
    static func names(in text: String) -> Set<String> {
        var result = Set<String>()
        var word = ""
        for c in text.lowercased() + " " {
            if c.isLetter || c.isNumber || c == "-" || c == "_" || c == "." {
                word.append(c)
            } else if !word.isEmpty {
                result.insert(MarkerEnvironment.normalizeName(word.trimmingCharacters(in: CharacterSet(charactersIn: "-_."))))
                word = ""
            }
        }
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

    /// Fills ``LockedArtifact/deviceCode``: read from each downloaded wheel with `--device-code`,
    /// else kept from the previous lock for the same file (sha256).
    private func recordDeviceCode(_ artifacts: inout [LockedArtifact], resolver: IndexResolver, bag: inout DiagnosticBag) async {
        for i in artifacts.indices {
            let artifact = artifacts[i]
            if let old = previous?.artifact(of: artifact.component), old.sha256 == artifact.sha256 { artifacts[i].deviceCode = old.deviceCode }
            guard settings.deviceCode else { continue }
            settings.progress("device code: \(artifact.filename)")
            do {
                let local = try await resolver.download(url: artifact.url, sha256: artifact.sha256, key: artifact.component)
                artifacts[i].deviceCode = LockedDeviceCode(try DeviceCodeReader().readWheel(path: local.path))
            } catch {
                bag.warning("device code of component '\(artifact.component)' not recorded: \(error)", at: spec.components.first { $0.name.value == artifact.component }?.name.location)
            }
        }
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
