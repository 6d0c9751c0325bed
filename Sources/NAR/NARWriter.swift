/// Writes a Nix archive (NAR) one event at a time into a ``NARSink``.
///
/// The format (Eelco Dolstra, *The Purely Functional Software Deployment Model*, 2006, §5.2.1,
/// figure 5.2; the Nix manual, "Nix Archive (NAR) format"):
///
/// ```
/// nar       = str("nix-archive-1"), node
/// node      = str("("), str("type"), body, str(")")
/// body      = str("regular"), [str("executable"), str("")], str("contents"), str(contents)
///           | str("symlink"), str("target"), str(target)
///           | str("directory"), { str("entry"), str("("), str("name"), str(name),
///                                 str("node"), node, str(")") }
/// str(s)    = u64le(len(s)), s, zero bytes up to a multiple of 8
/// ```
///
/// Directory entries must come in strictly increasing byte-wise order of their names (Nix sorts
/// with `std::map<std::string, …>`, i.e. `memcmp` order); names may not be empty, `.`, `..`,
/// contain `/` or NUL. The writer checks both and throws ``NARError`` instead of producing an
/// archive Nix would reject.
///
/// Usage: call ``regular(executable:size:contents:)``, ``symlink(target:)`` or
/// ``beginDirectory()`` for the root; inside a directory, ``beginEntry(name:)`` followed by one
/// node and ``endEntry()``; ``endDirectory()`` closes it.
public struct NARWriter<Sink: NARSink> {
    /// The sink, readable after writing (e.g. to finalize a hash).
    public var sink: Sink
    /// For each open directory, the name of its last entry (to check the order).
    private var lastNames: [[UInt8]?] = []

    /// Starts an archive by writing its magic string `nix-archive-1`.
    public init(sink: Sink) {
        self.sink = sink
        string(Array("nix-archive-1".utf8))
    }

    /// Writes a regular file whose `size` bytes are produced by `contents`, which must call its
    /// argument with consecutive chunks adding up to exactly `size` bytes.
    /// - Throws: ``NARError/sizeMismatch(declared:written:)`` when the chunks do not add up.
    public mutating func regular(
        executable: Bool, size: Int,
        contents: (_ write: (UnsafeRawBufferPointer) -> Void) throws -> Void
    ) throws {
        open()
        string("type"); string("regular")
        if executable { string("executable"); string("") }
        string("contents")
        integer(UInt64(size))
        var written = 0
        try contents { chunk in
            written += chunk.count
            self.sink.write(chunk)
        }
        guard written == size else { throw NARError.sizeMismatch(declared: size, written: written) }
        padding(size)
        close()
    }

    /// Writes a regular file held in memory.
    public mutating func regular(executable: Bool, contents: UnsafeRawBufferPointer) {
        // The closure writes exactly `contents.count` bytes, so the size check cannot fail.
        try! regular(executable: executable, size: contents.count) { write in write(contents) }
    }

    /// Writes a symbolic link pointing at `target` (bytes as stored, not resolved).
    public mutating func symlink(target: [UInt8]) {
        open()
        string("type"); string("symlink")
        string("target"); string(target)
        close()
    }

    /// Opens a directory node; entries follow, then ``endDirectory()``.
    public mutating func beginDirectory() {
        open()
        string("type"); string("directory")
        lastNames.append(nil)
    }

    /// Starts the entry `name` of the innermost open directory; exactly one node follows, then ``endEntry()``.
    /// - Throws: ``NARError/invalidName(_:)`` or ``NARError/unsorted(previous:next:)``.
    public mutating func beginEntry(name: [UInt8]) throws(NARError) {
        guard !name.isEmpty, name != [0x2e], name != [0x2e, 0x2e], !name.contains(0x2f), !name.contains(0) else {
            throw .invalidName(name)
        }
        if let previous = lastNames.last ?? nil, !previous.lexicographicallyPrecedes(name) {
            throw .unsorted(previous: previous, next: name)
        }
        lastNames[lastNames.count - 1] = name
        string("entry"); open()
        string("name"); string(name)
        string("node")
    }

    /// Closes the entry opened by ``beginEntry(name:)``.
    public mutating func endEntry() { close() }

    /// Closes the innermost open directory.
    public mutating func endDirectory() {
        lastNames.removeLast()
        close()
    }

    // MARK: - Encoding

    private mutating func open() { string("(") }
    private mutating func close() { string(")") }

    private mutating func string(_ text: StaticString) {
        text.withUTF8Buffer { string(UnsafeRawBufferPointer($0)) }
    }

    private mutating func string(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { string($0) }
    }

    private mutating func string(_ bytes: UnsafeRawBufferPointer) {
        integer(UInt64(bytes.count))
        sink.write(bytes)
        padding(bytes.count)
    }

    private mutating func integer(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { sink.write($0) }
    }

    private static var zeros: (UInt64, UInt64) { (0, 0) }

    private mutating func padding(_ length: Int) {
        let pad = (8 - length % 8) % 8
        guard pad > 0 else { return }
        withUnsafeBytes(of: Self.zeros) { sink.write(UnsafeRawBufferPointer(rebasing: $0[0..<pad])) }
    }
}

/// Why a ``NARWriter`` refused an event.
public enum NARError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An entry name Nix does not accept in an archive.
    case invalidName([UInt8])
    /// Entries not in strictly increasing byte-wise order (or a duplicate name).
    case unsorted(previous: [UInt8], next: [UInt8])
    /// A regular file's contents did not have the declared size.
    case sizeMismatch(declared: Int, written: Int)

    public var description: String {
        switch self {
        case .invalidName(let name):
            "invalid file name '\(String(decoding: name, as: UTF8.self))' in a Nix archive"
        case .unsorted(let previous, let next):
            "Nix archive entries out of order: '\(String(decoding: next, as: UTF8.self))' after '\(String(decoding: previous, as: UTF8.self))'"
        case .sizeMismatch(let declared, let written):
            "file declared as \(declared) bytes produced \(written) bytes"
        }
    }
}
