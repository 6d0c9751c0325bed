import Foundation
import Lock
import PackageIndex
import Packaging
import Planner

/// Reads, for every package of a resolved closure, the wheel the target installs and its
/// Requires-Dist, so that the lock records them and `check` stays offline.
///
/// The wheel is chosen by ``IndexResolver/chooseClosureWheel(_:index:)`` (``WheelChooser``'s
/// rules among the index files whose sha256 the closure lists); every backend installs it. Its metadata comes from the PEP 658 file when
/// the index offers one (hash-checked), else from the wheel's zip with HTTP range requests
/// (``RemoteWheelMetadata``), never from a whole download (unless the server ignores ranges).
public struct ClosureMetadata: Sendable {
    /// Index pages and metadata.
    public var resolver: IndexResolver
    /// PEP 658 files and range reads (a lazy wheel).
    public var remote: RemoteWheelMetadata

    public init(resolver: IndexResolver) {
        self.resolver = resolver
        remote = RemoteWheelMetadata(client: resolver.client)
    }

    /// The lock's entries for `packages` from `index`, at most `concurrency` in flight.
    /// - Returns: the entries, sorted by name, and one message per package that failed.
    public func read(_ packages: [PlannedPythonPackage], index: String, concurrency: Int) async -> ([LockedClosureWheel], [String]) {
        await withTaskGroup(of: Result<LockedClosureWheel, Failure>.self) { group in
            var pending = packages[...]
            var done: [LockedClosureWheel] = []
            var failures: [String] = []
            for _ in 0..<max(1, concurrency) {
                if let next = pending.popFirst() { group.addTask { await self.attempt(next, index: index) } }
            }
            while let result = await group.next() {
                switch result {
                case .success(let d): done.append(d)
                case .failure(let f): failures.append(f.message)
                }
                if let next = pending.popFirst() { group.addTask { await self.attempt(next, index: index) } }
            }
            return (done.sorted { $0.name < $1.name }, failures.sorted())
        }
    }

    struct Failure: Error { var message: String }

    private func attempt(_ package: PlannedPythonPackage, index: String) async -> Result<LockedClosureWheel, Failure> {
        do { return .success(try await entry(package, index: index)) } catch {
            return .failure(Failure(message: "\(package.normalizedName) \(package.version): \(error)"))
        }
    }

    /// One package's entry.
    /// - Throws: ``IndexError``.
    func entry(_ package: PlannedPythonPackage, index: String) async throws(IndexError) -> LockedClosureWheel {
        resolver.progress("closure metadata: \(package.normalizedName) \(package.version)")
        let request = ClosurePackageRequest(name: package.normalizedName, version: package.version, sha256: Set(package.sha256.map(\.hex)))
        let chosen = try await resolver.chooseClosureWheel(request, index: index).get()
        let file = chosen.choice.file
        let (metadata, origin) = try await remote.read(file, wheel: chosen.choice.wheel)
        let source: MetadataSource = origin == .pep658 ? .pep658 : .wheelRange
        return LockedClosureWheel(
            name: package.normalizedName, version: package.version, filename: file.filename, url: file.url, sha256: chosen.sha256,
            size: file.size, requiresGlibc: chosen.choice.requiresGlibc?.description, requiresPython: metadata.requiresPython ?? file.requiresPython,
            requiresDist: metadata.requiresDist, metadata: source, uploadTime: file.uploadTime)
    }
}
