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

    /// How much of a lock a reader needs.
    public enum Detail: Sendable {
        /// Everything the file records.
        case full
        /// Everything but the closure wheels' `requiresDist` (``LockedClosureWheel/requiresDist``
        /// is left empty): for readers that never look at it — the planner, and so `plan`,
        /// `validate`, `emit`, `select` and `audit`. Those 2,300 strings were a twelfth of `plan`'s
        /// instructions on specs/main.yaml (issue 13 §5). `check`, `lock` and `bump` read `.full`.
        case withoutClosureRequirements
    }

    /// The `JSONDecoder.userInfo` key under which ``decode(_:detail:)`` passes its ``Detail``.
    static let detailKey = CodingUserInfoKey(rawValue: "sglang-forge.lock-detail")!

    /// Parses lock bytes, with the closure wheels' `requiresDist` or without (``Detail``).
    /// - Throws: ``LockError/unreadable(_:)`` for malformed JSON or a missing field,
    ///   ``LockError/unsupportedFormat(_:_:)`` for another format or version.
    public static func decode(_ data: Data, detail: Detail = .full) throws(LockError) -> LockFile {
        // One full decode in the common case: JSONDecoder parses the whole document even for a
        // two-field header, and a lock is hundreds of kilobytes (issue 13 §5). The header is read
        // only when the full decode fails, to tell another format or version from a damaged file.
        struct Header: Decodable { var format: String?; var version: Int? }
        let decoder = JSONDecoder()
        decoder.userInfo[detailKey] = detail
        let lock: LockFile
        do {
            lock = try decoder.decode(LockFile.self, from: data)
        } catch {
            if let header = try? decoder.decode(Header.self, from: data),
               header.format != LockFile.formatName || header.version != LockFile.currentVersion {
                throw .unsupportedFormat(header.format ?? "?", header.version ?? 0)
            }
            throw .unreadable("\(error)")
        }
        guard lock.format == LockFile.formatName, lock.version == LockFile.currentVersion else {
            throw .unsupportedFormat(lock.format, lock.version)
        }
        return lock
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
