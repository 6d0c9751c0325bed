internal import CZstd
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Puts a `pack` archive together from its two parts, written in one pass over the prefix.
///
/// The manifest must be the first entry, but it is known only after every file was read. So
/// the files are written, in one pass, as a tar stream (ending in the end-of-archive blocks)
/// compressed by libarchive's zstd filter into the temporary output file (the *body*);
/// afterwards the *head* (the manifest and the prefix-rewrites list: tar entries without
/// end-of-archive blocks) is compressed into one zstd frame of its own, padded by a skippable
/// frame to a multiple of ``headAlignment`` bytes, and put in front of the body
/// (``prepend(_:to:allowInsertRange:allowCopyFileRange:)``). Concatenated zstd frames are one
/// valid zstd stream (RFC 8878, section 3.1: "a zstd compressed data stream is made of one or
/// more frames"; section 3.1.2: decoders skip skippable frames), and the concatenated tar
/// streams are one tar archive, so `zstd -d`, `tar --zstd` and libarchive read it as one.
enum ArchiveAssembly {
    /// The padded head's size is a multiple of this (4096 bytes), the block size of common file
    /// systems, so that it can be inserted in front of the body without copying the body
    /// (`FALLOC_FL_INSERT_RANGE` needs whole blocks). Fixed, so the archive's bytes do not depend
    /// on the file system it was written on.
    static let headAlignment = 4096

    /// `frame` followed by one skippable frame (RFC 8878, section 3.1.2: magic `0x184D2A50`,
    /// little-endian; a 4-byte little-endian size; that many zero bytes) that brings the total
    /// to the next multiple of ``headAlignment`` (at least 8 bytes of padding).
    /// `frame` is consumed: when its buffer has room (``zstdFrame(_:level:)`` leaves
    /// ``headAlignment`` + 8 bytes spare), the padding is appended in place, without a copy.
    static func paddedHead(_ frame: consuming [UInt8]) -> [UInt8] {
        let total = (frame.count + 8 + headAlignment - 1) / headAlignment * headAlignment
        let skipped = UInt32(total - frame.count - 8)
        var bytes = consume frame
        bytes.reserveCapacity(total)
        for value in [UInt32(0x184D_2A50), skipped] {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.append(contentsOf: repeatElement(0, count: Int(skipped)))
        return bytes
    }

    /// Puts `head` (from ``paddedHead(_:)``) in front of the bytes of the file at `path`.
    ///
    /// With `allowInsertRange`, in place: fallocate(2) `FALLOC_FL_INSERT_RANGE` shifts the body's
    /// blocks (ext4 and XFS; no data is copied) and the head is written into the gap. Where the
    /// file system cannot (tmpfs, overlayfs, NFS: `EOPNOTSUPP`; a block size that does not
    /// divide the head: `EINVAL`) or when `allowInsertRange` is `false`, the body is copied behind
    /// the head into a new sibling (``assemble(headFrame:body:output:allowCopyFileRange:)``) that
    /// replaces `path`. Either way the bytes are the same.
    /// - Throws: ``PackError/io(_:)``; the file is then incomplete, and the caller removes it.
    static func prepend(_ head: [UInt8], to path: String, allowInsertRange: Bool, allowCopyFileRange: Bool = true) throws(PackError) {
        if allowInsertRange, try insertInPlace(head, path: path) { return }
        let body = path + ".body"
        guard rename(path, body) == 0 else { throw .io("cannot rename \(path) to \(body): \(String(cString: strerror(errno)))") }
        defer { unlink(body) }
        try assemble(headFrame: head, body: body, output: path, allowCopyFileRange: allowCopyFileRange)
    }

    /// fallocate(2) `FALLOC_FL_INSERT_RANGE` of `head.count` bytes at offset 0, then the head.
    /// - Returns: `false`, with the file unchanged, when the file system cannot insert a range
    ///   there.
    private static func insertInPlace(_ head: [UInt8], path: String) throws(PackError) -> Bool {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io("cannot stat \(path): \(String(cString: strerror(errno)))") }
        // The range must be whole blocks and start before the end of the file (fallocate(2)).
        guard !head.isEmpty, info.st_size > 0, info.st_blksize > 0, head.count % Int(info.st_blksize) == 0 else { return false }
        if glibcFallocate(fd, fallocInsertRange, 0, Int64(head.count)) != 0 {
            if [EOPNOTSUPP, EINVAL, ENOSYS, EPERM, ENODEV].contains(errno) { return false }
            throw .io("cannot make room for the manifest in \(path): fallocate: \(String(cString: strerror(errno)))")
        }
        // The descriptor was just opened: its offset is 0, where the gap now is.
        try FileSystem.writeAll(fd, head, path: path)
        return true
    }

