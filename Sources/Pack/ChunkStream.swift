import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The bytes of one file too large to hold in memory (``Packer``'s in-memory limit), read,
/// hashed and searched in chunks by a reader thread while the archive writer takes the chunks in
/// order and compresses them.
///
/// So the writer, which must go in path order, only copies these bytes into the compressor, and
/// the hashing and searching of large files runs on the readers like that of small ones (on the
/// 905 MiB prefix of benchmarks/pack.sh, 40 files over 1 MiB hold 327 MB). At most ``capacity``
/// chunks wait for the writer; the reader blocks until one is taken. Thread-safe.
final class ChunkStream: @unchecked Sendable {
    /// What the streams of one pass share: whether the writer has stopped taking chunks (it
    /// failed, or the pass is over), which releases every blocked reader.
    final class Hub: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false
        private var streams: [WeakStream] = []

        /// Whether ``stop()`` was called.
        fileprivate var isStopped: Bool { lock.withLock { stopped } }

        /// Adds `stream`, so that ``stop()`` wakes its reader; streams that are gone are dropped.
        fileprivate func register(_ stream: ChunkStream) {
            lock.withLock {
                streams.removeAll { $0.stream == nil }
                streams.append(WeakStream(stream: stream))
            }
        }

        /// Stops every stream of this hub: readers blocked in ``ChunkStream/put(_:)`` return
        /// `false`, and later calls do at once.
        func stop() {
            let live = lock.withLock {
                stopped = true
                return streams.compactMap(\.stream)
            }
            // After the flag is set: a reader that checks it under its stream's lock either sees
            // it or is already waiting when this broadcast comes.
            for stream in live { stream.wakeAll() }
        }

        private struct WeakStream { weak var stream: ChunkStream? }
    }

    /// What the writer takes next.
    enum Item {
        /// The next bytes of the file.
        case chunk(FileBytes)
        /// The end: the digest of all the bytes, or why reading failed.
        case end(Result<ContentDigest, PackError>)
    }

    /// Bytes of one chunk (1 MiB).
    static let chunkSize = 1 << 20

    /// Chunks that may wait for the writer.
    let capacity: Int
    private let hub: Hub
    /// This stream's own lock and condition: a chunk put or taken wakes only this stream's
    /// reader or the writer, not the readers of other streams.
    private let condition = NSCondition()
    private var waiting: [FileBytes] = []
    private var outcome: Result<ContentDigest, PackError>?

    /// A stream of `hub` that holds at most `capacity` (≥ 1) chunks.
    init(hub: Hub, capacity: Int = 4) {
        self.hub = hub
        self.capacity = max(1, capacity)
        hub.register(self)
    }

    /// Reader side: queues `chunk`, waiting while ``capacity`` chunks wait.
    /// - Returns: `false` when the writer has stopped (the chunk is dropped; stop reading).
    func put(_ chunk: FileBytes) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while waiting.count >= capacity && !hub.isStopped { condition.wait() }
        if hub.isStopped { return false }
        waiting.append(chunk)
        condition.broadcast()
        return true
    }

    /// Reader side: ends the stream with the digest of every byte put, or an error.
    func finish(_ result: Result<ContentDigest, PackError>) {
        condition.lock()
        outcome = result
        condition.broadcast()
        condition.unlock()
    }

    /// Writer side: the next chunk or the end, waiting for the reader. After the end it is
    /// returned again.
    func take() -> Item {
        condition.lock()
        defer { condition.unlock() }
        while waiting.isEmpty && outcome == nil { condition.wait() }
        if !waiting.isEmpty {
            let chunk = waiting.removeFirst()
            condition.broadcast()
            return .chunk(chunk)
        }
        return .end(outcome!)
    }

    /// Wakes whoever waits on this stream (``Hub/stop()``).
    fileprivate func wakeAll() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Reader side: reads the open file `fd` (named `path` in messages) from its offset to its
    /// end, which must be `size` bytes, in chunks from ``BufferPool/shared``; hashes and searches
    /// them for `needles` and puts them into the stream; then finishes it. Gives up quietly when
    /// the writer has stopped. Closes `fd` in every case.
    func fill(from fd: Int32, path: String, size: Int64, needles: [[UInt8]]) {
        defer { close(fd) }
        var digest = ContentDigest(needleBytes: needles)
        while true {
            let chunk = FileBytes(capacity: Self.chunkSize)
            let n: Int
            do throws(PackError) { n = try chunk.read(from: fd, path: path) } catch { return finish(.failure(error)) }
            if n == 0 { break }
            chunk.withBytes { digest.update($0) }
            if digest.size > size { break }
            if !put(chunk) { return }
            // A short chunk ends where read(2) returned 0: no further read is needed to see it.
            if n < Self.chunkSize { break }
        }
        if digest.size != size { return finish(.failure(.io("\(path) changed while it was packed (size \(size), then \(digest.size) or more)"))) }
        finish(.success(digest))
    }
}
