/// Shell-style wildcard matching (`*`, `?`, `[abc]`, `[a-z]`, `[!x]`), as `fnmatch(3)` without flags.
public enum Glob {
    /// Whether `text` matches `pattern` as a whole.
    public static func matches(_ text: String, pattern: String) -> Bool {
        match(Array(text.unicodeScalars)[...], Array(pattern.unicodeScalars)[...])
    }

    private static func match(_ text: ArraySlice<Unicode.Scalar>, _ pattern: ArraySlice<Unicode.Scalar>) -> Bool {
        var t = text.startIndex, p = pattern.startIndex
        var starP: Int?, starT = 0
        while t < text.endIndex {
            if p < pattern.endIndex {
                let c = pattern[p]
                if c == "*" { starP = p; starT = t; p += 1; continue }
                if c == "?" { t += 1; p += 1; continue }
                if c == "[", let (matched, next) = bracket(text[t], pattern, p) {
                    if matched { t += 1; p = next; continue }
                } else if c == text[t] {
                    t += 1; p += 1; continue
                }
            }
            guard let star = starP else { return false }
            p = star + 1
            starT += 1
            t = starT
        }
        while p < pattern.endIndex, pattern[p] == "*" { p += 1 }
        return p == pattern.endIndex
    }

    /// Matches one character against the bracket expression starting at `start`; returns whether it
    /// matched and the index after `]`, or `nil` when the bracket is not closed (then `[` is literal).
    private static func bracket(_ c: Unicode.Scalar, _ pattern: ArraySlice<Unicode.Scalar>, _ start: Int) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < pattern.endIndex, pattern[i] == "!" || pattern[i] == "^" { negate = true; i += 1 }
        var matched = false
        var first = true
        while i < pattern.endIndex, pattern[i] != "]" || first {
            first = false
            let low = pattern[i]
            if i + 2 < pattern.endIndex, pattern[i + 1] == "-", pattern[i + 2] != "]" {
                if low.value <= c.value && c.value <= pattern[i + 2].value { matched = true }
                i += 3
            } else {
                if low == c { matched = true }
                i += 1
            }
        }
        guard i < pattern.endIndex else { return nil }
        return (matched != negate, i + 1)
    }
}
