/// The text files of a packed prefix that still name the build prefix, which `unpack` rewrites
/// to the directory it unpacks into — conda-pack's model for files it cannot make relocatable
/// at pack time (`.pc` files, `*-config` scripts, CMake package files, `RECORD`-style
/// manifests, a venv's `activate`).
///
/// Stored in every archive whose prefix needs it as ``path`` (listed in the manifest like any
/// file, so its hash is checked). Format (UTF-8, `\n`-terminated lines, tab-separated):
///
///     # sglang-forge prefix rewrites 1: unpack replaces each prefix with the unpacked directory in each file
///     prefix<TAB>/build/prefix/spelling
///     file<TAB>lib/pkgconfig/python-3.11.pc
///
/// Prefixes are listed longest first, files sorted by their UTF-8 bytes; neither holds a tab or
/// a newline. Only text files (no NUL byte) are listed: a binary cannot take a path of another
/// length, so binaries are reported at pack time instead.
public struct PrefixRewrites: Hashable, Sendable {
    /// Path of the list inside an archive and an unpacked prefix.
    public static let path = "share/sglang-forge/prefix-rewrites.tsv"
    /// The first line.
    public static let headerLine = "# sglang-forge prefix rewrites 1: unpack replaces each prefix with the unpacked directory in each file"

    /// The build prefix's spellings, longest first (so `/a/b/c` is replaced before `/a/b`).
    public var prefixes: [String]
    /// Prefix-relative paths of the files to rewrite, sorted.
    public var files: [String]

    /// Creates the list; sorts both parts.
    public init(prefixes: [String], files: [String]) {
        self.prefixes = prefixes.sorted { ($0.utf8.count, $0) > ($1.utf8.count, $1) }
        self.files = files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The file's text.
    public var text: String {
        ([Self.headerLine] + prefixes.map { "prefix\t\($0)" } + files.map { "file\t\($0)" }).joined(separator: "\n") + "\n"
    }

    /// Parses the text.
    /// - Throws: ``UnpackError/badManifest(line:reason:)`` naming ``path`` and the 1-based line.
    public static func parse(_ text: String) throws(UnpackError) -> PrefixRewrites {
        var prefixes: [String] = [], files: [String] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first.map(String.init) == headerLine else { throw .badRewrites(line: 1, reason: "the first line is not '\(headerLine)'") }
        for (index, line) in lines.enumerated().dropFirst() {
            if line.isEmpty && index == lines.count - 1 { break }
            let fields = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 2 else { throw .badRewrites(line: index + 1, reason: "expected 2 tab-separated fields") }
            switch fields[0] {
            case "prefix":
                guard fields[1].hasPrefix("/"), fields[1].count > 1 else { throw .badRewrites(line: index + 1, reason: "a prefix must be an absolute path other than /") }
                prefixes.append(fields[1])
            case "file":
                guard PathRules.isSafeRelative(fields[1]) else { throw .badRewrites(line: index + 1, reason: "unsafe path '\(fields[1])'") }
                files.append(fields[1])
            default:
                throw .badRewrites(line: index + 1, reason: "unknown record '\(fields[0])'")
            }
        }
        return PrefixRewrites(prefixes: prefixes, files: files)
    }

    /// `bytes` with every occurrence of a prefix that ends a path component (followed by `/`,
    /// the end, or a byte that cannot continue a file name: not a letter, digit, `.`, `_`, `-`,
    /// `+`, `@` or `~`) replaced by `destination`.
    /// - Returns: the new bytes and how many occurrences were replaced.
    public func rewrite(_ bytes: [UInt8], to destination: String) -> (bytes: [UInt8], count: Int) {
        let needles = prefixes.map { Array($0.utf8) }
        let replacement = Array(destination.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var count = 0
        var i = 0
        func continuesName(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b >= 0x80
                || [UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "@"), UInt8(ascii: "~")].contains(b)
        }
        scan: while i < bytes.count {
            if bytes[i] == UInt8(ascii: "/") {
                for needle in needles where i + needle.count <= bytes.count && bytes[i..<(i + needle.count)].elementsEqual(needle) {
                    let after = i + needle.count
                    if after == bytes.count || !continuesName(bytes[after]) {
                        out += replacement
                        count += 1
                        i = after
                        continue scan
                    }
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return (out, count)
    }
}
