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
    /// Which pass over the prefix is running.
    public enum Phase: String, Sendable { case scanning = "scanning", writing = "writing" }
    /// The current pass.
    public var phase: Phase
    /// Files handled so far in this pass.
    public var filesDone: Int
    /// Files in the prefix.
    public var filesTotal: Int
    /// Bytes of file contents, uncompressed.
    public var bytesDone: Int64
    /// Bytes of regular files in the prefix.
    public var bytesTotal: Int64
}

/// What `pack` did.
public struct PackReport: Sendable {
    /// Entries in the archive besides the manifest.
    public var entries: Int
    /// Regular files and their total size in bytes (uncompressed).
    public var files: Int
    /// Bytes of regular files packed.
    public var bytes: Int64
    /// Size of the archive in bytes.
    public var archiveBytes: Int64
    /// Scripts given relocatable launchers.
    public var rewrittenScripts: [String]
    /// ELF files whose run path was rewritten: path, old value, new value.
    public var rewrittenRunPaths: [RunPathChange]
    /// Leftover build-prefix strings that `--allow-prefix-in` allowed.
    public var allowedLeftovers: [PackProblem]
    /// Text files that still name the build prefix, listed in ``PrefixRewrites/path`` for
    /// `unpack` to rewrite (prefix-relative paths, sorted).
    public var textRewrites: [String] = []
    /// Byte-compiled Python files (`.pyc`) whose build prefix is inert: it is the source path
    /// (`co_filename`) shown in tracebacks, never used to find a file.
    public var inertBytecode: [String] = []
    /// Other binary files that hold the build prefix as a string (a compiled-in default such as
    /// libpython's `PREFIX`, which CPython replaces at start-up by the location of its
    /// executable): left as they are, and listed.
    public var inertBinaries: [String] = []
    /// Run-path entries dropped because they name a directory outside the prefix that the build
    /// host does not have (a path leaked from a wheel's build machine), one warning each.
    public var droppedRunPaths: [DroppedRunPath] = []
    /// Absolute symlinks into the prefix, stored as relative links.
    public var relativisedSymlinks: [String] = []

    /// One dropped run-path entry.
    public struct DroppedRunPath: Hashable, Sendable {
        /// The ELF file, relative to the prefix.
        public var path: String
        /// The entry as written.
        public var entry: String
    }

    /// One ELF file whose RPATH/RUNPATH was rewritten.
    public struct RunPathChange: Hashable, Sendable {
        /// The file, relative to the prefix.
        public var path: String
        /// The run path before (`:`-separated).
        public var old: String
        /// The run path after, `$ORIGIN`-relative.
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
    ///   - progress: called at most every 0.25 s, from any thread but never concurrently.
    /// - Returns: what was rewritten and allowed.
    /// - Throws: ``PackError/refused(prefix:problems:)`` listing every problem;
    ///   ``PackError/io(_:)``, ``PackError/archive(_:)``, ``PackError/missingTool(_:)``.
    public static func pack(prefix: String, output: String, options: PackOptions = PackOptions(),
                            progress: (@Sendable (PackProgress) -> Void)? = nil) throws(PackError) -> PackReport {
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
        let meter = ProgressMeter(callback: progress, phase: .scanning, filesTotal: regularTotal.count, bytesTotal: bytesTotal)
        var symlinks: [String: String] = [:]
        for entry in found {
            guard case .symlink = entry.kind else { continue }
            var target = try FileSystem.readLink(root + "/" + entry.path)
            // An absolute link into the prefix is stored relative to the link's directory.
            if target.hasPrefix("/"), let inside = spellings.lazy.compactMap({ Relocation.relativeInside(target, prefix: $0) }).first {
                let directory = entry.path.split(separator: "/").dropLast().joined(separator: "/")
                target = PathRules.relative(from: directory, to: inside)
                report.relativisedSymlinks.append(entry.path)
            }
            symlinks[entry.path] = target
        }
        // Run paths of every ELF file, in batches (one patchelf process per file would dominate).
        var elfFiles: [String] = []
        for entry in found {
            guard case .regular = entry.kind, entry.size >= 4 else { continue }
            let diskPath = root + "/" + entry.path
            if try FileSystem.head(diskPath, count: 4) == [0x7f, 0x45, 0x4c, 0x46] { elfFiles.append(diskPath) }
        }
        let runPaths = try tools.runPaths(elfFiles)
        // Rewrite, hash and search every regular file, on all CPUs; results by index, so the
        // outcome does not depend on the scheduling.
        let jobs = found.filter { entry in
            guard case .regular = entry.kind else { return false }
            return entry.path != Manifest.path && entry.path != PrefixRewrites.path && !entry.path.contains("\t") && !entry.path.contains("\n")
        }
        let results = ResultSlots<Result<FileResult, PackError>>(count: jobs.count)
        let needles = spellings
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8, jobs.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let index = results.claim() {
                let entry = jobs[index]
                results[index] = Result { () throws(PackError) -> FileResult in
                    try analyse(entry, root: root, prefixes: needles, tools: tools, runPaths: runPaths,
                                scratch: scratch + "/\(index)", meter: meter)
                }
            }
        }
        var resultIndex: [String: Int] = [:]
        for (index, entry) in jobs.enumerated() { resultIndex[entry.path] = index }