    /// Tar entries (libarchive, the same format and normalised headers as the body) for
    /// in-memory files, without the end-of-archive blocks, so a tar stream can follow.
    /// - Throws: ``PackError/archive(_:)``; ``PackError/io(_:)`` when libarchive's output does not
    ///   end in the two zero blocks this relies on.
    static func headTar(_ files: [(path: String, bytes: [UInt8])], mtime: Int) throws(PackError) -> [UInt8] {
        var tar: [UInt8]
        do throws(ArchiveError) {
            // Each file: a ustar header, at most a pax header and its data (2 blocks), the data
            // padded to a block; then the two end-of-archive blocks.
            let capacity = files.reduce(1024) { $0 + 1536 + $1.path.utf8.count + ($1.bytes.count + 511) / 512 * 512 }
            let writer = try ArchiveWriter(memoryReserving: capacity)
            for file in files {
                try writer.writeHeader(.normalised(path: file.path, kind: .regular, permissions: 0o644, size: Int64(file.bytes.count), linkTarget: nil, mtime: mtime))
                try writer.writeData(file.bytes)
            }
            try writer.close()
            // Moved out of the writer, so that dropping the end blocks below copies nothing.
            tar = writer.takeBytes()
        } catch {
            throw .archive(error)
        }
        // ustar/pax: an archive ends with two 512-byte blocks of zeros (POSIX pax, "ustar
        // Interchange Format"); with `bytes_in_last_block` 1, libarchive adds no padding.
        guard tar.count >= 1024, tar.count % 512 == 0, tar.suffix(1024).allSatisfy({ $0 == 0 }) else {
            throw .io("internal error: libarchive's tar stream does not end in two zero blocks (\(tar.count) bytes)")
        }
        tar.removeLast(1024)
        return tar
    }

