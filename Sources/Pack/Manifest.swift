#if canImport(Glibc)
import Glibc
#endif

/// The file manifest `pack` writes as the first entry of every archive, and `unpack` checks
/// every entry against.
///
/// Format (UTF-8, one entry per line, `\n`-terminated, sorted by the UTF-8 bytes of the path):
///
///     # sglang-forge pack manifest 1: path<TAB>type<TAB>mode<TAB>size<TAB>sha256 or link target
///     bin<TAB>d<TAB>0755<TAB>0<TAB>-
///     bin/python3<TAB>l<TAB>0777<TAB>0<TAB>python3.12
///     bin/python3.12<TAB>f<TAB>0755<TAB>17032<TAB>9f86d08…
///
/// `type` is `f` (regular file), `d` (directory) or `l` (symlink); `mode` is the normalised
/// permission bits in octal; `size` is in bytes (0 for `d` and `l`); the last column is the
/// lowercase hex SHA-256 of the file's bytes, the link target for `l`, `-` for `d`. The manifest
/// does not list itself. Paths are relative to the prefix and never contain a tab, a newline or
/// a `..` component.
public struct Manifest: Hashable, Sendable {
    /// Path of the manifest inside every archive and unpacked prefix.
    public static let path = "share/sglang-forge/manifest.tsv"
    /// The first line.
    public static let headerLine = "# sglang-forge pack manifest 1: path\ttype\tmode\tsize\tsha256 or link target"

    /// One manifest line.
    public struct Entry: Hashable, Sendable {
        /// Entry type, as the manifest writes it: `f` regular file, `d` directory, `l` symlink.
        public enum Kind: String, Sendable { case file = "f", directory = "d", symlink = "l" }
        /// Relative path, `/`-separated.
        public var path: String
        /// The entry type.
        public var kind: Kind
        /// Permission bits, e.g. `0o755`.
        public var mode: UInt32
        /// Size in bytes; 0 for directories and symlinks.
        public var size: Int64
        /// Lowercase hex SHA-256 for files, `nil` otherwise.
        public var sha256: String?
        /// Link target for symlinks.
        public var linkTarget: String?

        public init(path: String, kind: Kind, mode: UInt32, size: Int64, sha256: String? = nil, linkTarget: String? = nil) {
            self.path = path
            self.kind = kind
            self.mode = mode
            self.size = size
            self.sha256 = sha256
            self.linkTarget = linkTarget
        }
    }

