import Foundation
import Hashes
import Planner
import Spec

/// Reads a hashed requirements file (pip's hash-checking mode, as `uv pip compile
/// --generate-hashes` or `pip-compile --generate-hashes` write it) into a ``PlannedPythonClosure``.
///
/// Accepted: `name==version --hash=sha256:<64 hex> …` per requirement, `\` line continuations,
/// `#` comments, blank lines. Refused, with `file:line:col` errors: options (`--index-url`, …),
/// environment markers (the closure must be compiled for the one target platform), anything
/// not pinned with `==`, a requirement without a sha256 hash, a package listed twice.
public enum PythonClosureReader {
    /// Reads and parses `path`.
    /// - Returns: the closure (`nil` when there was an error) and every problem found.
    public static func read(path: String) -> (PlannedPythonClosure?, [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return (nil, [Diagnostic(.error, "cannot read the Python closure", file: path, at: nil)])
        }
        return parse(String(decoding: data, as: UTF8.self), source: path)
    }

    /// Parses requirements text; `source` names it in diagnostics and in the closure.
    public static func parse(_ text: String, source: String) -> (PlannedPythonClosure?, [Diagnostic]) {
        var bag = DiagnosticBag(file: source)
        var packages: [PlannedPythonPackage] = []
        var seen: [String: Int] = [:]
        // Logical lines: physical lines joined at a trailing backslash; remember where each starts.
        // Bytes, not Characters: a closure is hundreds of kilobytes of ASCII hashes.
        var logical: [(line: Int, bytes: [UInt8])] = []
        var pending: (line: Int, bytes: [UInt8])?
        for (index, raw) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var line = raw[...]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let continued = line.last == UInt8(ascii: "\\")
            if continued { line = line.dropLast() }
            if pending == nil { pending = (index + 1, []) }
            pending!.bytes.append(UInt8(ascii: " "))
            pending!.bytes.append(contentsOf: line)
            if !continued, let done = pending {
                logical.append(done)
                pending = nil
            }
        }
        if let done = pending { logical.append(done) }

        for (number, rawBytes) in logical {
            let location = SourceLocation(line: number, column: 1, offset: 0)
            let content = Self.strippingComment(rawBytes)
            let words = content.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
                .map { String(decoding: $0, as: UTF8.self) }
            guard let first = words.first else { continue }
            if first.hasPrefix("-") {
                bag.error("option '\(first)' is not supported in a Python closure; list only pinned requirements with hashes", at: location)
                continue
            }
            if content.contains(UInt8(ascii: ";")) {
                bag.error("environment markers are not supported: compile the closure for the one target platform (Python and manylinux x86_64)", at: location)
                continue
            }
            let pin = first.components(separatedBy: "==")
            guard pin.count == 2, Names.isDistributionName(pin[0]), !pin[1].isEmpty else {
                bag.error("'\(first)' is not pinned as 'name==version'", at: location)
                continue
            }
            var hashes: [Digest] = []
            for word in words.dropFirst() {
                guard word.hasPrefix("--hash=") else {
                    bag.error("unexpected '\(word)' after '\(first)'; only --hash=sha256:… may follow a requirement", at: location)
                    continue
                }
                guard let digest = try? Digest(prefixedHex: String(word.dropFirst("--hash=".count))), digest.algorithm == .sha256 else {
                    bag.error("'\(word)' is not a sha256 hash of 64 lowercase hex digits", at: location)
                    continue
                }
                hashes.append(digest)
            }
            if hashes.isEmpty {
                bag.error("'\(first)' has no --hash=sha256:…; every package of the closure must be hash-pinned", at: location)
                continue
            }
            let name = Names.normalizedDistributionName(pin[0])
            if let earlier = seen[name] {
                bag.error("'\(name)' is listed twice (first on line \(earlier))", at: location)
                continue
            }
            seen[name] = number
            packages.append(PlannedPythonPackage(normalizedName: name, version: pin[1], sha256: hashes))
        }
        if bag.hasErrors { return (nil, bag.sorted) }
        return (PlannedPythonClosure(source: source, packages: packages), bag.sorted)
    }

    /// The bytes before a `#` that starts the line or follows whitespace (pip's comment rule).
    public static func strippingComment(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        var previous = UInt8(ascii: " ")
        for (offset, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "#") && (previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t")) {
                return bytes[..<offset]
            }
            previous = byte
        }
        return bytes[...]
    }
}
