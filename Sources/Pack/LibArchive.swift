internal import CArchive
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// libarchive's `AE_IF*` file types (archive_entry.h): casts Swift does not import; the same
/// values as POSIX `S_IF*`.
enum FileType {
    static let reg: UInt32 = 0o100000
    static let dir: UInt32 = 0o040000
    static let lnk: UInt32 = 0o120000
}

/// A libarchive call that failed: the function, its return code and libarchive's own message
/// (`archive_error_string`, `archive_errno`).
///
/// Source: libarchive(3), archive_write(3), archive_read(3), archive_write_disk(3).
public struct ArchiveError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The libarchive function that failed, e.g. `archive_write_header`.
    public var function: String
    /// Its return code (`ARCHIVE_WARN` -20, `ARCHIVE_FAILED` -25, `ARCHIVE_FATAL` -30).
    public var code: Int32
    /// `archive_error_string`, or a fixed text when libarchive set none.
    public var message: String
    /// The archive (or disk) path being worked on.
    public var path: String

    public var description: String { "\(path): \(function) failed: \(message)" }
}

/// Turns a libarchive return code into a typed error. `ARCHIVE_OK` and `ARCHIVE_EOF` pass;
/// `ARCHIVE_WARN` is an error too: with the options we set, a warning means lost data.
private func check(_ code: Int32, _ function: String, _ handle: OpaquePointer, path: String) throws(ArchiveError) {
    guard code != ARCHIVE_OK && code != ARCHIVE_EOF else { return }
    throw ArchiveError(function: function, code: code, message: lastError(handle), path: path)
}

private func lastError(_ handle: OpaquePointer) -> String {
    guard let text = archive_error_string(handle) else { return "no error message (errno \(archive_errno(handle)))" }
    return String(cString: text)
}

/// The kinds of archive entry sglang-forge writes or meets when reading.
enum EntryKind: Equatable, Sendable {
    case regular, directory, symlink
    /// A hard link (`archive_entry_hardlink` set), to the given path.
    case hardlink(String)
    /// Character or block device, FIFO or socket: the `AE_IF*` file type bits.
    case special(UInt32)
}

/// The header of one entry, as read from an archive.
struct EntryHeader: Sendable {
    /// `archive_entry_pathname`, unchanged (may end in `/` for directories).
    var path: String
    var kind: EntryKind
    /// Permission bits (`mode & 0o7777`).
    var permissions: UInt32
    /// Data size in bytes (`archive_entry_size`), 0 for non-regular entries.
    var size: Int64
    /// Symlink target (`archive_entry_symlink`), for symlinks.
    var linkTarget: String?
}

/// The header fields of one entry that sglang-forge writes; a writer turns it into a
/// `struct archive_entry` of its own archive (``make(in:path:)``).
struct ArchiveEntry {
    var path: String
    var kind: EntryKind
    var permissions: UInt32
    var size: Int64
    var linkTarget: String?
    var mtime: Int

    /// A normalised entry: owner 0:0 with no user or group names, the given mtime (seconds since
    /// the epoch, no fraction), and no other times; so equal inputs give equal headers.
    static func normalised(path: String, kind: EntryKind, permissions: UInt32, size: Int64, linkTarget: String?, mtime: Int) -> ArchiveEntry {
        ArchiveEntry(path: path, kind: kind, permissions: permissions, size: size, linkTarget: linkTarget, mtime: mtime)
    }

    /// A new `struct archive_entry` of these fields (the caller frees it with
    /// `archive_entry_free`), named `path` (default ``path``), made with `archive_entry_new2`
    /// for `archive`: libarchive then keeps the UTF-8 conversions it sets the names with on
    /// `archive`, where `archive_entry_new` would open and close an iconv(3) converter for every
    /// name set (`archive_mstring_update_utf8` with no archive: 118,000 `iconv_open`
    /// allocations on the 905 MiB prefix of benchmarks/pack.sh).
    func make(in archive: OpaquePointer, path: String? = nil) -> OpaquePointer {
        guard let h = archive_entry_new2(archive) else { fatalError("archive_entry_new2: out of memory") }
        archive_entry_set_pathname_utf8(h, path ?? self.path)
        switch kind {
        case .regular: archive_entry_set_filetype(h, FileType.reg)
        case .directory: archive_entry_set_filetype(h, FileType.dir)
        case .symlink: archive_entry_set_filetype(h, FileType.lnk)
        case .hardlink(let target):
            archive_entry_set_filetype(h, FileType.reg)
            archive_entry_set_hardlink_utf8(h, target)
        case .special(let type): archive_entry_set_filetype(h, type)
        }
        archive_entry_set_perm(h, mode_t(permissions))
        archive_entry_set_size(h, kind == .regular ? size : 0)
        if let linkTarget, kind == .symlink { archive_entry_set_symlink_utf8(h, linkTarget) }
        archive_entry_set_uid(h, 0)
        archive_entry_set_gid(h, 0)
        archive_entry_set_mtime(h, time_t(mtime), 0)
        return h
    }
}

/// Collects what libarchive writes through `archive_write_open2`'s callback.
final class MemorySink {
    var bytes: [UInt8] = []
}

