import Foundation
import Packaging

/// Which view of a simple-API project page a listing was built from.
///
/// A mirror may serve a stale PEP 691 JSON page while its PEP 503 HTML page is current (or the
/// other way round), so ``IndexResolver/listing(project:index:)`` reads both and keeps every
/// file either lists.
public enum ListingSource: String, Codable, Hashable, Sendable, CaseIterable {
    /// Both views list the same files (the JSON view's richer fields are used).
    case jsonAndHTMLAgree = "json+html"
    /// The HTML view lists files the JSON view lacks: the JSON page is stale.
    case htmlNewer = "html (json stale)"
    /// The JSON view lists files the HTML view lacks: the HTML page is stale.
    case jsonNewer = "json (html stale)"
    /// Each view lists files the other lacks.
    case bothPartial = "json+html (both partial)"
    /// Only the JSON view answered.
    case jsonOnly = "json"
    /// Only the HTML view answered (or the index serves no JSON).
    case htmlOnly = "html"
}

/// A project's files as the newest information of both views gives them.
public struct ProjectListing: Hashable, Sendable {
    /// The project name as asked for.
    public var project: String
    /// Every file: the JSON view's in its order, then those only the HTML view lists, in its
    /// order (the index's own order is kept). A file listed by both views takes the JSON entry (it has
    /// `size` and `upload-time`, PEP 700), yanked when either view says so (PEP 592).
    public var files: [IndexFile]
    /// Which views were used and which was newer.
    public var source: ListingSource
    /// Files only the HTML view lists (a stale JSON page), sorted.
    public var onlyInHTML: [String]
    /// Files only the JSON view lists, sorted.
    public var onlyInJSON: [String]

    /// Merges the files of the two views (either may be missing).
    public static func merge(project: String, json: [IndexFile]?, html: [IndexFile]?) -> ProjectListing {
        guard let json else {
            return ProjectListing(project: project, files: html ?? [], source: .htmlOnly, onlyInHTML: [], onlyInJSON: [])
        }
        guard let html else {
            return ProjectListing(project: project, files: json, source: .jsonOnly, onlyInHTML: [], onlyInJSON: [])
        }
        var byName: [String: IndexFile] = [:]
        for file in html { byName[file.filename] = file }
        let htmlNames = Set(byName.keys)
        let jsonNames = Set(json.map(\.filename))
        var files: [IndexFile] = []
        for file in json {
            var merged = file
            if let other = byName[file.filename] {
                if merged.yanked == nil { merged.yanked = other.yanked }
                if merged.hashes.isEmpty { merged.hashes = other.hashes }
                if merged.requiresPython == nil { merged.requiresPython = other.requiresPython }
                if merged.coreMetadata == .absent { merged.coreMetadata = other.coreMetadata }
            }
            files.append(merged)
        }
        files += html.filter { !jsonNames.contains($0.filename) }
        let onlyHTML = htmlNames.subtracting(jsonNames).sorted()
        let onlyJSON = jsonNames.subtracting(htmlNames).sorted()
        let source: ListingSource = switch (onlyHTML.isEmpty, onlyJSON.isEmpty) {
        case (true, true): .jsonAndHTMLAgree
        case (false, true): .htmlNewer
        case (true, false): .jsonNewer
        case (false, false): .bothPartial
        }
        return ProjectListing(project: project, files: files, source: source,
                              onlyInHTML: onlyHTML, onlyInJSON: onlyJSON)
    }
}

extension IndexResolver {
    /// `Accept` for the PEP 691 JSON view only.
    public static let acceptJSON = "application/vnd.pypi.simple.v1+json"
    /// `Accept` for the PEP 503 HTML view only.
    public static let acceptHTML = "application/vnd.pypi.simple.v1+html, text/html;q=0.5"

    /// Reads both views of `project`'s page on `index` at once and merges them
    /// (``ProjectListing/merge(project:json:html:)``). A view that fails (HTTP 404/406, not
    /// that format) is left out; when both fail, the JSON view's error is thrown.
    /// - Throws: ``IndexError``.
    public func listing(project: String, index: String) async throws(IndexError) -> ProjectListing {
        let root = index.hasSuffix("/") ? index : index + "/"
        let pageText = root + MarkerEnvironment.normalizeName(project) + "/"
        guard let page = URL(string: pageText) else { throw .malformedPage(url: pageText, reason: "not a URL") }
        async let jsonView = view(page, accept: Self.acceptJSON)
        async let htmlView = view(page, accept: Self.acceptHTML)
        let (json, html) = await (jsonView, htmlView)
        switch (json, html) {
        case (.failure(let error), .failure):
            throw error
        default:
            // A JSON request answered with HTML is the HTML view (an index without PEP 691).
            let jsonFiles = try? json.get()
            let htmlFiles = try? html.get()
            if case .success(let (files, wasJSON)) = json, !wasJSON {
                return ProjectListing.merge(project: project, json: nil, html: htmlFiles?.0 ?? files)
            }
            return ProjectListing.merge(project: project, json: jsonFiles?.0, html: htmlFiles.flatMap { $0.1 ? nil : $0.0 })
        }
    }

    private func view(_ page: URL, accept: String) async -> Result<([IndexFile], Bool), IndexError> {
        do {
            let (body, type) = try await client.get(page, accept: accept)
            if type.contains("json") { return .success((try SimpleJSONPage.parse(body, pageURL: page), true)) }
            return .success((try SimpleHTMLPage.parse(body, pageURL: page), false))
        } catch {
            return .failure(error)
        }
    }
}
