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
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.missing) }
        let lock: LockFile
        do { lock = try LockCoder.decode(data, detail: detail) } catch { return .failure(.invalid("\(error)")) }
        if case .stale(let reasons) = LockFreshness.check(lock, against: spec) { return .failure(.stale(reasons)) }
        return .success(lock)
    }

    /// Reads the Python closure file the lock references (relative to the lock's directory),
    /// checking its SHA-256 against the lock before parsing it with ``PythonClosureReader``, and
    /// attaches the wheel the lock chose for each package (``PlannedPythonClosure/attaching(_:)``).
    /// - Returns: the closure (`nil` on any error) and the diagnostics, located in the lock or the closure file.
    public static func readClosure(_ closure: LockedClosure, lockPath: String) -> (PlannedPythonClosure?, [Diagnostic]) {
        let display = LockLocation.referencedFile(closure.path, lockPath: lockPath)
        guard let data = FileManager.default.contents(atPath: display) else {
            return (nil, [Diagnostic(.error, "the lock references the Python closure \(display), which cannot be read; run `sglang-forge lock`", file: lockPath, at: nil)])
        }
        let digest = Base16.encode(Array(SHA256.hash(data: data)))
        guard digest == closure.sha256 else {
            return (nil, [Diagnostic(.error, "the Python closure \(display) does not match the lock (sha256 \(digest), the lock records \(closure.sha256)); run `sglang-forge lock`", file: lockPath, at: nil)])
        }
        let (parsed, diagnostics) = data.withUnsafeBytes { PythonClosureReader.parse(utf8: $0, source: display) }
        guard let parsed else { return (nil, diagnostics) }
        // Each package's wheel, as the lock chose it (`closure.wheels`), checked against the file.
        let (attached, problems) = parsed.attaching(closure.wheels)
        let wheelDiagnostics = problems.map { Diagnostic(.error, $0, file: lockPath, at: nil) }
        return (wheelDiagnostics.isEmpty ? attached : nil, diagnostics + wheelDiagnostics)
    }
}
