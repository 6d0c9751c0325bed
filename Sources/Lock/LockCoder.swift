import Foundation

/// Reads and writes ``LockFile``s: pretty-printed JSON, keys sorted, slashes unescaped, one
/// trailing newline, so that the same lock always produces the same bytes.
public enum LockCoder {
    /// The file's bytes.
    public static func encode(_ lock: LockFile) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = (try? encoder.encode(lock)) ?? Data()
        data.append(0x0A)
        return data
    }

    /// Parses lock bytes.
    /// - Throws: ``LockError/unreadable(_:)`` for malformed JSON or a missing field,
    ///   ``LockError/unsupportedFormat(_:_:)`` for another format or version.
    public static func decode(_ data: Data) throws(LockError) -> LockFile {
        struct Header: Decodable { var format: String?; var version: Int? }
        if let header = try? JSONDecoder().decode(Header.self, from: data),
           header.format != LockFile.formatName || header.version != LockFile.currentVersion {
            throw .unsupportedFormat(header.format ?? "?", header.version ?? 0)
        }
        do {
            return try JSONDecoder().decode(LockFile.self, from: data)
        } catch {
            throw .unreadable("\(error)")
        }
    }
}

/// Why a lock file cannot be used.
public enum LockError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadable(String)
    case unsupportedFormat(String, Int)

    public var description: String {
        switch self {
        case .unreadable(let reason): "the lock file is not valid: \(reason)"
        case .unsupportedFormat(let format, let version):
            "the lock file is format '\(format)' version \(version); this sglang-forge reads '\(LockFile.formatName)' version \(LockFile.currentVersion)"
        }
    }
}
