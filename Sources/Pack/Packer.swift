import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Settings of ``Packer/pack(prefix:output:options:progress:)``.
public struct PackOptions: Sendable {
    /// fnmatch(3) patterns (no `FNM_PATHNAME`: `*` also matches `/`) of prefix-relative paths
    /// whose leftover build-prefix strings are allowed (reported, not refused), e.g. `*.pyc`.
    public var allowPrefixIn: [String]
    /// zstd compression level, 1...19.
    public var zstdLevel: Int
    /// zstd worker threads (≥ 1); the archive's bytes do not depend on it.
    public var zstdThreads: Int
    /// Modification time of every entry, seconds since the epoch.
    public var mtime: Int
    /// Extra spellings of the build prefix to rewrite and look for, besides the prefix's own
    /// path and its `realpath` (e.g. the path a tree was built at before it was moved).
    public var extraPrefixes: [String]

    public init(allowPrefixIn: [String] = [], zstdLevel: Int = 3, zstdThreads: Int = ProcessInfo.processInfo.activeProcessorCount,
                mtime: Int = 0, extraPrefixes: [String] = []) {
        self.allowPrefixIn = allowPrefixIn
        self.zstdLevel = zstdLevel
        self.zstdThreads = max(1, zstdThreads)
        self.mtime = mtime
        self.extraPrefixes = extraPrefixes
    }
}

/// Where packing is; reported at most a few times a second.
public struct PackProgress: Sendable {
    public enum Phase: String, Sendable { case scanning = "scanning", writing = "writing" }
    public var phase: Phase
    public var filesDone: Int
    public var filesTotal: Int
    /// Bytes of file contents, uncompressed.
    public var bytesDone: Int64
    public var bytesTotal: Int64
}

/// What `pack` did.
public struct PackReport: Sendable {
    /// Entries in the archive besides the manifest.
    public var entries: Int
    /// Regular files and their total size in bytes (uncompressed).
    public var files: Int
    public var bytes: Int64
    /// Size of the archive in bytes.
    public var archiveBytes: Int64
    /// Scripts given relocatable launchers.
    public var rewrittenScripts: [String]
    /// ELF files whose run path was rewritten: path, old value, new value.
    public var rewrittenRunPaths: [RunPathChange]
    /// Leftover build-prefix strings that `--allow-prefix-in` allowed.
    public var allowedLeftovers: [PackProblem]

    public struct RunPathChange: Hashable, Sendable {
        public var path: String
        public var old: String
        public var new: String
    }
}