        var rewriteFiles: [String] = []
        for entry in found where entry.path != Manifest.path && entry.path != PrefixRewrites.path {
            if entry.path.contains("\t") || entry.path.contains("\n") {
                problems.append(.unrecordableName(entry.path))
                continue
            }
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
                guard let index = resultIndex[entry.path], let outcome = results[index] else { throw .io("internal error: \(entry.path) was not analysed") }
                let file = try outcome.get()
                problems += file.problems
                if file.rewrittenScript { report.rewrittenScripts.append(entry.path) }
                if let change = file.runPathChange { report.rewrittenRunPaths.append(change) }
                report.droppedRunPaths += file.droppedRunPath.map { .init(path: entry.path, entry: $0) }
                // A file already refused (e.g. a non-Python interpreter in the prefix) is not also
                // reported for the prefix string that refusal is about.
                if file.problems.isEmpty, file.occurrences > 0, let offset = file.firstOffset {
                    let leftover = PackProblem.prefixLeftover(entry.path, count: file.occurrences, firstOffset: offset)
                    if options.allowPrefixIn.contains(where: { fnmatch($0, entry.path, 0) == 0 }) {
                        report.allowedLeftovers.append(leftover)
                    } else if entry.path.hasSuffix(".pyc") || entry.path.hasSuffix(".pyo") {
                        report.inertBytecode.append(entry.path)
                    } else if file.isELF || file.isBinary {
                        report.inertBinaries.append(entry.path)
                    } else if spellings.contains(where: { $0.contains("\t") || $0.contains("\n") }) {
                        problems.append(leftover)
                    } else {
                        rewriteFiles.append(entry.path)
                    }
                }
                let mode: UInt32 = entry.permissions & 0o111 != 0 ? 0o755 : 0o644
                items.append(Item(path: entry.path, kind: .file, mode: mode, size: file.size, sha256: file.sha256, linkTarget: nil, source: file.source))
                report.files += 1
                report.bytes += file.size
            }
        }
        if !problems.isEmpty {
            throw .refused(prefix: prefix, problems: problems.sorted { ($0.path, $0.description) < ($1.path, $1.description) })
        }
        for parent in manifestParents where !items.contains(where: { $0.path == parent }) {
            items.append(Item(path: parent, kind: .directory, mode: 0o755, size: 0, sha256: nil, linkTarget: nil, source: .none))
        }
        if !rewriteFiles.isEmpty {
            let rewrites = PrefixRewrites(prefixes: spellings, files: rewriteFiles)
            let bytes = Array(rewrites.text.utf8)
            var digest = ContentDigest(needles: [])
            bytes.withUnsafeBytes { digest.update($0) }
            items.append(Item(path: PrefixRewrites.path, kind: .file, mode: 0o644, size: Int64(bytes.count), sha256: digest.hexDigest(), linkTarget: nil, source: .memory(bytes)))
            report.textRewrites = rewrites.files
        }
        report.inertBytecode.sort()
        report.inertBinaries.sort()
        items.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        let manifest = Manifest(entries: items.map {
            Manifest.Entry(path: $0.path, kind: $0.kind, mode: $0.mode, size: $0.size, sha256: $0.sha256, linkTarget: $0.linkTarget)
        })
        report.entries = items.count

