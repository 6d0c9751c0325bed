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
        return data.withUnsafeBytes { parse(utf8: $0, source: path) }
    }

    /// Parses requirements text; `source` names it in diagnostics and in the closure.
    public static func parse(_ text: String, source: String) -> (PlannedPythonClosure?, [Diagnostic]) {
        var text = text
        return text.withUTF8 { parse(utf8: UnsafeRawBufferPointer($0), source: source) }
    }

    /// Parses requirements text given as UTF-8 bytes (a file's contents as read), with the rules of
    /// ``parse(_:source:)``; invalid UTF-8 appears in messages and versions as U+FFFD, as
    /// `String(decoding:as:)` repairs it.
    public static func parse(utf8 buffer: UnsafeRawBufferPointer, source: String) -> (PlannedPythonClosure?, [Diagnostic]) {
        var bag = DiagnosticBag(file: source)
        var packages: [PlannedPythonPackage] = []
        var seen: [String: Int] = [:]
        // Logical lines: physical lines joined at a trailing backslash, each physical line preceded
        // by one space, all in one flat buffer (`joined`); remember where each logical line starts.
        // Bytes scanned by index and no copy per line: a closure is hundreds of kilobytes of ASCII
        // hashes, and splitting it into Strings or per-line arrays cost more than the rest of `plan`.
        var joined: [UInt8] = []
        joined.reserveCapacity(buffer.count + buffer.count / 32 + 1)
        var logical: [(line: Int, bytes: Range<Int>)] = []
        var joinedStart = 0
        var joinedLine = 0
        var continuing = false
        var lineNumber = 0
        var lineStart = 0
        // Every "\n" ends a physical line; the text after the last one is a line too (maybe empty).
        while lineStart <= buffer.count {
            var end = lineStart
            while end < buffer.count, buffer[end] != UInt8(ascii: "\n") { end &+= 1 }
            lineNumber &+= 1
            var lineEnd = end
            if lineEnd > lineStart, buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            let continued = lineEnd > lineStart && buffer[lineEnd - 1] == UInt8(ascii: "\\")
            if continued { lineEnd -= 1 }
            if !continuing {
                joinedStart = joined.count
                joinedLine = lineNumber
            }
            joined.append(UInt8(ascii: " "))
            joined.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[lineStart..<lineEnd]))
            continuing = continued
            if !continued { logical.append((joinedLine, joinedStart..<joined.count)) }
            lineStart = end &+ 1
        }
        if continuing { logical.append((joinedLine, joinedStart..<joined.count)) }

        var wordRanges: [Range<Int>] = []
        var hashes: [Digest] = []
        for (number, lineRange) in logical {
            let location = SourceLocation(line: number, column: 1, offset: 0)
            // Words stay bytes; a String is made only for what the closure keeps and for messages.
            // One pass finds them (up to a comment, pip's rule as ``strippingComment(_:)``) and
            // whether an environment marker's `;` occurs among them.
            wordRanges.removeAll(keepingCapacity: true)
            let hasMarker = Self.scanWords(joined, in: lineRange, into: &wordRanges)
            guard let firstRange = wordRanges.first else { continue }
            let firstBytes = joined[firstRange]
            func first() -> String { String(decoding: firstBytes, as: UTF8.self) }
            if firstBytes.first == UInt8(ascii: "-") {
                bag.error("option '\(first())' is not supported in a Python closure; list only pinned requirements with hashes", at: location)
                continue
            }
            if hasMarker {
                bag.error("environment markers are not supported: compile the closure for the one target platform (Python and manylinux x86_64)", at: location)
                continue
            }
            let pin = Self.splitAtDoubleEquals(firstBytes)
            guard pin.count == 2, Names.isDistributionName(pin[0]), !pin[1].isEmpty else {
                bag.error("'\(first())' is not pinned as 'name==version'", at: location)
                continue
            }
            hashes.removeAll(keepingCapacity: true)
            for wordRange in wordRanges.dropFirst() {
                let wordBytes = joined[wordRange]
                guard wordBytes.starts(with: Self.hashOption) else {
                    bag.error("unexpected '\(String(decoding: wordBytes, as: UTF8.self))' after '\(first())'; only --hash=sha256:… may follow a requirement", at: location)
                    continue
                }
                let value = wordBytes.dropFirst(Self.hashOption.count)
                // Digest(algorithm:hexUTF8:) refuses anything but 64 lowercase hex digits.
                guard value.starts(with: Self.sha256Prefix), value.count == Self.sha256Prefix.count + 64,
                    let digest = try? Digest(algorithm: .sha256, hexUTF8: value.dropFirst(Self.sha256Prefix.count))
                else {
                    bag.error("'\(String(decoding: wordBytes, as: UTF8.self))' is not a sha256 hash of 64 lowercase hex digits", at: location)
                    continue
                }
                hashes.append(digest)
            }
            if hashes.isEmpty {
                bag.error("'\(first())' has no --hash=sha256:…; every package of the closure must be hash-pinned", at: location)
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

    /// `--hash=`, the only option a requirement may carry.
    private static let hashOption = Array("--hash=".utf8)
    /// The one hash algorithm accepted.
    private static let sha256Prefix = Array("sha256:".utf8)

    /// `word` split at every `==`, left to right (as `components(separatedBy: "==")` splits it).
    private static func splitAtDoubleEquals(_ word: ArraySlice<UInt8>) -> [String] {
        var parts: [String] = []
        var partStart = word.startIndex
        var index = word.startIndex
        while index < word.endIndex {
            if word[index] == UInt8(ascii: "="), word.index(after: index) < word.endIndex, word[word.index(after: index)] == UInt8(ascii: "=") {
                parts.append(String(decoding: word[partStart..<index], as: UTF8.self))
                index += 2
                partStart = index
            } else {
                index += 1
            }
        }
        parts.append(String(decoding: word[partStart..<word.endIndex], as: UTF8.self))
        return parts
    }

    /// Appends to `words` the range (indices of `bytes`) of every run of bytes other than space
    /// and tab in `bytes[range]`, up to a `#` that starts the line or follows whitespace (pip's
    /// comment rule).
    /// - Returns: whether any of those words contains `;` (an environment marker).
    private static func scanWords(_ bytes: [UInt8], in range: Range<Int>, into words: inout [Range<Int>]) -> Bool {
        var hasMarker = false
        bytes.withUnsafeBufferPointer { bytes in
            var previous = UInt8(ascii: " ")
            var wordStart = -1
            var index = range.lowerBound
            while index < range.upperBound {
                let byte = bytes[index]
                let isSpace = byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
                if byte == UInt8(ascii: "#") && (previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t")) { break }
                if isSpace {
                    if wordStart >= 0 { words.append(wordStart..<index) }
                    wordStart = -1
                } else {
                    if wordStart < 0 { wordStart = index }
                    if byte == UInt8(ascii: ";") { hasMarker = true }
                }
                previous = byte
                index &+= 1
            }
            if wordStart >= 0 { words.append(wordStart..<index) }
        }
        return hasMarker
    }
}
