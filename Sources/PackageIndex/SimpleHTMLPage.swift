import Foundation

/// Parses a PEP 503 HTML project page: one `<a href="…#sha256=…">filename</a>` per file, with
/// the optional `data-requires-python` (PEP 503), `data-yanked` (PEP 592) and
/// `data-core-metadata` / `data-dist-info-metadata` (PEP 714 / 658) attributes.
///
/// Only anchor start tags and their text are read; everything else in the page is skipped.
public enum SimpleHTMLPage {
    /// The files of the page; relative URLs are resolved against `pageURL`.
    /// - Throws: ``IndexError/malformedPage(url:reason:)`` when the body is not UTF-8.
    public static func parse(_ data: Data, pageURL: URL) throws(IndexError) -> [IndexFile] {
        guard let html = String(data: data, encoding: .utf8) else {
            throw .malformedPage(url: pageURL.absoluteString, reason: "not UTF-8")
        }
        var result: [IndexFile] = []
        var rest = html[...]
        while let open = rest.range(of: "<a", options: .caseInsensitive) {
            guard let close = rest[open.upperBound...].firstIndex(of: ">") else { break }
            let tag = rest[open.upperBound..<close]
            guard let end = rest[close...].range(of: "</a>", options: .caseInsensitive) else { break }
            let text = unescape(String(rest[rest.index(after: close)..<end.lowerBound])).trimmingCharacters(in: .whitespacesAndNewlines)
            rest = rest[end.upperBound...]
            let attributes = parseAttributes(tag)
            guard let href = attributes["href"], let url = URL(string: href, relativeTo: pageURL)?.absoluteURL else { continue }
            var hashes: [String: String] = [:]
            if let fragment = url.fragment, let eq = fragment.firstIndex(of: "=") {
                hashes[String(fragment[..<eq])] = String(fragment[fragment.index(after: eq)...])
            }
            let metadataText = attributes["data-core-metadata"] ?? attributes["data-dist-info-metadata"]
            var metadata = CoreMetadataAvailability.absent
            if let metadataText, metadataText != "false" {
                var metadataHashes: [String: String] = [:]
                if let eq = metadataText.firstIndex(of: "=") {
                    metadataHashes[String(metadataText[..<eq])] = String(metadataText[metadataText.index(after: eq)...])
                }
                metadata = .available(hashes: metadataHashes)
            }
            let filename = text.isEmpty ? (url.lastPathComponent) : text
            result.append(IndexFile(
                filename: filename, url: SimpleJSONPage.stripFragment(url.absoluteString), hashes: hashes,
                requiresPython: attributes["data-requires-python"], yanked: attributes["data-yanked"],
                coreMetadata: metadata, size: nil))
        }
        return result
    }

    /// `name="value"`, `name='value'`, `name=value` and bare `name` attributes, names lowercased,
    /// values HTML-unescaped.
    static func parseAttributes(_ tag: Substring) -> [String: String] {
        var attributes: [String: String] = [:]
        let chars = Array(tag)
        var i = 0
        func skipSpace() { while i < chars.count, chars[i].isWhitespace || chars[i] == "/" { i += 1 } }
        while true {
            skipSpace()
            guard i < chars.count else { break }
            let start = i
            while i < chars.count, !chars[i].isWhitespace, chars[i] != "=" { i += 1 }
            let name = String(chars[start..<i]).lowercased()
            while i < chars.count, chars[i].isWhitespace { i += 1 }
            guard i < chars.count, chars[i] == "=" else { attributes[name] = ""; continue }
            i += 1
            while i < chars.count, chars[i].isWhitespace { i += 1 }
            var value = ""
            if i < chars.count, chars[i] == "\"" || chars[i] == "'" {
                let quote = chars[i]
                i += 1
                let vstart = i
                while i < chars.count, chars[i] != quote { i += 1 }
                value = String(chars[vstart..<min(i, chars.count)])
                i += 1
            } else {
                let vstart = i
                while i < chars.count, !chars[i].isWhitespace { i += 1 }
                value = String(chars[vstart..<i])
            }
            attributes[name] = unescape(value)
        }
        return attributes
    }

    /// Decodes the entities PEP 503 pages use (`&lt;`, `&gt;`, `&amp;`, `&quot;`, `&#39;`, `&#NN;`, `&#xNN;`).
    static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var rest = s[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                out.append("&")
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let entity = rest[rest.index(after: amp)..<semi]
            let named = ["lt": "<", "gt": ">", "amp": "&", "quot": "\"", "apos": "'"]
            if let v = named[String(entity)] {
                out += v
            } else if entity.hasPrefix("#x") || entity.hasPrefix("#X"), let n = UInt32(entity.dropFirst(2), radix: 16), let u = Unicode.Scalar(n) {
                out.unicodeScalars.append(u)
            } else if entity.hasPrefix("#"), let n = UInt32(entity.dropFirst()), let u = Unicode.Scalar(n) {
                out.unicodeScalars.append(u)
            } else {
                out += rest[amp...semi]
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}
