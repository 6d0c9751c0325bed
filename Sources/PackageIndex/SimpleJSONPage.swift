import Foundation

/// Parses a PEP 691 JSON project page (`application/vnd.pypi.simple.v1+json`).
public enum SimpleJSONPage {
    /// The files of the page; relative URLs are resolved against `pageURL`.
    /// - Throws: ``IndexError/malformedPage(url:reason:)`` when the body is not a PEP 691 page.
    public static func parse(_ data: Data, pageURL: URL) throws(IndexError) -> [IndexFile] {
        guard let object = try? JSONSerialization.jsonObject(with: data), let root = object as? [String: Any] else {
            throw .malformedPage(url: pageURL.absoluteString, reason: "not a JSON object")
        }
        guard let files = root["files"] as? [[String: Any]] else {
            throw .malformedPage(url: pageURL.absoluteString, reason: "no 'files' list")
        }
        var result: [IndexFile] = []
        for file in files {
            guard let filename = file["filename"] as? String, let href = file["url"] as? String,
                  let url = URL(string: href, relativeTo: pageURL)?.absoluteURL else { continue }
            let hashes = (file["hashes"] as? [String: String]) ?? [:]
            var yanked: String?
            if let flag = file["yanked"] as? Bool { yanked = flag ? "" : nil } else if let reason = file["yanked"] as? String { yanked = reason }
            // PEP 714 renamed `dist-info-metadata` to `core-metadata`; accept both.
            let metadataValue = file["core-metadata"] ?? file["dist-info-metadata"]
            var metadata = CoreMetadataAvailability.absent
            if let flag = metadataValue as? Bool, flag { metadata = .available(hashes: [:]) }
            if let dict = metadataValue as? [String: String] { metadata = .available(hashes: dict) }
            result.append(IndexFile(
                filename: filename, url: stripFragment(url.absoluteString), hashes: hashes,
                requiresPython: file["requires-python"] as? String, yanked: yanked, coreMetadata: metadata,
                size: (file["size"] as? NSNumber)?.intValue, uploadTime: file["upload-time"] as? String))
        }
        return result
    }

    static func stripFragment(_ url: String) -> String {
        url.firstIndex(of: "#").map { String(url[..<$0]) } ?? url
    }
}
