import Packaging

/// How `bump` recognises a coupled package renamed between releases.
public enum Renames {
    /// The newly pinned distribution that most plausibly replaces `old`: one sharing a name
    /// part of four or more letters, or one such part extending the other (`sgl-kernel` →
    /// `sglang-kernel`, `kern` → `kern-ng`), at most half of whose letters differ, closest by edit
    /// distance.
    public static func partner(of old: String, among candidates: [String]) -> String? {
        let parts: [String] = MarkerEnvironment.normalizeName(old).split(separator: "-").map(String.init).filter { $0.count >= 4 }
        let sharing = candidates.filter { candidate in
            let theirs: [String] = candidate.split(separator: "-").map(String.init).filter { $0.count >= 4 }
            return theirs.contains { (part: String) in parts.contains { (mine: String) in part.hasPrefix(mine) || mine.hasPrefix(part) } }
        }
        // …and not too different overall (at most half the longer name's letters change).
        let close = sharing.filter { 2 * editDistance(MarkerEnvironment.normalizeName(old), $0) <= max(old.count, $0.count) }
        return close.min { (editDistance(old, $0), $0) < (editDistance(old, $1), $1) }
    }

    /// Levenshtein distance over Unicode scalars.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        var row = Array(0...y.count)
        for i in 1...max(1, x.count) where !x.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(1, y.count) where !y.isEmpty {
                let saved = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (x[i - 1] == y[j - 1] ? 0 : 1))
                previous = saved
            }
        }
        return row[y.count]
    }
}