        // Pass 2: write.
        let temporary = (outputPath as NSString).deletingLastPathComponent + "/." + (outputPath as NSString).lastPathComponent + ".tmp-\(getpid())"
        let writeMeter = ProgressMeter(callback: progress, phase: .writing, filesTotal: report.files, bytesTotal: report.bytes)
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
                    writeMeter.advance(bytes: Int64(bytes.count))
                case .disk(let path):
                    var written: Int64 = 0
                    try FileSystem.forEachChunk(of: path, chunkSize: 1 << 20) { (chunk: UnsafeRawBufferPointer) throws(PackError) in
                        do throws(ArchiveError) { try writer.writeData(chunk) } catch { throw PackError.archive(error) }
                        written += Int64(chunk.count)
                        writeMeter.advance(bytes: Int64(chunk.count))
                    }
                    if written != item.size { throw PackError.io("\(path) changed while it was packed (size \(item.size), now \(written))") }
                case .none: break
                }
                if item.kind == .file { writeMeter.advance(files: 1) }
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
        writeMeter.finish()
        report.archiveBytes = (try? FileManager.default.attributesOfItem(atPath: outputPath)[.size] as? NSNumber)?.int64Value ?? 0
        return report
    }

    // MARK: pass 1 helpers

    struct Item {
        enum Source: Sendable { case disk(String), memory([UInt8]), none }
        var path: String
        var kind: Manifest.Entry.Kind
        var mode: UInt32
        var size: Int64
        var sha256: String?
        var linkTarget: String?
        var source: Source
    }

    /// What pass 1 learnt about one regular file.
    struct FileResult: Sendable {
        var source: Item.Source
        var problems: [PackProblem]
        var size: Int64
        var sha256: String
        var occurrences: Int
        var firstOffset: Int?
        var rewrittenScript = false
        var runPathChange: PackReport.RunPathChange?
        var droppedRunPath: [String] = []
        var isELF = false
        var isBinary = false
    }

    /// Relocates, hashes and searches one regular file (thread-safe: touches only its own
    /// `scratch` path).
    static func analyse(_ entry: FoundEntry, root: String, prefixes: [String], tools: ELFTools, runPaths: [String: String?],
                        scratch: String, meter: ProgressMeter) throws(PackError) -> FileResult {
        let diskPath = root + "/" + entry.path
        var result = try relocate(entry.path, diskPath: diskPath, prefixes: prefixes, tools: tools, runPaths: runPaths, scratch: scratch)
        var digest = ContentDigest(needles: prefixes)
        switch result.source {
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
        result.size = digest.size
        result.sha256 = digest.hexDigest()
        result.occurrences = digest.occurrences
        result.firstOffset = digest.firstOffset
        result.isBinary = digest.sawNUL
        return result
    }

    /// Rewrites one regular file if it needs it: a launcher for a Python shebang into the
    /// prefix (in memory), `$ORIGIN` run paths (in a copy at `scratch`).
    /// - Returns: where its (possibly rewritten) bytes are and the problems found; the digest
    ///   fields are left for ``analyse(_:root:prefixes:tools:runPaths:scratch:meter:)``.
    static func relocate(_ path: String, diskPath: String, prefixes: [String], tools: ELFTools, runPaths: [String: String?],
                         scratch: String) throws(PackError) -> FileResult {
        func outcome(_ source: Item.Source, _ problems: [PackProblem] = []) -> FileResult {
            FileResult(source: source, problems: problems, size: 0, sha256: "", occurrences: 0, firstOffset: nil)
        }
        let head = try FileSystem.head(diskPath, count: 4096)
        if head.starts(with: [0x7f, 0x45, 0x4c, 0x46]) {
            let runPath: String?
            if let known = runPaths[diskPath] { runPath = known } else { runPath = try tools.runPath(diskPath) }
            func elf(_ source: Item.Source, _ problems: [PackProblem] = []) -> FileResult {
                var result = outcome(source, problems)
                result.isELF = true
                return result
            }
            guard let current = runPath, !current.isEmpty else { return elf(.disk(diskPath)) }
            let rewrite = Relocation.rewriteRunPath(current, file: path, prefixes: prefixes) { directory in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue
            }
            guard rewrite.problems.isEmpty else { return elf(.disk(diskPath), rewrite.problems) }
            guard rewrite.value != current else { return elf(.disk(diskPath)) }
            do { try FileManager.default.copyItem(atPath: diskPath, toPath: scratch) } catch {
                throw .io("cannot copy \(diskPath) to \(scratch): \(error.localizedDescription)")
            }
            chmod(scratch, 0o644)
            let oldKind = try tools.hasOldRPath(scratch)
            if let failure = try tools.setRunPath(rewrite.value, of: scratch, oldKind: oldKind) {
                return elf(.disk(diskPath), [.elfTool(path, message: failure)])
            }
            var result = elf(.disk(scratch))
            result.runPathChange = .init(path: path, old: current, new: rewrite.value)
            result.droppedRunPath = rewrite.dropped
            return result
        }
        guard let shebang = Relocation.shebang(in: head) else { return outcome(.disk(diskPath)) }
        guard let inside = prefixes.lazy.compactMap({ Relocation.relativeInside(shebang.interpreter, prefix: $0) }).first else {
            return outcome(.disk(diskPath))
        }
        guard Relocation.isPython(shebang.interpreter) else { return outcome(.disk(diskPath), [.foreignInterpreter(path, interpreter: shebang.interpreter)]) }
        let directory = path.split(separator: "/").dropLast().joined(separator: "/")
        let target = PathRules.resolve(linkTarget: inside, from: "x") ?? inside
        let relative = PathRules.relative(from: directory, to: target)
        guard let launcher = Relocation.launcher(relativeInterpreter: relative, argument: shebang.argument) else {
            return outcome(.disk(diskPath), [.foreignInterpreter(path, interpreter: shebang.interpreter)])
        }
        let bytes = try FileSystem.contents(diskPath)
        var result = outcome(.memory(Array(launcher.utf8) + bytes[shebang.bodyOffset...]))
        result.rewrittenScript = true
        return result
    }

    static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }
}

