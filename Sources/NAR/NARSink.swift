internal import Crypto
import Hashes

/// Where a ``NARWriter`` sends the bytes of the archive it produces.
public protocol NARSink {
    /// Consumes the next bytes of the archive. The buffer is only valid during the call.
    mutating func write(_ bytes: UnsafeRawBufferPointer)
}

/// A sink that feeds the archive into SHA-256 as it is produced, so no archive is ever held in
/// memory: what `nix-hash --type sha256` and `nix hash path` compute for a path (the "NAR hash").
///
/// Small writes are gathered into a 64 KiB buffer before they reach the hash function.
public struct NARSHA256Sink: NARSink {
    private var hasher = SHA256()
    private var buffer: [UInt8] = []
    private static let bufferSize = 1 << 16
    /// Total archive size in bytes (Nix's `narSize`).
    public private(set) var byteCount: Int = 0

    /// An empty hasher.
    public init() { buffer.reserveCapacity(Self.bufferSize) }

    /// Feeds `bytes` (the next part of the NAR stream) to the hash.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) {
        byteCount += bytes.count
        if bytes.count >= Self.bufferSize {
            flush()
            hasher.update(bufferPointer: bytes)
            return
        }
        if buffer.count + bytes.count > Self.bufferSize { flush() }
        buffer.append(contentsOf: bytes)
    }

    private mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// The SHA-256 of everything written so far.
    public mutating func finalize() -> Hashes.Digest {
        flush()
        // 32 bytes is always the right size for SHA-256, so this cannot fail.
        return try! Hashes.Digest(algorithm: .sha256, bytes: Array(hasher.finalize()))
    }
}

/// A sink that keeps the whole archive in memory. For tests and small trees only.
public struct NARBytesSink: NARSink {
    /// The archive so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty archive.
    public init() {}

    /// Appends `bytes` (the next part of the NAR stream).
    public mutating func write(_ bytes: UnsafeRawBufferPointer) { self.bytes.append(contentsOf: bytes) }
}
