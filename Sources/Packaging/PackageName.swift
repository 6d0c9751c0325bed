/// Python distribution names: the one home of PEP 503 normalisation.
public enum PackageName {
    /// The PEP 503 normalised form of `name`: lowercase, every run of `-`, `_` and `.` replaced by
    /// one `-` (Python: `re.sub(r"[-_.]+", "-", name).lower()`, PEP 503 "Normalized Names").
    /// PEP 685 normalises extras the same way.
    public static func normalized(_ name: String) -> String {
        var out = ""
        var lastWasSeparator = false
        for c in name.lowercased() {
            if c == "-" || c == "_" || c == "." {
                if !lastWasSeparator { out.append("-") }
                lastWasSeparator = true
            } else {
                out.append(c)
                lastWasSeparator = false
            }
        }
        return out
    }
}
