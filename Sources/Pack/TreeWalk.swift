import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension FileSystem {
    /// Threads that read directories at once: directory blocks that are not cached are read
    /// from disk one at a time per thread, so more threads than CPUs help.
    static let walkThreads = 4

    /// Walks `root` without following symlinks, reading directories on ``walkThreads`` threads.
    /// - Returns: every entry below `root` (not `root` itself), in no particular order, and
    ///   names that are not UTF-8 (their parent path plus the lossily decoded name), sorted.
    /// - Throws: ``PackError/io(_:)`` for the first directory or file that cannot be read.
    static func walk(_ root: String) throws(PackError) -> (entries: [FoundEntry], badNames: [String]) {
        let queue = DirectoryQueue()
        let threads = walkThreads
        for _ in 0..<threads {
            let thread = Thread {
                var found = DirectoryContents()
                while let relative = queue.claim() {
                    do throws(PackError) {
                        let contents = try readDirectory(root, relative)
                        found.entries += contents.entries
                        found.badNames += contents.badNames
                        queue.finished(adding: contents.subdirectories)
                    } catch {
                        queue.failed(error)
                    }
                }
                queue.retire(found)
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        let (contents, failure) = queue.waitForAll(threads: threads)
        if let failure { throw failure }
        return (contents.entries, contents.badNames.sorted())
    }

    /// What one directory (or one thread's share of the tree) holds.
    struct DirectoryContents {
        var entries: [FoundEntry] = []
        var badNames: [String] = []
        var subdirectories: [String] = []
    }

    /// The entries of the directory `relative` below `root` (`""` for `root` itself), from
    /// readdir(3); regular files and entries of unknown type are `fstatat`'ed.
    static func readDirectory(_ root: String, _ relative: String) throws(PackError) -> DirectoryContents {
        let absolute = relative.isEmpty ? root : root + "/" + relative
        guard let dir = opendir(absolute) else { throw .io("cannot read directory \(absolute): \(String(cString: strerror(errno)))") }
        defer { closedir(dir) }
        var contents = DirectoryContents()
        while let item = readdir(dir) {
            let nameBytes = withUnsafeBytes(of: item.pointee.d_name) { raw -> [UInt8] in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            if nameBytes == [46] || nameBytes == [46, 46] { continue }
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                contents.badNames.append((relative.isEmpty ? "" : relative + "/") + String(decoding: nameBytes, as: UTF8.self))
                continue
            }
            let path = relative.isEmpty ? name : relative + "/" + name
            // readdir(3)'s d_type answers for directories and symlinks, whose mode and size pack
            // does not use; regular files (and file systems that answer DT_UNKNOWN) are stat'ed
            // relative to the open directory, without resolving the whole path again.
            var info = stat()
            let type: mode_t
            switch Int(item.pointee.d_type) {
            case Int(DT_DIR): type = S_IFDIR
            case Int(DT_LNK): type = S_IFLNK
            default:
                guard fstatat(dirfd(dir), name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                    throw .io("cannot stat \(root)/\(path): \(String(cString: strerror(errno)))")
                }
                type = info.st_mode & S_IFMT
            }
            let kind: FoundEntry.Kind
            switch type {
            case S_IFREG: kind = .regular
            case S_IFDIR: kind = .directory
            case S_IFLNK: kind = .symlink
            case S_IFCHR: kind = .special("character device")
            case S_IFBLK: kind = .special("block device")
            case S_IFIFO: kind = .special("FIFO")
            case S_IFSOCK: kind = .special("socket")
            default: kind = .special("file of unknown type")
            }
            contents.entries.append(FoundEntry(path: path, kind: kind, permissions: UInt32(info.st_mode & 0o7777),
                                               size: kind.isRegular ? Int64(info.st_size) : 0))
            if case .directory = kind { contents.subdirectories.append(path) }
        }
        return contents
    }
}

/// The directories still to read in a ``FileSystem/walk(_:)``, shared by its threads.
private final class DirectoryQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [String] = [""]
    private var reading = 0
    private var failure: PackError?
    private var retired = 0
    private var collected = FileSystem.DirectoryContents()

    /// The next directory to read, waiting while others are read (they may add more); `nil`
    /// when the walk is over or has failed.
    func claim() -> String? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && reading > 0 && failure == nil { condition.wait() }
        guard failure == nil, let next = pending.popLast() else { return nil }
        reading += 1
        return next
    }

    /// One claimed directory was read; `subdirectories` are still to read.
    func finished(adding subdirectories: [String]) {
        condition.lock()
        pending += subdirectories
        reading -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// One claimed directory could not be read: the walk stops (the first failure is kept).
    func failed(_ error: PackError) {
        condition.lock()
        if failure == nil { failure = error }
        reading -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// A thread is done and hands over what it found.
    func retire(_ found: FileSystem.DirectoryContents) {
        condition.lock()
        collected.entries += found.entries
        collected.badNames += found.badNames
        retired += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until `threads` threads have retired.
    func waitForAll(threads: Int) -> (FileSystem.DirectoryContents, PackError?) {
        condition.lock()
        defer { condition.unlock() }
        while retired < threads { condition.wait() }
        return (collected, failure)
    }
}