    /// Entries, sorted by the UTF-8 bytes of `path`.
    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = PathRules.sortedByBytes(entries, path: \.path)
    }

    /// The manifest's text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The manifest's text as UTF-8 bytes, built without per-line strings (a prefix has tens of
    /// thousands of entries).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        // Every line: the path, the kind (1 byte), the mode and size (at most 26 bytes), a
        // digest or link target (64 bytes or the target), four tabs and a newline.
        out.reserveCapacity(entries.reduce(Self.headerLine.utf8.count + 1) { $0 + $1.path.utf8.count + max(64, $1.linkTarget?.utf8.count ?? 0) + 40 })
        out.append(contentsOf: Self.headerLine.utf8)
        out.append(0x0a)
        for e in entries {
            out.append(contentsOf: e.path.utf8)
            out.append(0x09)
            out.append(contentsOf: e.kind.rawValue.utf8)
            out.append(0x09)
            // The mode in octal, at least 4 digits.
            Self.appendDigits(UInt64(e.mode), radix: 8, minimumCount: 4, to: &out)
            out.append(0x09)
            Self.appendDigits(UInt64(max(e.size, 0)), radix: 10, minimumCount: 1, to: &out)
            out.append(0x09)
            switch e.kind {
            case .file: out.append(contentsOf: (e.sha256 ?? "-").utf8)
            case .directory: out.append(UInt8(ascii: "-"))
            case .symlink: out.append(contentsOf: (e.linkTarget ?? "-").utf8)
            }
            out.append(0x0a)
        }
        return out
    }

    /// Appends the digits of `value` in `radix` (2 to 10) to `out`, with leading zeros up to
    /// `minimumCount` digits (at most 64); without a `String` per number.
    static func appendDigits(_ value: UInt64, radix: UInt64, minimumCount: Int, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { digits in
            var rest = value, start = 64
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(rest % radix)
                rest /= radix
            } while rest > 0
            while 64 - start < minimumCount && start > 0 {
                start -= 1
                digits[start] = UInt8(ascii: "0")
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// Parses manifest text.
    /// - Throws: ``UnpackError/badManifest(line:reason:)`` with the 1-based line number.
    public static func parse(_ text: String) throws(UnpackError) -> Manifest {
        var entries: [Entry] = []
        var seen = Set<String>()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first.map(String.init) == headerLine else { throw .badManifest(line: 1, reason: "the first line is not '\(headerLine)'") }
        for (index, line) in lines.enumerated().dropFirst() {
            if line.isEmpty && index == lines.count - 1 { break }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5 else { throw .badManifest(line: index + 1, reason: "expected 5 tab-separated fields, found \(fields.count)") }
            guard let kind = Entry.Kind(rawValue: fields[1]) else { throw .badManifest(line: index + 1, reason: "unknown type '\(fields[1])'") }
            guard let mode = UInt32(fields[2], radix: 8), let size = Int64(fields[3]), size >= 0 else {
                throw .badManifest(line: index + 1, reason: "bad mode or size")
            }
            if mode & ~0o777 != 0 { throw .privilegedMode(fields[0], mode: mode) }
            guard PathRules.isSafeRelative(fields[0]) else { throw .badManifest(line: index + 1, reason: "unsafe path '\(fields[0])'") }
            guard seen.insert(fields[0]).inserted else { throw .badManifest(line: index + 1, reason: "'\(fields[0])' is listed twice") }
            var entry = Entry(path: fields[0], kind: kind, mode: mode, size: size)
            switch kind {
            case .file:
                guard fields[4].count == 64, fields[4].allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                    throw .badManifest(line: index + 1, reason: "bad sha256 '\(fields[4])'")
                }
                entry.sha256 = fields[4]
            case .symlink: entry.linkTarget = fields[4]
            case .directory: break
            }
            entries.append(entry)
        }
        return Manifest(entries: entries)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Lexical path checks shared by `pack` and `unpack`.
public enum PathRules {
    /// `items` sorted by the UTF-8 bytes of their paths (memcmp(3) on keys computed once: a
    /// generic comparison of two `String.UTF8View`s costs a measurable part of a pass over
    /// 50,000 files). Stable.
    static func sortedByBytes<T>(_ items: [T], path: (T) -> String) -> [T] {
        // Already in order (the manifest of a pack): one pass of comparisons, no keys built.
        if items.indices.dropFirst().allSatisfy({ precedesByBytes(path(items[$0 - 1]), path(items[$0])) }) { return items }
        let keyed = items.enumerated().map { (key: Array(path($0.element).utf8), index: $0.offset) }
        let order = keyed.sorted { a, b in
            let common = min(a.key.count, b.key.count)
            let compared = common == 0 ? 0 : a.key.withUnsafeBytes { x in b.key.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, common) } }
            if compared != 0 { return compared < 0 }
            return a.key.count != b.key.count ? a.key.count < b.key.count : a.index < b.index
        }
        return order.map { items[$0.index] }
    }

    /// Whether `a`'s UTF-8 bytes sort strictly before `b`'s (memcmp, then length).
    static func precedesByBytes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                let compared = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
                return compared != 0 ? compared < 0 : x.count < y.count
            }
        }
    }

    /// A relative, `/`-separated path with no empty, `.` or `..` component, no tab or newline.
    /// One pass over the UTF-8 bytes, without an array of components (it runs for every entry).
    public static func isSafeRelative(_ path: String) -> Bool {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: "."), tab = UInt8(ascii: "\t"), newline = UInt8(ascii: "\n")
        var length = 0, dots = 0
        // A component ends at a slash or at the end: it must not be empty, `.` or `..`.
        func componentIsSafe() -> Bool { length > 0 && !(dots == length && length <= 2) }
        for byte in path.utf8 {
            if byte == tab || byte == newline { return false }
            if byte == slash {
                guard componentIsSafe() else { return false }
                length = 0
                dots = 0
            } else {
                length += 1
                if byte == dot { dots += 1 }
            }
        }
        return componentIsSafe()
    }

    /// Resolves the relative link `target` of a symlink at the relative path `linkPath`, as the
    /// kernel would (path_resolution(7)): components are taken in order, a component that is a
    /// symlink listed in `symlinks` (relative path → target) is replaced by its own resolution
    /// before a following `..` applies, up to 40 nested links.
    ///
    /// - Returns: the resolved path relative to the root (`""` for the root itself), or `nil`
    ///   when it climbs above the root, meets an absolute link, or nests too deep.
    public static func resolve(linkTarget target: String, from linkPath: String, symlinks: [String: String] = [:]) -> String? {
        resolve(target, from: linkPath, symlinks: symlinks, depth: 0)
    }

    private static func resolve(_ target: String, from linkPath: String, symlinks: [String: String], depth: Int) -> String? {
        guard depth < 40, !target.hasPrefix("/") else { return nil }
        var parts = linkPath.split(separator: "/").map(String.init)
        parts.removeLast()
        for component in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                if parts.isEmpty { return nil }
                parts.removeLast()
            default:
                parts.append(String(component))
                let here = parts.joined(separator: "/")
                if let next = symlinks[here] {
                    guard let resolved = resolve(next, from: here, symlinks: symlinks, depth: depth + 1) else { return nil }
                    parts = resolved.split(separator: "/").map(String.init)
                }
            }
        }
        return parts.joined(separator: "/")
    }

    /// The relative path from directory `from` to `to`, both relative to the same root
    /// (`""` is the root), e.g. from `bin` to `lib` is `../lib`.
    public static func relative(from: String, to: String) -> String {
        let a = from.split(separator: "/").map(String.init)
        let b = to.split(separator: "/").map(String.init)
        var common = 0
        while common < a.count && common < b.count && a[common] == b[common] { common += 1 }
        let ups = Array(repeating: "..", count: a.count - common)
        let rest = Array(b[common...])
        let joined = (ups + rest).joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }
}