    /// One zstd frame of `bytes`, compressed single-threaded (`ZSTD_c_nbWorkers` 0), so its
    /// bytes depend only on the input, the level and the zstd version, not on the CPU count.
    static func zstdFrame(_ bytes: [UInt8], level: Int) throws(PackError) -> [UInt8] {
        guard let context = ZSTD_createCCtx() else { throw .io("ZSTD_createCCtx: out of memory") }
        defer { ZSTD_freeCCtx(context) }
        var status = ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level))
        if ZSTD_isError(status) == 0 { status = ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, 0) }
        if ZSTD_isError(status) != 0 { throw .io("ZSTD_CCtx_setParameter: \(String(cString: ZSTD_getErrorName(status)))") }
        // Not zeroed first: only the compressed bytes are touched (a few MiB for a manifest of
        // 51,000 files, whose bound is 8 MiB).
        var written = 0
        // Room for ``paddedHead(_:)``'s padding after the bound, so that it appends in place.
        let spare = headAlignment + 8
        let output = [UInt8](unsafeUninitializedCapacity: ZSTD_compressBound(bytes.count) + spare) { out, count in
            written = bytes.withUnsafeBytes { input in ZSTD_compress2(context, out.baseAddress, out.count - spare, input.baseAddress, input.count) }
            count = ZSTD_isError(written) != 0 ? 0 : written
        }
        if ZSTD_isError(written) != 0 { throw .io("ZSTD_compress2: \(String(cString: ZSTD_getErrorName(written)))") }
        return output
    }

    /// Writes `headFrame` followed by the bytes of the file `body` to the new file `output`
    /// (created with `O_EXCL`, mode 0644).
    ///
    /// - Parameter allowCopyFileRange: copy with copy_file_range(2) (in the kernel, a reflink on
    ///   file systems that share extents); when the kernel refuses it (`ENOSYS`, `EXDEV`,
    ///   `EINVAL`, `EOPNOTSUPP`) or when `false`, with read(2)/write(2). Short copies and short
    ///   writes are continued until all bytes are written.
    /// - Throws: ``PackError/io(_:)``; the output is then incomplete, and the caller removes it.
    static func assemble(headFrame: [UInt8], body: String, output: String, allowCopyFileRange: Bool = true) throws(PackError) {
        let input = open(body, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .io("cannot open \(body): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw .io("cannot stat \(body): \(String(cString: strerror(errno)))") }
        let fd = open(output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("cannot create \(output): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try FileSystem.writeAll(fd, headFrame, path: output)
        let copied = try FileSystem.copyAll(from: input, to: fd, source: body, destination: output, allowCopyFileRange: allowCopyFileRange)
        guard copied == Int64(info.st_size) else { throw .io("\(body): copied \(copied) of \(info.st_size) bytes into \(output)") }
    }
}

extension FileSystem {
    /// Writes all of `bytes` to `fd`, continuing after short writes and `EINTR`.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(PackError) {
        let failure = bytes.withUnsafeBytes { buffer -> PackError? in
            do throws(PackError) { try writeAll(fd, buffer, path: path); return nil } catch { return error }
        }
        if let failure { throw failure }
    }

    /// Writes all of `buffer` to `fd`, continuing after short writes and `EINTR`.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(PackError) {
        guard let base = buffer.baseAddress else { return }
        var done = 0
        while done < buffer.count {
            let n = write(fd, base + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw .io("cannot write \(path): write(2) wrote nothing") }
            done += n
        }
    }

    /// Copies `from` (from its current offset to its end) to `to`.
    /// - Returns: the number of bytes copied.
    static func copyAll(from input: Int32, to output: Int32, source: String, destination: String, allowCopyFileRange: Bool) throws(PackError) -> Int64 {
        var total: Int64 = 0
        if allowCopyFileRange {
            while true {
                let n = glibcCopyFileRange(input, nil, output, nil, 1 << 30, 0)
                if n > 0 { total += Int64(n); continue }
                if n == 0 { return total }
                if errno == EINTR { continue }
                // Nothing copied yet and the kernel cannot do it for these files: fall back.
                if total == 0 && [ENOSYS, EXDEV, EINVAL, EOPNOTSUPP, EPERM].contains(errno) { break }
                throw .io("cannot copy \(source) to \(destination): \(String(cString: strerror(errno)))")
            }
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(input, buffer.baseAddress!, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read \(source): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return total }
            try writeAll(output, UnsafeRawBufferPointer(rebasing: buffer[..<n]), path: destination)
            total += Int64(n)
        }
    }
}

extension FileSystem {
    /// Submits every dirty page of the file at `path` for writeback, without waiting for the
    /// writes to complete (sync_file_range(2) with `SYNC_FILE_RANGE_WRITE` only; submitting
    /// takes time of its own for a large file). Best effort.
    /// - Returns: whether the kernel took the request (`false` where the file system or kernel
    ///   cannot).
    @discardableResult
    static func startWriteback(_ path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return glibcSyncFileRange(fd, 0, 0, syncFileRangeWrite) == 0
    }
}

/// `SYNC_FILE_RANGE_WRITE` of <fcntl.h>.
private let syncFileRangeWrite: UInt32 = 2

/// glibc's sync_file_range(2) (a GNU extension the Glibc module leaves out).
@_silgen_name("sync_file_range")
private func glibcSyncFileRange(_ fd: Int32, _ offset: Int64, _ count: Int64, _ flags: UInt32) -> Int32

/// glibc's copy_file_range(2), which the Glibc module leaves out (it is a GNU extension).
@_silgen_name("copy_file_range")
private func glibcCopyFileRange(_ fdIn: Int32, _ offIn: UnsafeMutablePointer<Int64>?, _ fdOut: Int32, _ offOut: UnsafeMutablePointer<Int64>?,
                                _ length: Int, _ flags: UInt32) -> Int

/// `FALLOC_FL_INSERT_RANGE` of <linux/falloc.h>.
private let fallocInsertRange: Int32 = 0x20

/// glibc's fallocate(2) (a GNU extension the Glibc module leaves out); `off_t` is 64 bits.
@_silgen_name("fallocate")
private func glibcFallocate(_ fd: Int32, _ mode: Int32, _ offset: Int64, _ length: Int64) -> Int32