/// Writes a tar archive through libarchive (`archive_write_new`), freed in `deinit`.
final class ArchiveWriter {
    private let handle: OpaquePointer
    private let path: String
    private var closed = false
    /// Where an in-memory archive goes (``init(memory:)``); retained for the callback.
    private let sink: MemorySink?

    /// Opens `path` for writing.
    ///
    /// - Parameters:
    ///   - format: `pax_restricted` (ustar headers, pax extensions only where ustar cannot
    ///     represent a name: libarchive's `archive_write_set_format_pax_restricted`), the
    ///     reproducible choice: no pax header carries a time, a pid or a user name.
    ///   - zstdLevel: the zstd level (1...19), or `nil` for no compression (used by tests that
    ///     build hostile archives).
    ///   - zstdThreads: zstd worker threads, at least 1. zstd's multi-threaded mode (any
    ///     `ZSTD_c_nbWorkers` ≥ 1) cuts the stream into jobs by size, not by thread count, so the
    ///     bytes are the same for 1, 2 or 64 threads (they differ from single-threaded mode 0,
    ///     which is never used); `PackTests` checks this.
    init(path: String, zstdLevel: Int?, zstdThreads: Int = 1) throws(ArchiveError) {
        guard let handle = archive_write_new() else { fatalError("archive_write_new: out of memory") }
        self.handle = handle
        self.path = path
        sink = nil
        try check(archive_write_set_format_pax_restricted(handle), "archive_write_set_format_pax_restricted", handle, path: path)
        if let zstdLevel {
            try check(archive_write_add_filter_zstd(handle), "archive_write_add_filter_zstd", handle, path: path)
            try check(archive_write_set_filter_option(handle, "zstd", "compression-level", String(zstdLevel)), "archive_write_set_filter_option", handle, path: path)
            try check(archive_write_set_filter_option(handle, "zstd", "threads", String(max(1, zstdThreads))), "archive_write_set_filter_option", handle, path: path)
        }
        // No padding of the last block: the compressed stream ends where the data ends. The
        // blocks written stay libarchive's 10240 bytes: 1 MiB blocks made the kernel fill large
        // page-cache folios of fresh memory, and `pack` took 5.07 s instead of 4.25 s (medians of
        // 5 alternating runs, benchmarks/pack.sh's prefix, this VM).
        try check(archive_write_set_bytes_in_last_block(handle, 1), "archive_write_set_bytes_in_last_block", handle, path: path)
        try check(archive_write_open_filename(handle, path), "archive_write_open_filename", handle, path: path)
    }

    /// An uncompressed tar archive in memory, same format as ``init(path:zstdLevel:zstdThreads:)``;
    /// take it with ``takeBytes()`` after ``close()``. `capacity`: the bytes to reserve up front (the
    /// expected size of the archive), so that a large one is not copied as it grows.
    init(memoryReserving capacity: Int) throws(ArchiveError) {
        guard let handle = archive_write_new() else { fatalError("archive_write_new: out of memory") }
        self.handle = handle
        path = "(memory)"
        let sink = MemorySink()
        sink.bytes.reserveCapacity(capacity)
        self.sink = sink
        try check(archive_write_set_format_pax_restricted(handle), "archive_write_set_format_pax_restricted", handle, path: path)
        try check(archive_write_set_bytes_in_last_block(handle, 1), "archive_write_set_bytes_in_last_block", handle, path: path)
        let write: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeRawPointer?, Int) -> Int = { _, context, buffer, length in
            guard let context, let buffer else { return length == 0 ? 0 : -1 }
            Unmanaged<MemorySink>.fromOpaque(context).takeUnretainedValue().bytes
                .append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
            return length
        }
        try check(archive_write_open2(handle, Unmanaged.passUnretained(sink).toOpaque(), nil, write, nil, nil), "archive_write_open2", handle, path: path)
    }

    /// What an in-memory writer produced (complete after ``close()``), moved out (the writer
    /// then holds no bytes), so that the caller can change it without a copy of the archive.
    func takeBytes() -> [UInt8] {
        guard let sink else { return [] }
        defer { sink.bytes = [] }
        return sink.bytes
    }

    deinit {
        if !closed { archive_write_close(handle) }
        archive_write_free(handle)
    }

    /// Writes one entry's header.
    func writeHeader(_ entry: ArchiveEntry) throws(ArchiveError) {
        let made = entry.make(in: handle)
        defer { archive_entry_free(made) }
        try check(archive_write_header(handle, made), "archive_write_header", handle, path: path)
    }

    /// Writes data of the current entry; all of `bytes` is written or an error is thrown.
    func writeData(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var done = 0
        while done < bytes.count {
            let n = archive_write_data(handle, base + done, bytes.count - done)
            if n < 0 { throw ArchiveError(function: "archive_write_data", code: Int32(n), message: lastError(handle), path: path) }
            if n == 0 { throw ArchiveError(function: "archive_write_data", code: 0, message: "wrote 0 bytes", path: path) }
            done += n
        }
    }

    /// Writes `bytes` as data of the current entry.
    func writeData(_ bytes: [UInt8]) throws(ArchiveError) {
        let failure = bytes.withUnsafeBytes { buffer -> ArchiveError? in
            do throws(ArchiveError) { try writeData(buffer); return nil } catch { return error }
        }
        if let failure { throw failure }
    }

    /// Finishes the archive: writes the end-of-archive blocks and flushes the zstd stream.
    func close() throws(ArchiveError) {
        closed = true
        try check(archive_write_close(handle), "archive_write_close", handle, path: path)
    }
}

