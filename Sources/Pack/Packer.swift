internal import DeviceCode
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
    /// What is running: `pack` reads, relocates, hashes and writes every file in one pass.
    public enum Phase: String, Sendable { case packing = "packing" }
    /// The current pass.
    public var phase: Phase
    /// Files handled so far.
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
    /// `DT_NEEDED` libraries of the prefix's ELF files, by where the dynamic linker finds them
    /// (``LibrarySearch``): inside the prefix, in a system directory, driver libraries.
    public var neededInPrefix = 0, neededFromSystem = 0, neededFromDriver = 0
    /// `DT_NEEDED` libraries found only because a file of that name is in the prefix and is
    /// loaded first by another object ("file: library", sorted).
    public var preloadedLibraries: [String] = []
    /// ELF files whose dynamic section cannot be read (32-bit, big-endian, truncated): their run
    /// path is read with patchelf and their needed libraries are not checked.
    public var uncheckedELF: [String] = []

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
/// One pass: every file is opened once, in the byte order of its path, and its bytes stream
/// through relocation, SHA-256, the search for the build prefix and libarchive's zstd filter
/// (multi-threaded) into a temporary body; the manifest, known only at the end, goes into a
/// zstd frame of its own that is put in front (``ArchiveAssembly``).
///
/// Archive layout: the manifest (``Manifest``) first, then ``PrefixRewrites/path`` when there is
/// one, then every directory, file and symlink in the byte order of its path; pax-restricted tar
/// (ustar headers, pax only for long names); owner 0:0 without names; mtime
/// ``PackOptions/mtime``; modes normalised to 0755 (directories, files with any execute bit),
/// 0644 (other files), 0777 (symlinks); hard links stored as separate files. The same prefix
/// gives the same bytes, for any ``PackOptions/zstdThreads``.
public enum Packer {
    /// Packs `prefix` into `output`.
    ///
    /// - Parameters:
    ///   - prefix: the directory to pack; its absolute path (and `realpath`) is the build prefix.
    ///   - output: the archive path; written to temporary siblings and renamed, so a failed run
    ///     leaves nothing. It must not be inside `prefix`.
    ///   - progress: called at most every 0.25 s, never concurrently.
    /// - Returns: what was rewritten, allowed and found.
    /// - Throws: ``PackError/refused(prefix:problems:)`` listing every problem;
    ///   ``PackError/io(_:)``, ``PackError/archive(_:)``, ``PackError/missingTool(_:)``.
    public static func pack(prefix: String, output: String, options: PackOptions = PackOptions(),
                            progress: (@Sendable (PackProgress) -> Void)? = nil) throws(PackError) -> PackReport {
        try pack(prefix: prefix, output: output, options: options, libraries: .host(), allowInsertRange: true, progress: progress)
    }

