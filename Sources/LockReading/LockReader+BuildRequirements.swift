import Foundation
import Lock
import Planner
import Spec

extension LockReader {
    /// Reads the hashed build requirements the lock records for its source components (one file
    /// per component, relative to the lock's directory), each checked against the lock's SHA-256
    /// and parsed with ``PythonClosureReader`` (every line `name==version --hash=sha256:…`; any
    /// other line is an error at its `file:line`).
    /// - Returns: component name → its requirements (components whose file failed are left out),
    ///   and the diagnostics, located in the lock or the requirements file.
    public static func readBuildRequirements(_ lock: LockFile, lockPath: String) -> ([String: PlannedPythonClosure], [Diagnostic]) {
        guard let entries = lock.buildRequirements else { return ([:], []) }
        var result: [String: PlannedPythonClosure] = [:]
        var diagnostics: [Diagnostic] = []
        for entry in entries {
            let file = readClosureFile(entry.path, lockPath: lockPath)
            let display = file.displayPath
            guard let digest = file.sha256 else {
                diagnostics.append(Diagnostic(.error, "the lock references the build requirements of '\(entry.component)' in \(display), which cannot be read; run `sglang-forge lock`", file: lockPath, at: nil))
                continue
            }
            guard digest == entry.sha256 else {
                diagnostics.append(Diagnostic(.error, "the build requirements \(display) do not match the lock (sha256 \(digest), the lock records \(entry.sha256)); run `sglang-forge lock`", file: lockPath, at: nil))
                continue
            }
            diagnostics += file.diagnostics
            result[entry.component] = file.parsed
        }
        return (result, diagnostics)
    }

    /// Reads the lock's build requirements (``readBuildRequirements(_:lockPath:)``) into the
    /// matching source components of `plan` (``PlannedComponent/buildClosure``).
    /// - Returns: the diagnostics of reading them.
    public static func addBuildRequirements(_ lock: LockFile, lockPath: String, to plan: inout BuildPlan) -> [Diagnostic] {
        let (requirements, diagnostics) = readBuildRequirements(lock, lockPath: lockPath)
        for index in plan.components.indices {
            if let closure = requirements[plan.components[index].name] { plan.components[index].buildClosure = closure }
        }
        return diagnostics
    }
}
