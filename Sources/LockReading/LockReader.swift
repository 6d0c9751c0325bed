import Crypto
import Foundation
import Hashes
import Lock
import Planner
import Spec

/// Reads a lock and the Python closure it references from disk, refusing a stale or damaged one.
public enum LockReader {
    /// Why a lock cannot be used.
    public enum Problem: Error, Sendable {
        /// No file at the lock's path.
        case missing
        /// The file is not a lock this version reads (the decoder's reason).
        case invalid(String)
        /// The lock was made from other inputs (one reason per difference).
        case stale([String])

        /// A one-line message for `spec` (the spec's path as the user wrote it).
        public func message(spec: String) -> String {
            switch self {
            case .missing: "no lock file; run `sglang-forge lock \(spec)`"
            case .invalid(let reason): reason
            case .stale(let reasons):
                "the lock is out of date with \(spec) and was not used: \(reasons.joined(separator: "; ")); run `sglang-forge lock \(spec)` and commit the result"
            }
        }
    }

    /// Reads and decodes the lock at `path` (all of it, or as much as `detail` says) and checks
    /// it is fresh for `spec` (``LockFreshness``).
    public static func readLock(at path: String, for spec: Spec, detail: LockCoder.Detail = .full) -> Result<LockFile, Problem> {
        decodeLock(at: path, detail: detail).flatMap { checkFreshness($0, for: spec) }
    }

    /// Reads and decodes the lock at `path` without looking at a spec: the part of
    /// ``readLock(at:for:detail:)`` that can run before the spec is loaded.
    public static func decodeLock(at path: String, detail: LockCoder.Detail = .full) -> Result<LockFile, Problem> {
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.missing) }
        do { return .success(try LockCoder.decode(data, detail: detail)) } catch { return .failure(.invalid("\(error)")) }
    }

    /// `lock` when it was made from `spec`'s inputs (``LockFreshness``), else why not.
    public static func checkFreshness(_ lock: LockFile, for spec: Spec) -> Result<LockFile, Problem> {
        if case .stale(let reasons) = LockFreshness.check(lock, against: spec) { return .failure(.stale(reasons)) }
        return .success(lock)
    }

    /// A hashed requirements file (the Python closure, a component's build requirements) as read
    /// and parsed, before it is checked against a lock (``readClosureFile(_:lockPath:)``).
    public struct ClosureFile: Sendable {
        /// The path the lock records (relative to the lock's directory).
        public var relativePath: String
        /// The path as the user would write it (``LockLocation/referencedFile(_:lockPath:)``).
        public var displayPath: String
        /// Lowercase hex SHA-256 of the bytes read; `nil` when the file could not be read.
        public var sha256: String?
        /// The parsed closure (`nil` when unreadable or on a parse error).
        public var parsed: PlannedPythonClosure?
        /// The parser's diagnostics, located in the closure file (empty when it was unreadable).
        public var diagnostics: [Diagnostic]
    }

    /// Reads, hashes and parses the closure file at `relativePath` next to the lock at
    /// `lockPath` (``PythonClosureReader``), without a lock: `plan` starts it at the path a lock
    /// conventionally records (``LockLocation/closurePath(forLock:)``) while the lock is decoded.
    public static func readClosureFile(_ relativePath: String, lockPath: String) -> ClosureFile {
        let display = LockLocation.referencedFile(relativePath, lockPath: lockPath)
        guard let data = FileManager.default.contents(atPath: display) else {
            return ClosureFile(relativePath: relativePath, displayPath: display, sha256: nil, parsed: nil, diagnostics: [])
        }
        let digest = Base16.encode(Array(SHA256.hash(data: data)))
        let (parsed, diagnostics) = data.withUnsafeBytes { PythonClosureReader.parse(utf8: $0, source: display) }
        return ClosureFile(relativePath: relativePath, displayPath: display, sha256: digest, parsed: parsed, diagnostics: diagnostics)
    }

    /// Reads the Python closure file the lock references (relative to the lock's directory),
    /// checking its SHA-256 against the lock before using what ``PythonClosureReader`` parsed, and
    /// attaches the wheel the lock chose for each package (``PlannedPythonClosure/attaching(_:)``).
    /// `prefetched` is used when it is the file the lock references (``readClosureFile(_:lockPath:)``).
    /// - Returns: the closure (`nil` on any error) and the diagnostics, located in the lock or the closure file.
    public static func readClosure(_ closure: LockedClosure, lockPath: String, prefetched: ClosureFile? = nil) -> (PlannedPythonClosure?, [Diagnostic]) {
        let file = prefetched.flatMap { $0.relativePath == closure.path ? $0 : nil } ?? readClosureFile(closure.path, lockPath: lockPath)
        let display = file.displayPath
        guard let digest = file.sha256 else {
            return (nil, [Diagnostic(.error, "the lock references the Python closure \(display), which cannot be read; run `sglang-forge lock`", file: lockPath, at: nil)])
        }
        guard digest == closure.sha256 else {
            return (nil, [Diagnostic(.error, "the Python closure \(display) does not match the lock (sha256 \(digest), the lock records \(closure.sha256)); run `sglang-forge lock`", file: lockPath, at: nil)])
        }
        guard let parsed = file.parsed else { return (nil, file.diagnostics) }
        // Each package's wheel, as the lock chose it (`closure.wheels`), checked against the file.
        let (attached, problems) = parsed.attaching(closure.wheels)
        let wheelDiagnostics = problems.map { Diagnostic(.error, $0, file: lockPath, at: nil) }
        return (wheelDiagnostics.isEmpty ? attached : nil, file.diagnostics + wheelDiagnostics)
    }
}
