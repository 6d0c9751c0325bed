import Crypto
import Foundation
import Hashes
#if canImport(Glibc)
import Glibc
#endif

/// What `unpack` did.
public struct UnpackReport: Sendable {
    /// Entries created (directories, files, symlinks), the manifest included.
    public var entries: Int
    /// Bytes of file contents written.
    public var bytes: Int64
    /// Text files in which the build prefix was replaced by the unpacked directory
    /// (``PrefixRewrites``), and how many occurrences in all.
    public var rewrittenFiles = 0
    /// Occurrences of the build prefix replaced.
    public var rewrittenOccurrences = 0
}

/// `sglang-forge unpack`: extracts an archive written by ``Packer`` safely and verifies it.
///
/// Every entry is checked before anything is created for it: its path must be relative without
/// `.`/`..` components; it must be a directory, a regular file or a symlink whose target stays
/// inside the destination (no hard links, devices, FIFOs or sockets); it must be listed in the
/// manifest (the archive's first entry) with the same type, mode, size and link target; a file's
/// SHA-256 is computed while it is written and compared at its end; at the end, every manifest
/// entry must have been seen. Extraction goes to a temporary sibling of the destination, renamed
/// into place only when everything matched, so a refused archive leaves nothing behind.
/// libarchive's own `archive_write_disk` guards (`SECURE_SYMLINKS`, `SECURE_NODOTDOT`) apply too.
public enum Unpacker {
    /// Unpacks `archive` into `destination`, which must not exist or be an empty directory.
    /// - Throws: ``UnpackError``, naming the offending entry.
    public static func unpack(archive: String, into destination: String) throws(UnpackError) -> UnpackReport {
        let target = Packer.absolute(destination)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) {
            let empty = isDirectory.boolValue && ((try? FileManager.default.contentsOfDirectory(atPath: target))?.isEmpty ?? false)
            guard empty else { throw .destinationNotEmpty(destination) }
        }
        let parent = (target as NSString).deletingLastPathComponent
        do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
            throw .io("cannot create \(parent): \(error.localizedDescription)")
        }
        guard let realParent = FileSystem.realPath(parent) else { throw .io("cannot resolve \(parent)") }
        let staging = realParent + "/." + (target as NSString).lastPathComponent + ".unpack-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(staging, 0o755) == 0 else { throw .io("cannot create \(staging): \(String(cString: strerror(errno)))") }
        do throws(UnpackError) {
            var report = try extract(archive: archive, staging: staging)
            try rewritePrefixes(staging: staging, finalPath: realParent + "/" + (target as NSString).lastPathComponent, report: &report)
            if FileManager.default.fileExists(atPath: target) { rmdir(target) }
            guard rename(staging, target) == 0 else { throw UnpackError.io("cannot rename \(staging) to \(target): \(String(cString: strerror(errno)))") }
            return report
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    private static func extract(archive: String, staging: String) throws(UnpackError) -> UnpackReport {
        do {
            let reader = try ArchiveReader(path: archive)
            let disk = try DiskWriter()
            let first = try reader.next()
            guard let first, first.path == Manifest.path, first.kind == .regular, first.size <= 1 << 28 else {
                throw UnpackError.noManifest(firstEntry: first?.path)
            }
            var manifestBytes: [UInt8] = []
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            while true {
                let n = try reader.read(into: buffer)
                if n == 0 { break }
                manifestBytes.append(contentsOf: buffer[..<n])
            }
            let manifest = try Manifest.parse(String(decoding: manifestBytes, as: UTF8.self))
            // What the archive may write is bounded by what its manifest declares: refused up
            // front when the destination cannot hold it, and per file while it is written.
            let declared = manifest.entries.reduce(Int64(manifestBytes.count)) { $0 + $1.size }
            var fs = statvfs()
            if statvfs(staging, &fs) == 0 {
                let available = Int64(fs.f_bavail) * Int64(fs.f_frsize)
                if declared > available { throw UnpackError.insufficientSpace(declared: declared, available: available, directory: (staging as NSString).deletingLastPathComponent) }
            }
            var expected: [String: Manifest.Entry] = [:]
            var symlinks: [String: String] = [:]
            for entry in manifest.entries {
                expected[entry.path] = entry
                if entry.kind == .symlink { symlinks[entry.path] = entry.linkTarget ?? "" }
            }
            var seen = Set<String>()
            var report = UnpackReport(entries: 1, bytes: Int64(manifestBytes.count))
            while let header = try reader.next() {
                let path = try checkedPath(header, symlinks: symlinks)
                if header.permissions & ~0o777 != 0 { throw UnpackError.privilegedMode(path, mode: header.permissions) }
                guard seen.insert(path).inserted else { throw UnpackError.duplicate(path) }
                guard let listed = expected[path] else { throw UnpackError.notInManifest(path) }
                let kind: Manifest.Entry.Kind = switch header.kind {
                case .regular: .file
                case .directory: .directory
                case .symlink: .symlink
                case .hardlink, .special: .file // unreachable: checkedPath refused them
                }
                func compare(_ field: String, _ archived: String, _ listedValue: String) throws(UnpackError) {
                    if archived != listedValue { throw .mismatch(path, field: field, archive: archived, manifest: listedValue) }
                }
                try compare("type", kind.rawValue, listed.kind.rawValue)
                try compare("mode", String(header.permissions, radix: 8).leftPadded(to: 4), String(listed.mode, radix: 8).leftPadded(to: 4))
                if kind == .file { try compare("size", String(header.size), String(listed.size)) }
                if kind == .symlink { try compare("link target", header.linkTarget ?? "", listed.linkTarget ?? "") }
                let entry = ArchiveEntry.normalised(path: path, kind: header.kind, permissions: header.permissions, size: header.size, linkTarget: header.linkTarget, mtime: 0)
                try disk.create(entry, at: staging + "/" + path)
                if kind == .file {
                    var hasher = SHA256()
                    var written: Int64 = 0
                    while true {
                        let n = try reader.read(into: buffer)
                        if n == 0 { break }
                        if written + Int64(n) > listed.size { throw UnpackError.overlong(path, declared: listed.size, written: written + Int64(n)) }
                        let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<n])
                        hasher.update(bufferPointer: chunk)
                        try disk.write(chunk, path: staging + "/" + path)
                        written += Int64(n)
                    }
                    let digest = Base16.encode(Array(hasher.finalize()))
                    try compare("sha256", digest, listed.sha256 ?? "")
                    try compare("size", String(written), String(listed.size))
                    report.bytes += written
                }
                try disk.finish(path: staging + "/" + path)
                report.entries += 1
            }
            let missing = manifest.entries.map(\.path).filter { !seen.contains($0) }
            if !missing.isEmpty { throw UnpackError.missing(missing) }
            try disk.close()
            // The manifest goes in last, when its directories exist with their own modes.
            let manifestPath = staging + "/" + Manifest.path
            do {
                try FileManager.default.createDirectory(atPath: (manifestPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(manifestBytes).write(to: URL(fileURLWithPath: manifestPath))
                chmod(manifestPath, 0o644)
            } catch {
                throw UnpackError.io("cannot write \(manifestPath): \(error.localizedDescription)")
            }
            return report
        } catch let error as UnpackError {
            throw error
        } catch let error as ArchiveError {
            throw .archive(error)
        } catch {
            throw .io("\(error)")
        }
    }

    /// Rewrites the files ``PrefixRewrites/path`` lists (when the archive has it), replacing the
    /// build prefix with `finalPath`, the directory the tree is about to be renamed to. Each
    /// listed path must be a regular file of the manifest (never a symlink, so nothing outside
    /// the tree is touched); its mode is kept.
    private static func rewritePrefixes(staging: String, finalPath: String, report: inout UnpackReport) throws(UnpackError) {
        let listPath = staging + "/" + PrefixRewrites.path
        guard let data = FileManager.default.contents(atPath: listPath) else { return }
        let rewrites = try PrefixRewrites.parse(String(decoding: data, as: UTF8.self))
        let manifestText = (FileManager.default.contents(atPath: staging + "/" + Manifest.path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let manifest = try Manifest.parse(manifestText)
        let files = Set(manifest.entries.filter { $0.kind == .file }.map(\.path))
        for path in rewrites.files {
            guard files.contains(path) else { throw UnpackError.badRewrites(line: 0, reason: "'\(path)' is not a regular file of the manifest") }
            let diskPath = staging + "/" + path
            guard let bytes = FileManager.default.contents(atPath: diskPath) else { throw UnpackError.io("cannot read \(diskPath)") }
            let (rewritten, count) = rewrites.rewrite([UInt8](bytes), to: finalPath)
            guard count > 0 else { continue }
            var info = stat()
            let mode: mode_t = stat(diskPath, &info) == 0 ? info.st_mode & 0o777 : 0o644
            chmod(diskPath, mode | 0o200)
            do { try Data(rewritten).write(to: URL(fileURLWithPath: diskPath)) } catch {
                throw UnpackError.io("cannot rewrite \(diskPath): \(error.localizedDescription)")
            }
            chmod(diskPath, mode)
            report.rewrittenFiles += 1
            report.rewrittenOccurrences += count
        }
    }

    /// The entry's path without a trailing `/`, after the path, type and link checks.
    private static func checkedPath(_ header: EntryHeader, symlinks: [String: String]) throws(UnpackError) -> String {
        var path = header.path
        if path.hasPrefix("/") { throw .absolutePath(path) }
        if header.kind == .directory, path.count > 1, path.hasSuffix("/") { path.removeLast() }
        guard PathRules.isSafeRelative(path), path != Manifest.path else { throw .unsafePath(header.path) }
        switch header.kind {
        case .regular, .directory: break
        case .hardlink(let target): throw .hardLink(path, target: target)
        case .special(let type): throw .specialFile(path, kind: describe(type))
        case .symlink:
            let target = header.linkTarget ?? ""
            if target.isEmpty || target.hasPrefix("/") || PathRules.resolve(linkTarget: target, from: path, symlinks: symlinks) == nil {
                throw .escapingLink(path, target: target)
            }
        }
        return path
    }

    private static func describe(_ type: UInt32) -> String {
        switch mode_t(type) {
        case S_IFCHR: "character device"
        case S_IFBLK: "block device"
        case S_IFIFO: "FIFO"
        case S_IFSOCK: "socket"
        default: "file of type \(String(type, radix: 8))"
        }
    }
}