    /// ``pack(prefix:output:options:progress:)`` with the library search given, and whether the
    /// manifest may be inserted in front of the body in place (tests force the copy with
    /// `allowInsertRange: false`; ``ArchiveAssembly/prepend(_:to:allowInsertRange:allowCopyFileRange:)``).
    static func pack(prefix: String, output: String, options: PackOptions, libraries: LibrarySearch, allowInsertRange: Bool,
                     progress: (@Sendable (PackProgress) -> Void)?) throws(PackError) -> PackReport {
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
        let outputName = (outputPath as NSString).lastPathComponent
        let stem = (outputPath as NSString).deletingLastPathComponent + "/." + outputName
        // The body is written into the temporary archive, and the head put in front of it.
        let temporary = stem + ".tmp-\(getpid())"
        var renamed = false
        defer { if !renamed { unlink(temporary); unlink(temporary + ".body") } }

        let (found, badNames) = try FileSystem.walk(root)
        var problems: [PackProblem] = badNames.map { .unrecordableName($0) }
        var report = PackReport(entries: 0, files: 0, bytes: 0, archiveBytes: 0, rewrittenScripts: [], rewrittenRunPaths: [], allowedLeftovers: [])
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
        var entries = found.filter { $0.path != Manifest.path && $0.path != PrefixRewrites.path }
        for parent in ["share", "share/sglang-forge"] where !entries.contains(where: { $0.path == parent }) {
            entries.append(FoundEntry(path: parent, kind: .directory, permissions: 0o755, size: 0))
        }
        entries = PathRules.sortedByBytes(entries, path: \.path)
        let regular = entries.filter { if case .regular = $0.kind { true } else { false } }
        let meter = ProgressMeter(callback: progress, phase: .packing, filesTotal: regular.count, bytesTotal: regular.reduce(Int64(0)) { $0 + $1.size })

        // Nothing is compressed once the prefix is known to be refused; every file is still
        // read, to list every problem.
        var body: ArchiveWriter?
        func discardBody() {
            body = nil
            unlink(temporary)
        }
        unlink(temporary)
        do throws(ArchiveError) { body = try ArchiveWriter(path: temporary, zstdLevel: options.zstdLevel, zstdThreads: options.zstdThreads) } catch { throw .archive(error) }
        var items: [Manifest.Entry] = []
        var rewriteFiles: [String] = []
        var links: [LinkFacts] = []
        // Files are read, relocated, hashed and searched on all CPUs, up to `readAheadLimit` bytes
        // ahead of the writer, which takes them in path order.
        let jobs = entries.filter { entry in
            guard case .regular = entry.kind else { return false }
            return !entry.path.utf8.contains(where: { $0 == 0x09 || $0 == 0x0a })
        }
        // Files up to 1 MiB are read into memory by the readers; a larger one is read in 1 MiB
        // chunks by its reader while the writer takes them (ChunkStream). The readers stay at
        // most 4 MiB ahead of the writer (a streamed file counts 1 MiB there; its stream holds
        // at most 4 chunks more, so each reader adds at most 5 MiB).
        // Both bound the memory the pass touches: on this VM a page touched for the first time
        // costs as much as compressing it, and on the 905 MiB prefix of benchmarks/pack.sh 16 MiB
        // for both (and 128 MiB of pooled buffers) touched 73,939 pages (minor faults), these
        // limits 54,602, for 0.2–0.3 s less system time (alternating runs). The zstd workers
        // still compress in parallel with the readers: the pass stays CPU-bound on every core.
        let inMemoryLimit: Int64 = 1 << 20
        let readAheadLimit: Int64 = 4 << 20
        let needleBytes = spellings.map { Array($0.utf8) }
        let prefixes = spellings
        // Twice as many readers as CPUs (at most 16): a reader often waits (for patchelf, for
        // the writer to take a stream's chunks, on page faults), and an idle CPU is costly to
        // wake in a VM. On the 2-CPU VM of benchmarks/pack.sh, 4 readers took 3.97 s (median of
        // 6, alternating) where 2 took 4.76 s and 6 took 4.33 s; system time fell from 2.8 to
        // 2.0 s.
        let readers = min(2 * ProcessInfo.processInfo.activeProcessorCount, 16)
        // Large files are read in chunks by the readers while the writer takes them.
        let streams = ChunkStream.Hub()
        // The readers take consecutive files in batches (at most 64 files or 256 KiB), so that a
        // handover between threads, a futex call or two, is paid per batch, not per file (most
        // files of a Python prefix are a few KiB).
        let weights = jobs.map { min($0.size, inMemoryLimit) + 4096 }
        let batches = Self.batches(weights, maxFiles: 64, maxWeight: 256 << 10)
        let pipeline = OrderedPipeline<[Result<PreparedFile, PackError>]>(
            weights: batches.map { weights[$0].reduce(0, +) }, maxWeight: readAheadLimit, workers: readers
        ) { batch in
            let prepared = batches[batch].map { index in
                Result { () throws(PackError) -> PreparedFile in
                    var file = try prepare(jobs[index].path, root: root, prefixes: prefixes, needles: needleBytes, tools: tools,
                                           scratch: scratch + "/\(index)", inMemoryLimit: inMemoryLimit, meter: meter)
                    if file.streamFrom != nil { file.stream = ChunkStream(hub: streams) }
                    return file
                }
            }
            // The batch's large files are filled in order, the order the writer takes them in.
            let filling: [(StreamSource, ChunkStream)] = prepared.compactMap { result in
                guard case .success(let file) = result, let source = file.streamFrom, let stream = file.stream else { return nil }
                return (source, stream)
            }
            guard !filling.isEmpty else { return (prepared, nil) }
            return (prepared, {
                for (source, stream) in filling { stream.fill(from: source.descriptor, path: source.path, size: source.size, needles: needleBytes) }
            })
        }
        defer {
            streams.stop()
            pipeline.finish()
        }
        var batch: [Result<PreparedFile, PackError>] = []
        var inBatch = 0
        /// The next prepared file, in path order.
        func nextPrepared() -> Result<PreparedFile, PackError>? {
            if inBatch == batch.count {
                guard let next = pipeline.next() else { return nil }
                batch = next
                inBatch = 0
            }
            inBatch += 1
            return batch[inBatch - 1]
        }
        for entry in entries {
            if !problems.isEmpty && body != nil { discardBody() }
            if entry.path.utf8.contains(where: { $0 == 0x09 || $0 == 0x0a }) {
                problems.append(.unrecordableName(entry.path))
                continue
            }
            let header: ArchiveEntry
            switch entry.kind {
            case .directory:
                items.append(Manifest.Entry(path: entry.path, kind: .directory, mode: 0o755, size: 0))
                header = .normalised(path: entry.path, kind: .directory, permissions: 0o755, size: 0, linkTarget: nil, mtime: options.mtime)
            case .symlink:
                let target = symlinks[entry.path] ?? ""
                if target.hasPrefix("/") {
                    problems.append(.absoluteSymlink(entry.path, target: target))
                    continue
                } else if PathRules.resolve(linkTarget: target, from: entry.path, symlinks: symlinks) == nil {
                    problems.append(.escapingSymlink(entry.path, target: target))
                    continue
                }
                items.append(Manifest.Entry(path: entry.path, kind: .symlink, mode: 0o777, size: 0, linkTarget: target))
                header = .normalised(path: entry.path, kind: .symlink, permissions: 0o777, size: 0, linkTarget: target, mtime: options.mtime)
            case .special(let kind):
                problems.append(.specialFile(entry.path, kind: kind))
                continue
            case .regular:
                let mode: UInt32 = entry.permissions & 0o111 != 0 ? 0o755 : 0o644
                guard let next = nextPrepared() else { throw .io("internal error: \(entry.path) was not read") }
                var prepared = try next.get()
                try emit(&prepared, path: entry.path, mode: mode, mtime: options.mtime, writer: body, meter: meter)
                let file = prepared.result
                problems += file.problems
                if file.rewrittenScript { report.rewrittenScripts.append(entry.path) }
                if let change = file.runPathChange { report.rewrittenRunPaths.append(change) }
                report.droppedRunPaths += file.droppedRunPath.map { .init(path: entry.path, entry: $0) }
                if file.uncheckedELF { report.uncheckedELF.append(entry.path) }
                if file.problems.isEmpty, let link = file.link { links.append(link) }
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
                items.append(Manifest.Entry(path: entry.path, kind: .file, mode: mode, size: file.size, sha256: file.sha256))
                report.files += 1
                report.bytes += file.size
                continue
            }
            if let body {
                do throws(ArchiveError) { try body.writeHeader(header) } catch { throw .archive(error) }
            }
        }
        // The needed libraries are resolved on another thread while the body is finished and
        // the head is built.
        let neededCheck = OrderedPipeline<NeededLibraries>(background: { [links, entries] in
            checkNeeded(links, root: root, entries: entries, libraries: libraries)
        })
        defer { neededCheck.finish() }
        func refuse(_ problems: [PackProblem]) -> PackError {
            discardBody()
            return .refused(prefix: prefix, problems: problems.sorted { ($0.path, $0.description) < ($1.path, $1.description) })
        }
        guard problems.isEmpty, let body else {
            if problems.isEmpty { throw .io("internal error: the archive body was discarded without a problem") }
            throw refuse(problems + (neededCheck.next()?.problems ?? []))
        }
        // On another thread while this one builds the head: the body is finished (zstd's last
        // jobs compressed and written) and its pages submitted for writeback, which prepend's
        // FALLOC_FL_INSERT_RANGE would otherwise do first (it writes every dirty page back).
        let finishing = OrderedPipeline<Result<Bool, PackError>>(background: { [handed = Handover(body)] in
            do throws(ArchiveError) { try handed.value.close() } catch { return .failure(.archive(error)) }
            return .success(FileSystem.startWriteback(temporary))
        })
        defer { finishing.finish() }

        var head: [(path: String, bytes: [UInt8])] = []
        if !rewriteFiles.isEmpty {
            let rewrites = PrefixRewrites(prefixes: spellings, files: rewriteFiles)
            let bytes = Array(rewrites.text.utf8)
            var digest = ContentDigest(needles: [])
            bytes.withUnsafeBytes { digest.update($0) }
            // Inserted in path order, so that the manifest's entries stay sorted.
            let entry = Manifest.Entry(path: PrefixRewrites.path, kind: .file, mode: 0o644, size: Int64(bytes.count), sha256: digest.hexDigest())
            items.insert(entry, at: items.firstIndex { !PathRules.precedesByBytes($0.path, entry.path) } ?? items.endIndex)
            report.textRewrites = rewrites.files
            head.append((PrefixRewrites.path, bytes))
        }
        report.inertBytecode.sort()
        report.inertBinaries.sort()
        let manifest = Manifest(entries: items)
        head.insert((Manifest.path, manifest.bytes), at: 0)
        report.entries = items.count

        let frame = try ArchiveAssembly.zstdFrame(try ArchiveAssembly.headTar(head, mtime: options.mtime), level: options.zstdLevel)
        guard let needed = neededCheck.next() else { throw .io("internal error: the needed libraries were not checked") }
        if !needed.problems.isEmpty { throw refuse(needed.problems) }
        report.neededInPrefix = needed.inPrefix
        report.neededFromSystem = needed.fromSystem
        report.neededFromDriver = needed.fromDriver
        report.preloadedLibraries = needed.preloaded
        guard let finished = finishing.next() else { throw .io("internal error: the archive body was not finished") }
        _ = try finished.get()
        try ArchiveAssembly.prepend(ArchiveAssembly.paddedHead(consume frame), to: temporary, allowInsertRange: allowInsertRange)
        guard rename(temporary, outputPath) == 0 else {
            throw .io("cannot rename \(temporary) to \(outputPath): \(String(cString: strerror(errno)))")
        }
        renamed = true
        meter.finish()
        report.archiveBytes = (try? FileManager.default.attributesOfItem(atPath: outputPath)[.size] as? NSNumber)?.int64Value ?? 0
        return report
    }