/// `sglang-forge pack`: turns a prefix into a relocatable, reproducible `.tar.zst`.
///
/// The prefix on disk is never modified: files that need a rewrite (shebangs, run paths) are
/// rewritten in memory or in a temporary copy.
///
/// Archive layout: the manifest (``Manifest``) first, then every directory, file and symlink in
/// the byte order of its path; pax-restricted tar (ustar headers, pax only for long names);
/// owner 0:0 without names; mtime ``PackOptions/mtime``; modes normalised to 0755 (directories,
/// files with any execute bit), 0644 (other files), 0777 (symlinks); hard links stored as
/// separate files; zstd through libarchive's filter. The same prefix gives the same bytes.
public enum Packer {
    /// Packs `prefix` into `output`.
    ///
    /// - Parameters:
    ///   - prefix: the directory to pack; its absolute path (and `realpath`) is the build prefix.
    ///   - output: the archive path; written to a temporary sibling and renamed, so a failed run
    ///     leaves nothing. It must not be inside `prefix`.
    ///   - progress: called from the calling thread, at most every 0.25 s.
    /// - Returns: what was rewritten and allowed.
    /// - Throws: ``PackError/refused(prefix:problems:)`` listing every problem;
    ///   ``PackError/io(_:)``, ``PackError/archive(_:)``, ``PackError/missingTool(_:)``.
    public static func pack(prefix: String, output: String, options: PackOptions = PackOptions(),
                            progress: ((PackProgress) -> Void)? = nil) throws(PackError) -> PackReport {
        let given = absolute(prefix)
        guard let root = FileSystem.realPath(given) else { throw .io("\(prefix): no such directory") }
        guard root != "/" else { throw .io("\(prefix): refusing to pack the root directory") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .io("\(prefix): not a directory")
        }
        let outputPath = absolute(output)
        let outputDirectory = FileSystem.realPath((outputPath as NSString).deletingLastPathComponent) ?? (outputPath as NSString).deletingLastPathComponent
        if outputDirectory == root || outputDirectory.hasPrefix(root + "/") {
            throw .io("\(output): the archive must not be written inside the prefix it packs")
        }
        var spellings = [root]
        for extra in [given] + options.extraPrefixes.map(absolute) where !spellings.contains(extra) && extra != "/" {
            spellings.append(extra)
        }
        let tools = ELFTools()
        try tools.check()

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sglang-forge-pack-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        do { try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true) } catch {
            throw .io("cannot create \(scratch): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        // Pass 1: classify, rewrite, hash, look for the prefix.
        let (found, badNames) = try FileSystem.walk(root)
        var problems: [PackProblem] = badNames.map { .unrecordableName($0) }
        var items: [Item] = []
        var report = PackReport(entries: 0, files: 0, bytes: 0, archiveBytes: 0, rewrittenScripts: [], rewrittenRunPaths: [], allowedLeftovers: [])
        let manifestParents = ["share", "share/sglang-forge"]
        let regularTotal = found.filter { if case .regular = $0.kind { true } else { false } }
        let bytesTotal = regularTotal.reduce(Int64(0)) { $0 + $1.size }
        var meter = ProgressMeter(callback: progress, phase: .scanning, filesTotal: regularTotal.count, bytesTotal: bytesTotal)
        var symlinks: [String: String] = [:]
        for entry in found {
            if case .symlink = entry.kind { symlinks[entry.path] = try FileSystem.readLink(root + "/" + entry.path) }
        }
        // Run paths of every ELF file, in batches (one patchelf process per file would dominate).
        var elfFiles: [String] = []
        for entry in found {
            guard case .regular = entry.kind, entry.size >= 4 else { continue }
            let diskPath = root + "/" + entry.path
            if try FileSystem.head(diskPath, count: 4) == [0x7f, 0x45, 0x4c, 0x46] { elfFiles.append(diskPath) }
        }
        let runPaths = try tools.runPaths(elfFiles)
        for entry in found where entry.path != Manifest.path {
            if entry.path.contains("\t") || entry.path.contains("\n") {
                problems.append(.unrecordableName(entry.path))
                continue
            }
            let diskPath = root + "/" + entry.path
            switch entry.kind {
            case .directory:
                items.append(Item(path: entry.path, kind: .directory, mode: 0o755, size: 0, sha256: nil, linkTarget: nil, source: .none))
            case .symlink:
                let target = symlinks[entry.path] ?? ""
                if target.hasPrefix("/") {
                    problems.append(.absoluteSymlink(entry.path, target: target))
                } else if PathRules.resolve(linkTarget: target, from: entry.path, symlinks: symlinks) == nil {
                    problems.append(.escapingSymlink(entry.path, target: target))
                } else {
                    items.append(Item(path: entry.path, kind: .symlink, mode: 0o777, size: 0, sha256: nil, linkTarget: target, source: .none))
                }
            case .special(let kind):
                problems.append(.specialFile(entry.path, kind: kind))
            case .regular:
                let mode: UInt32 = entry.permissions & 0o111 != 0 ? 0o755 : 0o644
                let (source, fileProblems) = try relocate(entry.path, diskPath: diskPath, prefixes: spellings, tools: tools, runPaths: runPaths,
                                                          scratch: scratch, report: &report)
                problems += fileProblems
                var digest = ContentDigest(needles: spellings)
                switch source {
                case .memory(let bytes):
                    bytes.withUnsafeBytes { digest.update($0) }
                    meter.advance(bytes: entry.size)
                case .disk(let path):
                    try FileSystem.forEachChunk(of: path, chunkSize: 1 << 20) { (chunk: UnsafeRawBufferPointer) throws(PackError) in
                        digest.update(chunk)
                        meter.advance(bytes: Int64(chunk.count))
                    }
                case .none: break
                }
                meter.advance(files: 1)
                // A file already refused (e.g. a non-Python interpreter in the prefix) is not also
                // reported for the prefix string that refusal is about.
                if fileProblems.isEmpty, digest.occurrences > 0, let offset = digest.firstOffset {
                    let leftover = PackProblem.prefixLeftover(entry.path, count: digest.occurrences, firstOffset: offset)
                    if options.allowPrefixIn.contains(where: { fnmatch($0, entry.path, 0) == 0 }) {
                        report.allowedLeftovers.append(leftover)
                    } else {
                        problems.append(leftover)
                    }
                }
                items.append(Item(path: entry.path, kind: .file, mode: mode, size: digest.size, sha256: digest.hexDigest(), linkTarget: nil, source: source))
                report.files += 1
                report.bytes += digest.size
            }
        }
        if !problems.isEmpty {
            throw .refused(prefix: prefix, problems: problems.sorted { ($0.path, $0.description) < ($1.path, $1.description) })
        }
        for parent in manifestParents where !items.contains(where: { $0.path == parent }) {
            items.append(Item(path: parent, kind: .directory, mode: 0o755, size: 0, sha256: nil, linkTarget: nil, source: .none))
        }
        items.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        let manifest = Manifest(entries: items.map {
            Manifest.Entry(path: $0.path, kind: $0.kind, mode: $0.mode, size: $0.size, sha256: $0.sha256, linkTarget: $0.linkTarget)
        })
        report.entries = items.count

        // Pass 2: write.
        let temporary = (outputPath as NSString).deletingLastPathComponent + "/." + (outputPath as NSString).lastPathComponent + ".tmp-\(getpid())"
        meter = ProgressMeter(callback: progress, phase: .writing, filesTotal: report.files, bytesTotal: report.bytes)
        do {
            let writer = try ArchiveWriter(path: temporary, zstdLevel: options.zstdLevel, zstdThreads: options.zstdThreads)
            let manifestBytes = Array(manifest.text.utf8)
            try writer.writeHeader(.normalised(path: Manifest.path, kind: .regular, permissions: 0o644, size: Int64(manifestBytes.count), linkTarget: nil, mtime: options.mtime))
            try writer.writeData(manifestBytes)
            for item in items {
                let kind: EntryKind = switch item.kind { case .file: .regular; case .directory: .directory; case .symlink: .symlink }
                try writer.writeHeader(.normalised(path: item.path, kind: kind, permissions: item.mode, size: item.size, linkTarget: item.linkTarget, mtime: options.mtime))
                switch item.source {
                case .memory(let bytes):
                    try writer.writeData(bytes)
                    meter.advance(bytes: Int64(bytes.count))
                case .disk(let path):
                    var written: Int64 = 0
                    try FileSystem.forEachChunk(of: path, chunkSize: 1 << 20) { (chunk: UnsafeRawBufferPointer) throws(PackError) in
                        do throws(ArchiveError) { try writer.writeData(chunk) } catch { throw PackError.archive(error) }
                        written += Int64(chunk.count)
                        meter.advance(bytes: Int64(chunk.count))
                    }
                    if written != item.size { throw PackError.io("\(path) changed while it was packed (size \(item.size), now \(written))") }
                case .none: break
                }
                if item.kind == .file { meter.advance(files: 1) }
            }
            try writer.close()
        } catch let error as ArchiveError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw .archive(error)
        } catch let error as PackError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw .io("\(error)")
        }
        guard rename(temporary, outputPath) == 0 else {
            let message = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw .io("cannot rename \(temporary) to \(outputPath): \(message)")
        }
        meter.finish()
        report.archiveBytes = (try? FileManager.default.attributesOfItem(atPath: outputPath)[.size] as? NSNumber)?.int64Value ?? 0
        return report
    }

    // MARK: pass 1 helpers

    struct Item {
        enum Source { case disk(String), memory([UInt8]), none }
        var path: String
        var kind: Manifest.Entry.Kind
        var mode: UInt32
        var size: Int64
        var sha256: String?
        var linkTarget: String?
        var source: Source
    }

    /// Rewrites one regular file if it needs it.
    /// - Returns: where its (possibly rewritten) bytes are, and the problems found.
    static func relocate(_ path: String, diskPath: String, prefixes: [String], tools: ELFTools, runPaths: [String: String?], scratch: String,
                         report: inout PackReport) throws(PackError) -> (Item.Source, [PackProblem]) {
        let head = try FileSystem.head(diskPath, count: 4096)
        if head.starts(with: [0x7f, 0x45, 0x4c, 0x46]) {
            let runPath: String?
            if let known = runPaths[diskPath] { runPath = known } else { runPath = try tools.runPath(diskPath) }
            guard let current = runPath, !current.isEmpty else { return (.disk(diskPath), []) }
            let rewrite = Relocation.rewriteRunPath(current, file: path, prefixes: prefixes)
            guard rewrite.problems.isEmpty else { return (.disk(diskPath), rewrite.problems) }
            guard rewrite.value != current else { return (.disk(diskPath), []) }
            let copy = scratch + "/" + String(report.rewrittenRunPaths.count)
            do { try FileManager.default.copyItem(atPath: diskPath, toPath: copy) } catch {
                throw .io("cannot copy \(diskPath) to \(copy): \(error.localizedDescription)")
            }
            chmod(copy, 0o644)
            let oldKind = try tools.hasOldRPath(copy)
            if let failure = try tools.setRunPath(rewrite.value, of: copy, oldKind: oldKind) {
                return (.disk(diskPath), [.elfTool(path, message: failure)])
            }
            report.rewrittenRunPaths.append(.init(path: path, old: current, new: rewrite.value))
            return (.disk(copy), [])
        }
        guard let shebang = Relocation.shebang(in: head) else { return (.disk(diskPath), []) }
        guard let inside = prefixes.lazy.compactMap({ Relocation.relativeInside(shebang.interpreter, prefix: $0) }).first else {
            return (.disk(diskPath), [])
        }
        guard Relocation.isPython(shebang.interpreter) else { return (.disk(diskPath), [.foreignInterpreter(path, interpreter: shebang.interpreter)]) }
        let directory = path.split(separator: "/").dropLast().joined(separator: "/")
        let target = PathRules.resolve(linkTarget: inside, from: "x") ?? inside
        let relative = PathRules.relative(from: directory, to: target)
        guard let launcher = Relocation.launcher(relativeInterpreter: relative, argument: shebang.argument) else {
            return (.disk(diskPath), [.foreignInterpreter(path, interpreter: shebang.interpreter)])
        }
        let bytes = try FileSystem.contents(diskPath)
        report.rewrittenScripts.append(path)
        return (.memory(Array(launcher.utf8) + bytes[shebang.bodyOffset...]), [])
    }

    static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }
}

/// Rate-limits progress reports.
struct ProgressMeter {
    let callback: ((PackProgress) -> Void)?
    var state: PackProgress
    var last = Date.distantPast

    init(callback: ((PackProgress) -> Void)?, phase: PackProgress.Phase, filesTotal: Int, bytesTotal: Int64) {
        self.callback = callback
        state = PackProgress(phase: phase, filesDone: 0, filesTotal: filesTotal, bytesDone: 0, bytesTotal: bytesTotal)
    }

    mutating func advance(files: Int = 0, bytes: Int64 = 0) {
        state.filesDone += files
        state.bytesDone += bytes
        guard let callback else { return }
        let now = Date()
        if now.timeIntervalSince(last) >= 0.25 {
            last = now
            callback(state)
        }
    }

    mutating func finish() {
        callback?(state)
    }
}
