import Crypto
import Foundation
import Hashes
#if canImport(Glibc)
import Glibc
#endif

/// One thing found under the prefix, from readdir(3)'s `d_type` and, for regular and special
/// files, `fstatat(2)` without following symlinks.
struct FoundEntry {
    enum Kind {
        case regular, directory, symlink, special(String)
        var isRegular: Bool { if case .regular = self { true } else { false } }
    }
    /// Relative path, `/`-separated.
    var path: String
    var kind: Kind
    /// `st_mode & 0o7777` for regular files and special files (0 for directories and symlinks,
    /// whose modes pack normalises without looking).
    var permissions: UInt32
    /// `st_size` for regular files, else 0.
    var size: Int64
}

enum FileSystem {
    /// `readlink(2)`.
    static func readLink(_ path: String) throws(PackError) -> String {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = buffer.withUnsafeMutableBufferPointer { readlink(path, $0.baseAddress!, $0.count - 1) }
        guard n >= 0 else { throw .io("cannot read link \(path): \(String(cString: strerror(errno)))") }
        return String(decoding: buffer[..<n], as: UTF8.self)
    }

    /// `realpath(3)`.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Up to `count` bytes from the start of an open file (pread(2), so the offset is kept).
    static func pread(_ fd: Int32, count: Int, path: String) throws(PackError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress! + done, count - done, off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            done += n
            if done < count { break }  // a short read of a regular file: its end
        }
        return Array(buffer[..<done])
    }

    /// The rest of an open file, from its current offset, in memory that is not zeroed first (it
    /// is read over at once). `size` is the file's size by fstat(2) when it was opened.
    ///
    /// Read until read(2) returns 0, except that a read that returns fewer bytes than asked for
    /// once the bytes read add up to `size` is taken as the end: for a regular file, read(2)
    /// returns fewer bytes than requested only at the end of the file or when a signal
    /// interrupts it (POSIX read(2)), and the size says which. This saves one read(2) per file
    /// (51,410 on the prefix of benchmarks/pack.sh); a file that grows is still read to its end.
    static func readAll(_ fd: Int32, size: Int64, path: String) throws(PackError) -> FileBytes {
        var bytes = FileBytes(capacity: max(Int(size), 0) + 1)
        while true {
            if bytes.count == bytes.capacity { bytes = bytes.grown() }
            let wanted = bytes.capacity - bytes.count
            let n = read(fd, bytes.storage.baseAddress! + bytes.count, wanted)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return bytes }
            bytes.count += n
            if n < wanted && Int64(bytes.count) == size { return bytes }
        }
    }
}

/// Bytes of one file read into memory that this object owns (given back to ``BufferPool/shared``
/// in `deinit`), handed from a reading thread to the archive writer.
final class FileBytes: @unchecked Sendable {
    fileprivate let storage: UnsafeMutableRawBufferPointer
    /// Bytes in use.
    fileprivate(set) var count = 0

    var capacity: Int { storage.count }

    /// Room for at least `capacity` bytes, from ``BufferPool/shared``.
    init(capacity: Int) {
        storage = BufferPool.shared.take(atLeast: capacity)
    }

    convenience init(_ bytes: [UInt8]) {
        self.init(capacity: bytes.count)
        bytes.withUnsafeBytes { storage.copyMemory(from: $0) }
        count = bytes.count
    }

    /// `first` followed by `rest`'s bytes from offset `from` on (nothing of `rest` when `from` is
    /// past its end).
    convenience init(_ first: [UInt8], then rest: FileBytes, from: Int) {
        let tail = max(0, rest.count - from)
        self.init(capacity: first.count + tail)
        first.withUnsafeBytes { storage.copyMemory(from: $0) }
        if tail > 0 {
            (storage.baseAddress! + first.count).copyMemory(from: rest.storage.baseAddress! + from, byteCount: tail)
        }
        count = first.count + tail
    }

    deinit { BufferPool.shared.give(storage) }

