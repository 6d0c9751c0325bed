import DeviceCode
import Foundation
import Hashes
import Lock
import PackageIndex
import Packaging
import Planner
import Spec

/// `sglang-forge lock`'s work: spec → resolved, hashed artifacts → ``LockFile``.
struct Locker {
    /// Settings from the command line.
    struct Settings {
        var verifyDownloads = false
        /// Download every wheel and record its device code (`lock --device-code`).
        var deviceCode = false
        var closure = true
        var cacheDirectory: URL
        var concurrency = 4
        var timeout: Double = 60
        var attempts = 3
        var backoff: Double = 0.5
        var nixpkgsLastModified: Int?
        /// Whether to ask GitHub for the nixpkgs commit time.
        var askGitHub = true
        var progress: @Sendable (String) -> Void = { _ in }
    }

    let spec: Spec
    let lockPath: String
    let previous: LockFile?
    let settings: Settings

    /// Resolves every wheel component and assembles the lock.
    /// - Returns: the lock (`nil` when any component failed) and the diagnostics.
    func run() async -> (LockFile?, [Diagnostic]) {
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

        await recordDeviceCode(&artifacts, resolver: resolver, bag: &bag)
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
        if bag.hasErrors { return (nil, bag.sorted) }
        let specName = (spec.path as NSString).lastPathComponent
        let lock = LockFile(spec: LockedSpec(path: specName, inputsSha256: inputs.fingerprint()), inputs: inputs, nixpkgs: nixpkgs,
                            artifacts: artifacts, closure: closure)
        return (lock, bag.sorted)
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
