import Foundation
import Packaging

/// What to resolve: one project, a version specifier, the index to ask.
public struct ResolveRequest: Hashable, Sendable {
    /// Key the result is reported under (the spec component name).
    public var key: String
    /// Project (distribution) name.
    public var project: String
    /// Versions admitted (the spec pins exactly: `==V`).
    public var specifier: SpecifierSet
    /// Simple-API root, ending in `/` (`https://pypi.org/simple/`).
    public var index: String

    public init(key: String, project: String, specifier: SpecifierSet, index: String) {
        self.key = key
        self.project = project
        self.specifier = specifier
        self.index = index.hasSuffix("/") ? index : index + "/"
    }
}

/// How the Requires-Dist of a resolved wheel was read.
public enum MetadataOrigin: String, Hashable, Sendable {
    /// PEP 658 `.metadata` file.
    case pep658
    /// `*.dist-info/METADATA` of the downloaded wheel.
    case wheel
}

/// A resolved wheel: the chosen file, its verified hash and size, and its core metadata.
public struct ResolvedWheel: Hashable, Sendable {
    /// What was asked for.
    public var request: ResolveRequest
    /// The wheel chosen from the index page.
    public var choice: WheelChooser.Choice
    /// Lowercase hex SHA-256 (from the index, or of the downloaded bytes when the index had none).
    public var sha256: String
    /// Size in bytes.
    public var size: Int
    /// The parsed METADATA.
    public var metadata: CoreMetadata
    /// Where Requires-Dist was read from (PEP 658 file or the wheel).
    public var metadataOrigin: MetadataOrigin
}

/// A downloaded, hash-verified wheel pinned by URL (`lock --verify-downloads`).
public struct VerifiedDownload: Hashable, Sendable {
    /// Size of the downloaded wheel, in bytes.
    public var size: Int
    /// The wheel's core metadata (Requires-Dist, Requires-Python).
    public var metadata: CoreMetadata
}

/// Resolves wheels against PEP 691 / PEP 503 indexes: project page → ``WheelChooser`` → hash,
/// size and metadata (PEP 658 file, or the downloaded wheel). Downloads are kept in
/// `cacheDirectory/sha256/<hex>/<filename>` and reused when their hash still matches.
public struct IndexResolver: Sendable {
    /// The HTTP client (timeouts, retries).
    public var client: HTTPClient
    /// Picks the wheel for the target.
    public var chooser: WheelChooser
    /// Where wheels are downloaded to.
    public var cacheDirectory: URL
    /// Called with one short status line per step (`sgl-kernel: downloading 535.6 MB`).
    public var progress: @Sendable (String) -> Void

    public init(client: HTTPClient, chooser: WheelChooser, cacheDirectory: URL, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.client = client
        self.chooser = chooser
        self.cacheDirectory = cacheDirectory
        self.progress = progress
    }

    /// The `Accept` header: PEP 691 JSON first, PEP 503 HTML as the fallback.
    public static let accept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"

    /// The files on `project`'s page of `index`.
    /// - Throws: ``IndexError``.
    public func files(project: String, index: String) async throws(IndexError) -> [IndexFile] {
        let root = index.hasSuffix("/") ? index : index + "/"
        let pageText = root + MarkerEnvironment.normalizeName(project) + "/"
        guard let page = URL(string: pageText) else { throw .malformedPage(url: pageText, reason: "not a URL") }
        let (body, type) = try await client.get(page, accept: Self.accept)
        if type.contains("json") { return try SimpleJSONPage.parse(body, pageURL: page) }
        return try SimpleHTMLPage.parse(body, pageURL: page)
    }

    /// Resolves one request.
    /// - Throws: ``IndexError`` for any failure, including a hash disagreement.
    public func resolve(_ request: ResolveRequest) async throws(IndexError) -> ResolvedWheel {
        progress("\(request.key): reading \(request.index)")
        // Both views, merged: a mirror may serve a stale JSON page (see ``listing(project:index:)``).
        let files = try await listing(project: request.project, index: request.index).files
        let choice = try chooser.choose(from: files, project: request.project, specifier: request.specifier)
        let file = choice.file
        let indexSHA = file.hashes["sha256"]?.lowercased()
        var metadataText: String?
        var origin = MetadataOrigin.pep658
        if case .available(let hashes) = file.coreMetadata, let url = URL(string: file.url + ".metadata") {
            progress("\(request.key): reading PEP 658 metadata of \(file.filename)")
            let (body, _) = try await client.get(url)
            if let expected = hashes["sha256"]?.lowercased() {
                let actual = FileHasher.sha256(of: body)
                guard actual == expected else { throw .metadataHashMismatch(url: url.absoluteString, expected: expected, actual: actual) }
            }
            metadataText = String(data: body, encoding: .utf8)
        }
        var sha256 = indexSHA
        var size = file.size
        if metadataText == nil || sha256 == nil || size == nil {
            let (local, digest, bytes) = try await fetch(file.url, filename: file.filename, expectedSHA256: indexSHA, key: request.key, size: file.size)
            sha256 = digest
            size = bytes
            if metadataText == nil {
                metadataText = try WheelMetadataReader.metadata(ofWheelAt: local, wheel: choice.wheel, sourceURL: file.url)
                origin = .wheel
            }
        }
        let metadata: CoreMetadata
        do { metadata = try CoreMetadata(parsing: metadataText ?? "") } catch {
            throw .badWheel(url: file.url, reason: "\(error)")
        }
        progress("\(request.key): \(file.filename)")
        return ResolvedWheel(request: request, choice: choice, sha256: sha256!, size: size!, metadata: metadata, metadataOrigin: origin)
    }