    /// The first `count` bytes (fewer when the file is shorter), copied.
    func prefix(_ count: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: storage[..<min(count, self.count)]))
    }

    /// Replaces the bytes by what read(2) gives from `fd` at its offset, until the buffer is full
    /// or the file ends.
    /// - Returns: the number of bytes read (less than ``capacity`` only at the end of the file).
    /// - Throws: ``PackError/io(_:)``.
    func read(from fd: Int32, path: String) throws(PackError) -> Int {
        count = 0
        while count < storage.count {
            let n = Glibc.read(fd, storage.baseAddress! + count, storage.count - count)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            count += n
        }
        return count
    }

    /// A copy with twice the capacity.
    fileprivate func grown() -> FileBytes {
        let bigger = FileBytes(capacity: capacity * 2)
        bigger.storage.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[..<count]))
        bigger.count = count
        return bigger
    }

    /// The bytes, valid only inside `body`.
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(rebasing: storage[..<count]))
    }
}

/// SHA-256 and build-prefix occurrences of one byte stream, fed in chunks; occurrences that
/// straddle two chunks are found too.
struct ContentDigest {
    private var hasher = SHA256()
    private let needles: [[UInt8]]
    /// Length of the longest needle (0 when there is none).
    private let longest: Int
    private var carry: [UInt8] = []
    private var consumed = 0
    private(set) var size: Int64 = 0
    /// Number of needle occurrences (of any spelling, non-overlapping per spelling).
    private(set) var occurrences = 0
    /// Byte offset of the first occurrence.
    private(set) var firstOffset: Int?
    /// Whether a NUL byte was seen: the file is binary, not text (the test `file(1)`, conda-pack
    /// and git use).
    private(set) var sawNUL = false

    /// - Parameter needles: the byte strings to count (the spellings of the build prefix).
    init(needles: [String]) {
        self.init(needleBytes: needles.map { Array($0.utf8) })
    }

    /// - Parameter needleBytes: the byte strings to count, as UTF-8 (built once per pack, not
    ///   once per file).
    init(needleBytes: [[UInt8]]) {
        needles = needleBytes.filter { !$0.isEmpty }
        longest = needles.map(\.count).max() ?? 0
    }

    /// The digest of a whole file in one buffer: as one ``update(_:)`` but without keeping the
    /// seam for a next chunk (no copy, no allocation besides the hash state).
    static func whole(_ bytes: UnsafeRawBufferPointer, needleBytes: [[UInt8]]) -> ContentDigest {
        var digest = ContentDigest(needleBytes: needleBytes)
        digest.update(bytes, last: true)
        return digest
    }

    /// Hashes and searches the next bytes of the stream. The bytes are searched in place; only
    /// the seam with the previous call (the last `longest - 1` bytes before, as many after) is
    /// copied, for occurrences that straddle it.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        update(bytes, last: false)
    }

    /// ``update(_:)``; with `last`, no seam is kept for a next call.
    private mutating func update(_ bytes: UnsafeRawBufferPointer, last: Bool) {
        hasher.update(bufferPointer: bytes)
        size += Int64(bytes.count)
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        if !sawNUL, memchr(base, 0, bytes.count) != nil { sawNUL = true }
        guard longest > 0 else { return }
        if !carry.isEmpty {
            // Occurrences that start in the carry and end in the new bytes.
            let seam = carry + UnsafeRawBufferPointer(rebasing: bytes.prefix(longest - 1))
            seam.withUnsafeBytes { window in
                for needle in needles {
                    var index = 0
                    while let found = Self.find(needle, in: window, from: index), found < carry.count {
                        if found + needle.count > carry.count { record(consumed - carry.count + found) }
                        index = found + 1
                    }
                }
            }
        }
        for needle in needles {
            var index = 0
            while let found = Self.find(needle, in: bytes, from: index) {
                record(consumed + found)
                index = found + needle.count
            }
        }
        consumed += bytes.count
        if last { return }
        if bytes.count >= longest - 1 {
            carry = Array(bytes.suffix(longest - 1))
        } else {
            carry = Array((carry + bytes).suffix(longest - 1))
        }
    }

    private mutating func record(_ offset: Int) {
        occurrences += 1
        if firstOffset.map({ offset < $0 }) ?? true { firstOffset = offset }
    }

    /// The hex digest.
    func hexDigest() -> String {
        hasher.finalize().withUnsafeBytes { Base16.encode($0) }
    }

    /// The first occurrence of `needle` in `haystack` at or after `start` (glibc's memmem(3), a
    /// two-way search: linear, and fast on text full of `/`, where a memchr-for-the-first-byte
    /// loop stops at every path separator).
    private static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = haystack.baseAddress, needle.count <= haystack.count - start else { return nil }
        return needle.withUnsafeBytes { pin -> Int? in
            guard let hit = glibcMemmem(base + start, haystack.count - start, pin.baseAddress!, pin.count) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
    }
}

