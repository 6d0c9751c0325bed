/// Derives the URL of a new release of a URL-pinned artifact from the old URL, by replacing the
/// old version wherever it occurs (the release tag `v0.6.5`, the file name
/// `flashinfer_jit_cache-0.6.5+cu128-…`), with `+` also matched in its percent-encoded form
/// `%2B` (RFC 3986 §2.1).
public enum URLPattern {
    /// The URL for `newVersion`, or `nil` when `oldURL` does not contain `oldVersion` (nor its
    /// public part), so no pattern can be read from it.
    ///
    /// The full old version (`0.6.5+cu128`) is replaced first, then the remaining occurrences of
    /// its public part (`0.6.5`, e.g. in the tag) by the new public part.
    public static func derive(oldURL: String, oldVersion: String, newVersion: String) -> String? {
        let oldPublic = publicPart(oldVersion), newPublic = publicPart(newVersion)
        // Longest pattern first, in one left-to-right pass, so that a new version containing the
        // old one (0.6.5 → 0.6.5.post1) is never replaced again.
        let pairs = [(oldVersion, newVersion), (encoded(oldVersion), encoded(newVersion)), (oldPublic, newPublic)]
            .filter { !$0.0.isEmpty }
        var out = ""
        var rest = oldURL[...]
        var replaced = false
        while !rest.isEmpty {
            if let (old, new) = pairs.first(where: { rest.hasPrefix($0.0) }) {
                out += new
                rest = rest.dropFirst(old.count)
                replaced = true
            } else {
                out.append(rest.removeFirst())
            }
        }
        return replaced ? out : nil
    }

    static func publicPart(_ version: String) -> String {
        version.firstIndex(of: "+").map { String(version[..<$0]) } ?? version
    }

    static func encoded(_ version: String) -> String {
        version.contains("+") ? String(version.flatMap { $0 == "+" ? Array("%2B") : [$0] }) : ""
    }
}
