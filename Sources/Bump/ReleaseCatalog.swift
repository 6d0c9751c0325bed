import Foundation
import PackageIndex
import Packaging

/// A release of a project as the index lists it, with the wheel chosen for the target and its
/// requirements read (``ReleaseCatalog/candidate(project:version:index:)``).
public struct Candidate: Sendable {
    /// The project name as asked for.
    public var project: String
    /// The release.
    public var version: PEP440Version
    /// The chosen wheel.
    public var file: IndexFile
    /// Its Requires-Dist as shipped.
    public var requiresDist: [String]
    /// Its applicable requirements on the target.
    public var facts: RequirementFacts
    /// `Requires-Python` of the metadata, else of the index entry.
    public var requiresPython: String?
    /// How the metadata was read.
    public var origin: RemoteMetadataOrigin
}

/// The releases of one project: wheel files grouped by version.
public struct ReleaseList: Sendable {
    /// The listing they come from.
    public var listing: ProjectListing
    /// Wheel (and sdist) files by version.
    public var files: [PEP440Version: [IndexFile]]

    init(listing: ProjectListing) {
        self.listing = listing
        var files: [PEP440Version: [IndexFile]] = [:]
        let normalized = MarkerEnvironment.normalizeName(listing.project)
        for file in listing.files {
            guard let version = Self.version(of: file.filename, project: normalized) else { continue }
            files[version, default: []].append(file)
        }
        self.files = files
    }

    /// The version of a wheel or sdist file of `project` (normalised), from its name.
    static func version(of filename: String, project: String) -> PEP440Version? {
        if let wheel = try? WheelFilename(parsing: filename) {
            return MarkerEnvironment.normalizeName(wheel.distribution) == project ? wheel.version : nil
        }
        for suffix in [".tar.gz", ".zip"] where filename.hasSuffix(suffix) {
            let stem = filename.dropLast(suffix.count)
            guard let dash = stem.lastIndex(of: "-") else { return nil }
            guard MarkerEnvironment.normalizeName(String(stem[..<dash])) == project else { return nil }
            return PEP440Version(String(stem[stem.index(after: dash)...]))
        }
        return nil
    }

    /// Versions newer than `current`, newest first; pre-releases only when `current` is one.
    public func newer(than current: PEP440Version) -> [PEP440Version] {
        files.keys.filter { $0 > current && ($0.isPreRelease == false || current.isPreRelease) }.sorted(by: >)
    }

    /// The upload day (`YYYY-MM-DD`) of a release: the earliest PEP 700 `upload-time` of its files.
    public func uploaded(_ version: PEP440Version) -> String? {
        files[version]?.compactMap(\.uploadTime).min().map { String($0.prefix(10)) }
    }

    /// When every file of `version` is yanked (PEP 592): the reasons given (possibly empty strings).
    public func yankedReasons(_ version: PEP440Version) -> [String]? {
        guard let all = files[version], !all.isEmpty, all.allSatisfy({ $0.yanked != nil }) else { return nil }
        return Array(Set(all.compactMap(\.yanked))).sorted()
    }
}

/// Reads and caches listings and candidates for one `bump` run, so that every project page and
/// every wheel's metadata is fetched at most once.
public actor ReleaseCatalog {
    let resolver: IndexResolver
    let metadata: RemoteWheelMetadata
    private var lists: [String: Result<ReleaseList, IndexError>] = [:]
    private var candidates: [String: Result<Candidate, IndexError>] = [:]

    public init(resolver: IndexResolver, metadata: RemoteWheelMetadata) {
        self.resolver = resolver
        self.metadata = metadata
    }

    /// The releases of `project` on `index` (both views merged).
    public func releases(of project: String, index: String) async -> Result<ReleaseList, IndexError> {
        let key = index + " " + MarkerEnvironment.normalizeName(project)
        if let cached = lists[key] { return cached }
        resolver.progress("\(project): reading \(index)")
        let result: Result<ReleaseList, IndexError>
        do { result = .success(ReleaseList(listing: try await resolver.listing(project: project, index: index))) } catch {
            result = .failure(error)
        }
        lists[key] = result
        return result
    }

    /// Every listing read so far, by project, sorted.
    public func sourceReports() -> [SourceReport] {
        lists.values.compactMap { try? $0.get() }.map {
            SourceReport(project: $0.listing.project, source: $0.listing.source, onlyInHTML: $0.listing.onlyInHTML.count, onlyInJSON: $0.listing.onlyInJSON.count)
        }.sorted { $0.project < $1.project }
    }

    /// Every wheel whose metadata was read, sorted by file name.
    public func metadataReads() -> [MetadataRead] {
        candidates.values.compactMap { try? $0.get() }.map { MetadataRead(filename: $0.file.filename, size: $0.file.size, origin: $0.origin) }
            .sorted { $0.filename < $1.filename }
    }

    /// The wheel of `project` `version` chosen for the target, with its metadata read through
    /// PEP 658 or range requests.
    public func candidate(project: String, version: PEP440Version, index: String) async -> Result<Candidate, IndexError> {
        let key = index + " " + MarkerEnvironment.normalizeName(project) + "==" + version.description
        if let cached = candidates[key] { return cached }
        let result = await readCandidate(project: project, version: version, index: index)
        candidates[key] = result
        return result
    }

    /// Reads the candidates of `project` at `versions` concurrently (at most `width` at once) into
    /// the cache, so that a later sequential walk waits on none of them.
    public func prefetch(project: String, versions: [PEP440Version], index: String, width: Int = 8) async {
        _ = await releases(of: project, index: index)
        await withTaskGroup(of: Void.self) { group in
            var pending = versions[...]
            for _ in 0..<width {
                if let next = pending.popFirst() { group.addTask { _ = await self.candidate(project: project, version: next, index: index) } }
            }
            while await group.next() != nil {
                if let next = pending.popFirst() { group.addTask { _ = await self.candidate(project: project, version: next, index: index) } }
            }
        }
    }

    private func readCandidate(project: String, version: PEP440Version, index: String) async -> Result<Candidate, IndexError> {
        let list: ReleaseList
        switch await releases(of: project, index: index) {
        case .success(let value): list = value
        case .failure(let error): return .failure(error)
        }
        do {
            let specifier = try SpecifierSet(parsing: "==" + version.description)
            let choice = try resolver.chooser.choose(from: list.listing.files, project: project, specifier: specifier)
            resolver.progress("\(project) \(version): reading metadata of \(choice.file.filename)")
            let (read, origin) = try await metadata.read(choice.file, wheel: choice.wheel)
            let environment = MarkerEnvironment.linuxCPython(resolver.chooser.target)
            return .success(Candidate(
                project: project, version: version, file: choice.file, requiresDist: read.requiresDist,
                facts: RequirementFacts(read.requiresDist, environment: environment),
                requiresPython: read.requiresPython ?? choice.file.requiresPython, origin: origin))
        } catch let error as IndexError {
            return .failure(error)
        } catch {
            return .failure(.malformedPage(url: index, reason: "\(error)"))
        }
    }
}