/// Counts progress from any thread and rate-limits the reports (at most every 0.25 s; the
/// callback is called under the lock, so never concurrently).
final class ProgressMeter: @unchecked Sendable {
    private let callback: (@Sendable (PackProgress) -> Void)?
    private var state: PackProgress
    private var last = Date.distantPast
    private let lock = NSLock()

    init(callback: (@Sendable (PackProgress) -> Void)?, phase: PackProgress.Phase, filesTotal: Int, bytesTotal: Int64) {
        self.callback = callback
        state = PackProgress(phase: phase, filesDone: 0, filesTotal: filesTotal, bytesDone: 0, bytesTotal: bytesTotal)
    }

    func advance(files: Int = 0, bytes: Int64 = 0) {
        guard let callback else { return }
        lock.lock()
        defer { lock.unlock() }
        state.filesDone += files
        state.bytesDone += bytes
        let now = Date()
        if now.timeIntervalSince(last) >= 0.25 {
            last = now
            callback(state)
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        callback?(state)
    }
}

/// One result slot per job, for work shared out by ``claim()``: each slot is written by the one
/// thread that claimed its index, and read after all threads finished.
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    private var slots: [Value?]
    private var next = 0
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// The next unclaimed index, or `nil` when all are taken.
    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < slots.count else { return nil }
        next += 1
        return next - 1
    }

    subscript(index: Int) -> Value? {
        get { lock.lock(); defer { lock.unlock() }; return slots[index] }
        set { lock.lock(); defer { lock.unlock() }; slots[index] = newValue }
    }
}