    /// Downloads a URL-pinned wheel, checks it against `sha256` and reads its METADATA.
    /// - Throws: ``IndexError`` (unreachable host, hash mismatch, bad wheel).
    public func verify(url: String, sha256: String, key: String) async throws(IndexError) -> VerifiedDownload {
        let filename = (URL(string: url)?.lastPathComponent).map { $0.removingPercentEncoding ?? $0 } ?? "download.whl"
        let (local, _, size) = try await fetch(url, filename: filename, expectedSHA256: sha256, key: key, size: nil)
        guard let wheel = try? WheelFilename(parsing: filename) else { throw .badWheel(url: url, reason: "'\(filename)' is not a wheel file name") }
        let text = try WheelMetadataReader.metadata(ofWheelAt: local, wheel: wheel, sourceURL: url)
        do { return VerifiedDownload(size: size, metadata: try CoreMetadata(parsing: text)) } catch {
            throw .badWheel(url: url, reason: "\(error)")
        }
    }

    /// Downloads `url` into the cache (or reuses the cached file) and checks its sha256.
    /// - Returns: the local file.
    public func download(url: String, sha256: String, key: String) async throws(IndexError) -> URL {
        let filename = (URL(string: url)?.lastPathComponent).map { $0.removingPercentEncoding ?? $0 } ?? "download.whl"
        return try await fetch(url, filename: filename, expectedSHA256: sha256, key: key, size: nil).0
    }

    /// Resolves every request with at most `concurrency` in flight; results keyed by request key.
    public func resolveAll(_ requests: [ResolveRequest], concurrency: Int = 4) async -> [String: Result<ResolvedWheel, IndexError>] {
        await withTaskGroup(of: Outcome.self) { group in
            var results: [String: Result<ResolvedWheel, IndexError>] = [:]
            var pending = requests[...]
            for _ in 0..<max(1, concurrency) {
                if let next = pending.popFirst() { group.addTask { await attempt(next) } }
            }
            while let outcome = await group.next() {
                results[outcome.key] = outcome.result
                if let next = pending.popFirst() { group.addTask { await attempt(next) } }
            }
            return results
        }
    }

    /// One request's result, as a task-group element.
    private struct Outcome: Sendable {
        var key: String
        var result: Result<ResolvedWheel, IndexError>
    }

    private func attempt(_ request: ResolveRequest) async -> Outcome {
        do {
            return Outcome(key: request.key, result: .success(try await resolve(request)))
        } catch {
            return Outcome(key: request.key, result: .failure(error))
        }
    }

    /// Downloads (or reuses from the cache) and verifies a file. Returns its local path, hex
    /// SHA-256 and size.
    private func fetch(_ urlText: String, filename: String, expectedSHA256: String?, key: String, size: Int?) async throws(IndexError) -> (URL, String, Int) {
        guard let url = URL(string: urlText) else { throw .transport(url: urlText, reason: "not a URL") }
        if let expectedSHA256 {
            let cached = cacheDirectory.appendingPathComponent("sha256/\(expectedSHA256)/\(filename)")
            if FileManager.default.fileExists(atPath: cached.path), let (hex, bytes) = try? FileHasher.sha256(of: cached), hex == expectedSHA256 {
                return (cached, hex, bytes)
            }
        }
        let sizeText = size.map { String(format: " %.1f MB", Double($0) / 1e6) } ?? ""
        progress("\(key): downloading \(filename)\(sizeText)")
        let temporary = cacheDirectory.appendingPathComponent("partial/\(UUID().uuidString)-\(filename)")
        try await client.download(url, to: temporary)
        let (hex, bytes) = try FileHasher.sha256(of: temporary)
        if let expectedSHA256, hex != expectedSHA256 {
            try? FileManager.default.removeItem(at: temporary)
            throw .hashMismatch(url: urlText, expected: expectedSHA256, actual: hex)
        }
        let final = cacheDirectory.appendingPathComponent("sha256/\(hex)/\(filename)")
        do {
            try FileManager.default.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: final)
            try FileManager.default.moveItem(at: temporary, to: final)
        } catch {
            throw .localIO(path: final.path, reason: "\(error.localizedDescription)")
        }
        return (final, hex, bytes)
    }
}