    /// Cuts `0..<weights.count` into consecutive ranges of at most `maxFiles` indices whose
    /// weights add up to at most `maxWeight` (a single heavier index is a range of its own);
    /// every index is in exactly one range, in order.
    static func batches(_ weights: [Int64], maxFiles: Int, maxWeight: Int64) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var weight: Int64 = 0
        for (index, next) in weights.enumerated() {
            if index > start && (index - start >= maxFiles || weight + next > maxWeight) {
                ranges.append(start..<index)
                start = index
                weight = 0
            }
            weight += next
        }
        if start < weights.count { ranges.append(start..<weights.count) }
        return ranges
    }

    // MARK: one file

    /// What the dynamic linker needs to find an ELF file's libraries, as it will be in the archive.
    struct LinkFacts: Sendable {
        var path: String
        var needed: [String]
        var soname: String?
        var rpath: String?
        var runpath: String?
    }

    /// What the pass learnt about one regular file.
    struct FileResult: Sendable {
        var problems: [PackProblem] = []
        var size: Int64 = 0
        var sha256 = ""
        var occurrences = 0
        var firstOffset: Int?
        var rewrittenScript = false
        var runPathChange: PackReport.RunPathChange?
        var droppedRunPath: [String] = []
        var isELF = false
        var isBinary = false
        var uncheckedELF = false
        var link: LinkFacts?

        /// Takes the size, hash and prefix occurrences of the file's bytes.
        mutating func record(_ digest: ContentDigest) {
            size = digest.size
            sha256 = digest.hexDigest()
            occurrences = digest.occurrences
            firstOffset = digest.firstOffset
            isBinary = digest.sawNUL
        }
    }

    /// A file to stream: the descriptor it was opened with (a close-on-exec duplicate, at offset 0, that
    /// ``ChunkStream/fill(from:path:size:needles:)`` reads and closes, so the file is opened once),
    /// its path (for messages) and its size when opened.
    struct StreamSource: Sendable {
        var descriptor: Int32
        var path: String
        var size: Int64

        /// - Throws: ``PackError/io(_:)`` when dup(2) fails.
        init(duplicating fd: Int32, path: String, size: Int64) throws(PackError) {
            // Close-on-exec like every other descriptor here: readers start patchelf meanwhile.
            let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
            guard copy >= 0 else { throw .io("cannot duplicate the descriptor of \(path): \(String(cString: strerror(errno)))") }
            descriptor = copy
            self.path = path
            self.size = size
        }
    }

    /// One regular file after ``prepare(_:root:prefixes:needles:tools:scratch:inMemoryLimit:meter:)``.
    struct PreparedFile: Sendable {
        /// What was learnt; the digest fields are set when `data` is.
        var result: FileResult
        /// The file's (possibly rewritten) bytes, already hashed and searched.
        var data: FileBytes?
        /// Else the file to stream into the archive (the original or a relocated copy): a file
        /// larger than the in-memory limit is read, hashed and searched in chunks, into
        /// ``stream``, after the writer has it.
        var streamFrom: StreamSource?
        /// Where the chunks of `streamFrom` come.
        var stream: ChunkStream?
    }

    /// Reads one regular file once and relocates it if it needs it (a launcher for a Python
    /// shebang into the prefix, in memory; `$ORIGIN` run paths, in a copy at `scratch`). A file
    /// of at most `inMemoryLimit` bytes is read into memory, hashed and searched; for a larger
    /// one the path and size to stream (``ChunkStream/fill(from:size:needles:)``) are returned.
    /// `needles` are
    /// `prefixes` as UTF-8 (built once per pack). Thread-safe: it touches only its own `scratch`
    /// path.
    /// - Throws: ``PackError/io(_:)`` when the file cannot be read. Problems of the file itself
    ///   are returned in the result, not thrown.
    static func prepare(_ path: String, root: String, prefixes: [String], needles: [[UInt8]], tools: ELFTools, scratch: String,
                        inMemoryLimit: Int64, meter: ProgressMeter) throws(PackError) -> PreparedFile {
        let diskPath = root + "/" + path
        let fd = open(diskPath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw .io("cannot open \(diskPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var result = FileResult()
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io("cannot stat \(diskPath): \(String(cString: strerror(errno)))") }
        // A file that fits in memory is read once, and its first bytes are looked at there.
        var memory: FileBytes? = Int64(info.st_size) <= inMemoryLimit ? try FileSystem.readAll(fd, size: Int64(info.st_size), path: diskPath) : nil
        func head(_ count: Int) throws(PackError) -> [UInt8] {
            if let memory { return memory.prefix(count) }
            return try FileSystem.pread(fd, count: count, path: diskPath)
        }
        let magic = try head(4)
        if magic == [0x7f, 0x45, 0x4c, 0x46] {
            result.isELF = true
            if let relocated = try relocateELF(path, diskPath: diskPath, prefixes: prefixes, tools: tools, scratch: scratch, result: &result) {
                // The relocated copy is what goes into the archive.
                let source = open(relocated, O_RDONLY | O_CLOEXEC)
                guard source >= 0 else { throw .io("cannot open \(relocated): \(String(cString: strerror(errno)))") }
                defer { close(source) }
                // Unlinked at once: the descriptor keeps the bytes, and the copy's page cache is
                // freed (for the next allocations to reuse) when the last descriptor is closed,
                // not at the end of the run. Its name is free for this reader's next copy.
                unlink(relocated)
                guard fstat(source, &info) == 0 else { throw .io("cannot stat \(relocated): \(String(cString: strerror(errno)))") }
                guard Int64(info.st_size) <= inMemoryLimit else {
                    return PreparedFile(result: result, data: nil, streamFrom: try .init(duplicating: source, path: relocated, size: Int64(info.st_size)))
                }
                memory = try FileSystem.readAll(source, size: Int64(info.st_size), path: relocated)
            }
        } else if magic.starts(with: [UInt8(ascii: "#"), UInt8(ascii: "!")]), let shebang = Relocation.shebang(in: try head(4096)),
                  let inside = prefixes.lazy.compactMap({ Relocation.relativeInside(shebang.interpreter, prefix: $0) }).first {
            let directory = path.split(separator: "/").dropLast().joined(separator: "/")
            let target = PathRules.resolve(linkTarget: inside, from: "x") ?? inside
            let relative = PathRules.relative(from: directory, to: target)
            if Relocation.isPython(shebang.interpreter), let launcher = Relocation.launcher(relativeInterpreter: relative, argument: shebang.argument) {
                let bytes: FileBytes
                if let memory { bytes = memory } else { bytes = try FileSystem.readAll(fd, size: Int64(info.st_size), path: diskPath) }
                memory = FileBytes(Array(launcher.utf8), then: bytes, from: shebang.bodyOffset)
                result.rewrittenScript = true
            } else {
                result.problems.append(.foreignInterpreter(path, interpreter: shebang.interpreter))
            }
        }
        guard let bytes = memory else {
            return PreparedFile(result: result, data: nil, streamFrom: try .init(duplicating: fd, path: diskPath, size: Int64(info.st_size)))
        }
        result.record(bytes.withBytes { ContentDigest.whole($0, needleBytes: needles) })
        meter.advance(bytes: Int64(bytes.count))
        return PreparedFile(result: result, data: bytes, streamFrom: nil)
    }

    /// Writes a prepared file into the archive (when `writer` is set): its bytes in memory, or
    /// the chunks of its stream, whose digest it then records.
    /// - Throws: ``PackError/io(_:)`` when a streamed file cannot be read or changes size while
    ///   it is read; ``PackError/archive(_:)``.
    static func emit(_ file: inout PreparedFile, path: String, mode: UInt32, mtime: Int, writer: ArchiveWriter?,
                     meter: ProgressMeter) throws(PackError) {
        func header(_ size: Int64) throws(PackError) {
            guard let writer else { return }
            do throws(ArchiveError) { try writer.writeHeader(.normalised(path: path, kind: .regular, permissions: mode, size: size, linkTarget: nil, mtime: mtime)) } catch { throw .archive(error) }
        }
        func write(_ data: FileBytes) throws(PackError) {
            guard let writer else { return }
            let failure = data.withBytes { bytes -> ArchiveError? in
                do throws(ArchiveError) { try writer.writeData(bytes); return nil } catch { return error }
            }
            if let failure { throw .archive(failure) }
        }
        defer { meter.advance(files: 1) }
        if let data = file.data {
            try header(Int64(data.count))
            try write(data)
            return
        }
        guard let source = file.streamFrom, let stream = file.stream else { return }
        try header(source.size)
        while true {
            switch stream.take() {
            case .chunk(let chunk):
                try write(chunk)
                meter.advance(bytes: Int64(chunk.count))
            case .end(let outcome):
                file.result.record(try outcome.get())
                return
            }
        }
    }

    /// Reads an ELF file's dynamic section (DeviceCode's reader; patchelf for files it cannot
    /// read) and rewrites its run path when it needs it.
    /// - Returns: the path of the relocated copy, or `nil` when the file is packed as it is;
    ///   problems, changes and the link facts go into `result`.
    static func relocateELF(_ path: String, diskPath: String, prefixes: [String], tools: ELFTools, scratch: String,
                            result: inout FileResult) throws(PackError) -> String? {
        var dynamic: ELFDynamicSection?
        var oldKind = false
        let current: String?
        do {
            dynamic = try ELFDynamicSection.read(path: diskPath)
            current = dynamic?.runpath ?? dynamic?.rpath
            oldKind = dynamic?.runpath == nil && dynamic?.rpath != nil
        } catch {
            // 32-bit, big-endian or damaged: patchelf knows more formats.
            result.uncheckedELF = true
            current = try tools.runPath(diskPath)
            if let current, !current.isEmpty { oldKind = try tools.hasOldRPath(diskPath) }
        }
        var effective = current
        defer {
            if let dynamic {
                result.link = LinkFacts(path: path, needed: dynamic.needed, soname: dynamic.soname,
                                        rpath: oldKind ? effective : nil, runpath: oldKind ? nil : effective)
            }
        }
        guard let current, !current.isEmpty else { return nil }
        let rewrite = Relocation.rewriteRunPath(current, file: path, prefixes: prefixes) { directory in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        guard rewrite.problems.isEmpty else {
            result.problems += rewrite.problems
            return nil
        }
        guard rewrite.value != current else { return nil }
        if let failure = try tools.setRunPath(rewrite.value, of: diskPath, writingTo: scratch, oldKind: oldKind) {
            result.problems.append(.elfTool(path, message: failure))
            return nil
        }
        effective = rewrite.value
        result.runPathChange = .init(path: path, old: current, new: rewrite.value)
        result.droppedRunPath = rewrite.dropped
        return scratch
    }

    /// Where the `DT_NEEDED` libraries of the prefix's ELF files are found.
    struct NeededLibraries: Sendable {
        /// Libraries that would break on another machine.
        var problems: [PackProblem] = []
        /// Libraries found in the prefix, in a system directory, among the driver's libraries.
        var inPrefix = 0, fromSystem = 0, fromDriver = 0
        /// "file: library" for libraries found only because another object loads them first
        /// (sorted).
        var preloaded: [String] = []
    }

    /// Resolves every `DT_NEEDED` library of the prefix's ELF files (``LibrarySearch``).
    static func checkNeeded(_ links: [LinkFacts], root: String, entries: [FoundEntry], libraries: LibrarySearch) -> NeededLibraries {
        var names = Set<String>()
        for entry in entries {
            let path = entry.path.utf8
            names.insert(String(Substring(path[(path.lastIndex(of: UInt8(ascii: "/")).map(path.index(after:)) ?? path.startIndex)...])))
        }
        for link in links { if let soname = link.soname { names.insert(soname) } }
        var found = NeededLibraries()
        for link in links {
            for needed in link.needed {
                switch libraries.resolve(needed, file: link.path, root: root, rpath: link.rpath, runpath: link.runpath, prefixNames: names) {
                case .prefix: found.inPrefix += 1
                case .system: found.fromSystem += 1
                case .driver: found.fromDriver += 1
                case .preloaded(let name): found.preloaded.append("\(link.path): \(name)")
                case .unchecked: break
                case .outside(let at): found.problems.append(.outsideLibrary(link.path, needed: needed, foundAt: at))
                case .missing: found.problems.append(.missingLibrary(link.path, needed: needed))
                }
            }
        }
        found.preloaded.sort()
        return found
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