/// Reads a tar archive (any compression libarchive knows) entry by entry; freed in `deinit`.
final class ArchiveReader {
    private let handle: OpaquePointer
    private let path: String
    private var current: OpaquePointer?

    /// Opens the archive at `path`; only tar formats are accepted.
    init(path: String) throws(ArchiveError) {
        guard let handle = archive_read_new() else { fatalError("archive_read_new: out of memory") }
        self.handle = handle
        self.path = path
        try check(archive_read_support_filter_all(handle), "archive_read_support_filter_all", handle, path: path)
        try check(archive_read_support_format_tar(handle), "archive_read_support_format_tar", handle, path: path)
        try check(archive_read_open_filename(handle, path, 1 << 16), "archive_read_open_filename", handle, path: path)
    }

    deinit {
        archive_read_close(handle)
        archive_read_free(handle)
    }

    /// The next entry's header, or `nil` at the end of the archive.
    func next() throws(ArchiveError) -> EntryHeader? {
        var entry: OpaquePointer?
        let code = archive_read_next_header(handle, &entry)
        if code == ARCHIVE_EOF { current = nil; return nil }
        try check(code, "archive_read_next_header", handle, path: path)
        guard let entry else { throw ArchiveError(function: "archive_read_next_header", code: code, message: "no entry", path: path) }
        current = entry
        let pathname = archive_entry_pathname_utf8(entry).map { String(cString: $0) }
            ?? archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        let type = archive_entry_filetype(entry)
        let kind: EntryKind
        if let link = archive_entry_hardlink(entry) {
            kind = .hardlink(String(cString: link))
        } else if type == FileType.reg {
            kind = .regular
        } else if type == FileType.dir {
            kind = .directory
        } else if type == FileType.lnk {
            kind = .symlink
        } else {
            kind = .special(type)
        }
        let target = archive_entry_symlink_utf8(entry).map { String(cString: $0) }
            ?? archive_entry_symlink(entry).map { String(cString: $0) }
        return EntryHeader(path: pathname, kind: kind, permissions: UInt32(archive_entry_perm(entry)) & 0o7777,
                           size: archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : 0, linkTarget: target)
    }

    /// Reads data of the current entry into `buffer`; returns the number of bytes read, 0 at its end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let n = archive_read_data(handle, buffer.baseAddress, buffer.count)
        if n < 0 { throw ArchiveError(function: "archive_read_data", code: Int32(n), message: lastError(handle), path: path) }
        return n
    }
}

/// Creates files on disk through `archive_write_disk` with libarchive's own safety checks
/// (`ARCHIVE_EXTRACT_SECURE_SYMLINKS`: never write through a symlink; `SECURE_NODOTDOT`: no `..`;
/// `NO_OVERWRITE`: never replace an existing file), and exact permissions (`ARCHIVE_EXTRACT_PERM`).
/// Owners and times are not restored: files belong to the caller and get the current time.
final class DiskWriter {
    private let handle: OpaquePointer

    init() throws(ArchiveError) {
        guard let handle = archive_write_disk_new() else { fatalError("archive_write_disk_new: out of memory") }
        self.handle = handle
        let flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_NO_OVERWRITE
        try check(archive_write_disk_set_options(handle, flags), "archive_write_disk_set_options", handle, path: "(disk)")
    }

    deinit {
        archive_write_close(handle)
        archive_write_free(handle)
    }

    /// Creates the entry at the absolute path `diskPath`.
    func create(_ entry: ArchiveEntry, at diskPath: String) throws(ArchiveError) {
        let made = entry.make(in: handle, path: diskPath)
        defer { archive_entry_free(made) }
        try check(archive_write_header(handle, made), "archive_write_header", handle, path: diskPath)
    }

    /// Writes data of the current file.
    func write(_ bytes: UnsafeRawBufferPointer, path: String) throws(ArchiveError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var done = 0
        while done < bytes.count {
            let n = archive_write_data(handle, base + done, bytes.count - done)
            if n <= 0 { throw ArchiveError(function: "archive_write_data", code: Int32(n), message: lastError(handle), path: path) }
            done += n
        }
    }

    /// Finishes the current entry (sets its permissions).
    func finish(path: String) throws(ArchiveError) {
        try check(archive_write_finish_entry(handle), "archive_write_finish_entry", handle, path: path)
    }

    /// Applies deferred directory permissions (libarchive sets them last, so a read-only
    /// directory can still be filled).
    func close() throws(ArchiveError) {
        try check(archive_write_close(handle), "archive_write_close", handle, path: "(disk)")
    }
}
