/// Python distribution names: the one home of PEP 503 normalisation.
public enum PackageName {
    /// The PEP 503 normalised form of `name`: lowercase, every run of `-`, `_` and `.` replaced by
    /// one `-` (Python: `re.sub(r"[-_.]+", "-", name).lower()`, PEP 503 "Normalized Names").
    /// PEP 685 normalises extras the same way.
    public static func normalized(_ name: String) -> String {
        // ASCII (every valid PEP 508 name) byte by byte: the planner normalises hundreds of names
        // per run, and iterating Characters was most of that.
        let utf8 = name.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(utf8.count)
            var lastWasSeparator = false
            for byte in utf8 {
                if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") {
                    if !lastWasSeparator { bytes.append(UInt8(ascii: "-")) }
                    lastWasSeparator = true
                } else {
                    bytes.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
                    lastWasSeparator = false
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
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
