import Foundation
import Testing
@testable import Pack

/// Writes `bytes` to a new file in `work` and returns its path and a descriptor open on it
/// (which ``ChunkStream/fill(from:path:size:needles:)`` closes).
private func file(_ work: TemporaryDirectory, _ name: String, _ bytes: [UInt8]) throws -> (path: String, fd: Int32) {
    let path = work.path + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    try #require(fd >= 0)
    return (path, fd)
}

/// 2.5 MiB of pseudo-random bytes (no NUL byte, so only the needle is found) with `needle`
/// written across the first 1 MiB chunk boundary.
private func bytesWithNeedleOnTheSeam(_ needle: String) -> (bytes: [UInt8], offset: Int) {
    var state: UInt32 = 12345
    var bytes = (0..<(5 << 19)).map { _ -> UInt8 in
        state = state &* 1_664_525 &+ 1_013_904_223
        return UInt8(truncatingIfNeeded: state >> 24) | 1
    }
    let offset = ChunkStream.chunkSize - 5
    bytes.replaceSubrange(offset..<(offset + needle.utf8.count), with: Array(needle.utf8))
    return (bytes, offset)
}

/// Runs `body` on a new thread; `wait(seconds:)` tells whether it has returned by then.
private final class Background: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    init(_ body: @escaping @Sendable () -> Void) {
        Thread { [done] in
            body()
            done.signal()
        }.start()
    }
    func wait(seconds: Double) -> Bool { done.wait(timeout: .now() + seconds) == .success }
}

@Suite("chunk streams of large files")
struct ChunkStreamTests {
    @Test func chunksComeInOrderAndTheDigestIsTheWholeFiles() throws {
        let work = try TemporaryDirectory("chunks")
        let needle = "/build/prefix"
        let (bytes, offset) = bytesWithNeedleOnTheSeam(needle)
        let (path, fd) = try file(work, "big.bin", bytes)
        let stream = ChunkStream(hub: ChunkStream.Hub(), capacity: 1)
        let reader = Background { stream.fill(from: fd, path: path, size: Int64(bytes.count), needles: [Array(needle.utf8)]) }
        var received: [UInt8] = []
        var chunks = 0
        var digest: ContentDigest?
        while digest == nil {
            switch stream.take() {
            case .chunk(let chunk):
                chunks += 1
                chunk.withBytes { received.append(contentsOf: $0) }
            case .end(let outcome):
                digest = try outcome.get()
            }
        }
        #expect(reader.wait(seconds: 10))
        #expect(received == bytes)
        #expect(chunks == 3)
        let whole = bytes.withUnsafeBytes { ContentDigest.whole($0, needleBytes: [Array(needle.utf8)]) }
        #expect(digest?.hexDigest() == whole.hexDigest())
        #expect(digest?.size == Int64(bytes.count))
        #expect(digest?.occurrences == 1 && digest?.firstOffset == offset)
    }

    @Test(arguments: [-1, 1, 1 << 20])
    func aFileWhoseSizeChangedFails(difference: Int) throws {
        let work = try TemporaryDirectory("chunks")
        let (bytes, _) = bytesWithNeedleOnTheSeam("x")
        let (path, fd) = try file(work, "big.bin", bytes)
        let stream = ChunkStream(hub: ChunkStream.Hub())
        let reader = Background { stream.fill(from: fd, path: path, size: Int64(bytes.count + difference), needles: []) }
        var failure: PackError?
        loop: while true {
            switch stream.take() {
            case .chunk: continue
            case .end(let outcome):
                if case .failure(let error) = outcome { failure = error }
                break loop
            }
        }
        #expect(reader.wait(seconds: 10))
        #expect(failure?.description.contains("changed while it was packed") == true, "\(String(describing: failure))")
    }

    @Test func anUnreadableDescriptorFails() throws {
        let stream = ChunkStream(hub: ChunkStream.Hub())
        // A directory's descriptor: read(2) fails with EISDIR.
        let fd = open("/", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        stream.fill(from: fd, path: "/", size: 1, needles: [])
        guard case .end(.failure(let error)) = stream.take() else {
            Issue.record("expected the end with a failure")
            return
        }
        #expect(error.description.contains("cannot read /"))
    }

    @Test func stoppingTheHubReleasesEveryBlockedReaderAndClosesItsFile() throws {
        let work = try TemporaryDirectory("chunks")
        let (bytes, _) = bytesWithNeedleOnTheSeam("x")
        let hub = ChunkStream.Hub()
        // Two streams of one hub, as when the writer fails while two readers wait in put: one
        // chunk fits in each, then each reader waits for a writer that never takes one.
        var readers: [(stream: ChunkStream, fd: Int32, done: Background)] = []
        for name in ["a.bin", "b.bin"] {
            let (path, fd) = try file(work, name, bytes)
            let stream = ChunkStream(hub: hub, capacity: 1)
            readers.append((stream, fd, Background { stream.fill(from: fd, path: path, size: Int64(bytes.count), needles: []) }))
        }
        for reader in readers { #expect(!reader.done.wait(seconds: 0.3)) }
        hub.stop()
        for reader in readers {
            #expect(reader.done.wait(seconds: 10))
            // fill closed the descriptor on its way out.
            #expect(fcntl(reader.fd, F_GETFD) == -1 && errno == EBADF)
            #expect(!reader.stream.put(FileBytes([1, 2, 3])))
        }
        // A stream made after the stop refuses chunks at once.
        #expect(!ChunkStream(hub: hub).put(FileBytes([1])))
    }

    @Test func aFileOfWholeChunksAndOneOfAShortLastChunkEndAlike() throws {
        let work = try TemporaryDirectory("chunks")
        for size in [2 * ChunkStream.chunkSize, 2 * ChunkStream.chunkSize + 7] {
            let bytes = [UInt8]((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let (path, fd) = try file(work, "f\(size).bin", bytes)
            let stream = ChunkStream(hub: ChunkStream.Hub())
            let reader = Background { stream.fill(from: fd, path: path, size: Int64(size), needles: []) }
            var got: [UInt8] = []
            var ended: ContentDigest?
            loop: while true {
                switch stream.take() {
                case .chunk(let chunk): got += chunk.withBytes { Array($0) }
                case .end(let outcome): ended = try outcome.get(); break loop
                }
            }
            #expect(reader.wait(seconds: 10))
            #expect(got == bytes && ended?.size == Int64(size), "size \(size)")
        }
    }
}

@Suite("reader batches")
struct ReaderBatchTests {
    @Test func batchesCoverEveryIndexInOrderWithinBothLimits() {
        var state: UInt32 = 7
        let weights = (0..<1_000).map { _ -> Int64 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int64(state >> 12)  // up to 1 MiB, some over the limit below
        }
        let ranges = Packer.batches(weights, maxFiles: 64, maxWeight: 256 << 10)
        #expect(ranges.flatMap { Array($0) } == Array(0..<1_000))
        for range in ranges {
            #expect(range.count <= 64)
            let total = weights[range].reduce(0, +)
            #expect(total <= 256 << 10 || range.count == 1, "\(range): \(total)")
        }
        #expect(Packer.batches([], maxFiles: 64, maxWeight: 1).isEmpty)
        #expect(Packer.batches([5, 5, 5], maxFiles: 2, maxWeight: 100) == [0..<2, 2..<3])
        #expect(Packer.batches([50, 60, 10], maxFiles: 64, maxWeight: 100) == [0..<1, 1..<3])
    }
}
