internal import CZstd
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Puts a `pack` archive together from its two parts, written in one pass over the prefix.
///
/// The manifest must be the first entry, but it is known only after every file was read. So
/// the files are written, in one pass, as a tar stream (ending in the end-of-archive blocks)
/// compressed by libarchive's zstd filter into a temporary *body* file; afterwards the *head*
/// (the manifest and the prefix-rewrites list: tar entries without end-of-archive blocks) is
/// compressed into one zstd frame of its own, and the archive is that frame followed by the
/// body's bytes. Concatenated zstd frames are one valid zstd stream (RFC 8878, section 3.1:
/// "a zstd compressed data stream is made of one or more frames"), and the concatenated tar
/// streams are one tar archive, so `zstd -d`, `tar --zstd` and libarchive read it as one.
enum ArchiveAssembly {
    /// Tar entries (libarchive, the same format and normalised headers as the body) for
    /// in-memory files, without the end-of-archive blocks, so a tar stream can follow.
    /// - Throws: ``PackError/archive(_:)``; ``PackError/io(_:)`` when libarchive's output does not
    ///   end in the two zero blocks this relies on.
    static func headTar(_ files: [(path: String, bytes: [UInt8])], mtime: Int) throws(PackError) -> [UInt8] {
        var tar: [UInt8]
        do throws(ArchiveError) {
            let writer = try ArchiveWriter(memory: ())
            for file in files {
                try writer.writeHeader(.normalised(path: file.path, kind: .regular, permissions: 0o644, size: Int64(file.bytes.count), linkTarget: nil, mtime: mtime))
                try writer.writeData(file.bytes)
            }
            try writer.close()
            tar = writer.bytes
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
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
        let written = output.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { input in ZSTD_compress2(context, out.baseAddress, out.count, input.baseAddress, input.count) }
        }
        if ZSTD_isError(written) != 0 { throw .io("ZSTD_compress2: \(String(cString: ZSTD_getErrorName(written)))") }
        output.removeLast(output.count - written)
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

/// glibc's copy_file_range(2), which the Glibc module leaves out (it is a GNU extension).
@_silgen_name("copy_file_range")
private func glibcCopyFileRange(_ fdIn: Int32, _ offIn: UnsafeMutablePointer<Int64>?, _ fdOut: Int32, _ offOut: UnsafeMutablePointer<Int64>?,
                                _ length: Int, _ flags: UInt32) -> Int