/// Runs patchelf and readelf.
struct ELFTools {
    var patchelf = "patchelf"
    var readelf = "readelf"

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    /// Runs `tool` (looked up on `PATH`) with `arguments` through posix_spawnp(3) (Foundation's
    /// `Process` costs tens of milliseconds a call, too much for one call per ELF file).
    /// - Throws: ``PackError/missingTool(_:)`` when `tool` is not on `PATH`.
    static func run(_ tool: String, _ arguments: [String]) throws(PackError) -> Output {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        // Close-on-exec, so that a tool started by another reader thread meanwhile does not hold
        // these pipes open (posix_spawn's dup2 gives the child its own 1 and 2 without the flag).
        guard glibcPipe2(&outPipe, O_CLOEXEC) == 0, glibcPipe2(&errPipe, O_CLOEXEC) == 0 else {
            throw .io("pipe2: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv: [UnsafeMutablePointer<CChar>?] = ([tool] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, tool, &actions, nil, argv, environ)
        close(outPipe[1])
        close(errPipe[1])
        defer { close(outPipe[0]); close(errPipe[0]) }
        if status == ENOENT { throw .missingTool(tool) }
        guard status == 0 else { throw .io("cannot run \(tool): \(String(cString: strerror(status)))") }
        let stdout = readAll(outPipe[0])
        let stderr = readAll(errPipe[0])
        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR {}
        let exited = (waitStatus & 0x7f) == 0
        let code: Int32 = exited ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f)
        return Output(status: code, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    private static func readAll(_ fd: Int32) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n > 0 { result.append(contentsOf: buffer[..<n]); continue }
            if n < 0 && errno == EINTR { continue }
            return result
        }
    }

    /// Checks both tools exist.
    func check() throws(PackError) {
        _ = try Self.run(patchelf, ["--version"])
        _ = try Self.run(readelf, ["--version"])
    }

    /// The run path (`patchelf --print-rpath`), `nil` when patchelf cannot read the file (an
    /// object file, a static executable without a dynamic section).
    func runPath(_ path: String) throws(PackError) -> String? {
        let output = try Self.run(patchelf, ["--print-rpath", path])
        guard output.status == 0 else { return nil }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether the dynamic section has the old `DT_RPATH` tag (searched before
    /// `LD_LIBRARY_PATH`, also for dependencies of dependencies) rather than `DT_RUNPATH`.
    func hasOldRPath(_ path: String) throws(PackError) -> Bool {
        let output = try Self.run(readelf, ["-d", "-W", path])
        return output.stdout.contains("(RPATH)")
    }

    /// Writes `path` with its run path set to `value` (removed when empty) to `output`, keeping
    /// its kind (`--force-rpath` keeps `DT_RPATH`); `path` itself is not changed (patchelf's
    /// `--output`).
    /// - Returns: patchelf's complaint when it fails, else `nil`.
    func setRunPath(_ value: String, of path: String, writingTo output: String, oldKind: Bool) throws(PackError) -> String? {
        let change = value.isEmpty ? ["--remove-rpath"] : (oldKind ? ["--force-rpath"] : []) + ["--set-rpath", value]
        let output = try Self.run(patchelf, change + ["--output", output, path])
        return output.status == 0 ? nil : "patchelf --set-rpath failed: \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
    }
}

/// glibc's memmem(3), which the Glibc module leaves out (it is a GNU extension).
@_silgen_name("memmem")
private func glibcMemmem(_ haystack: UnsafeRawPointer, _ haystackLength: Int, _ needle: UnsafeRawPointer, _ needleLength: Int) -> UnsafeMutableRawPointer?

/// glibc's pipe2(2), which the Glibc module leaves out (it is a GNU extension).
@_silgen_name("pipe2")
private func glibcPipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
