import Crypto
import Foundation
import Hashes

/// SHA-256 of files and byte buffers, as lowercase hex.
public enum FileHasher {
    /// Hashes the file at `url` in 4 MiB chunks; returns the hex digest and the size in bytes.
    /// - Throws: ``IndexError/localIO(path:reason:)`` when the file cannot be read.
    public static func sha256(of url: URL) throws(IndexError) -> (hex: String, size: Int) {
        guard let handle = try? FileHandle(forReadingFrom: url) else { throw .localIO(path: url.path, reason: "cannot open for reading") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size = 0
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 4 << 20) ?? Data() } catch { throw .localIO(path: url.path, reason: "\(error)") }
            if chunk.isEmpty { break }
            size += chunk.count
            hasher.update(data: chunk)
        }
        return (hex(hasher.finalize()), size)
    }

    /// Hashes `data`.
    public static func sha256(of data: Data) -> String { hex(SHA256.hash(data: data)) }

    static func hex(_ digest: SHA256.Digest) -> String { Base16.encode(Array(digest)) }
}
