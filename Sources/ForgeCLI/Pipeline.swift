import Foundation
import Lock
import LockReading
import Planner
import Spec

/// The stages every command runs: read and decode the spec, read the lock next to it (refusing a
/// stale one), plan, print diagnostics.
package enum Pipeline {
    /// Loads and plans the spec at `path` without its lock, printing every diagnostic.
    /// - Returns: the plan, or `nil` when there were errors (after printing a summary).
    package static func plan(specAt path: String) throws -> BuildPlan? {
        try plan(specAt: path, lockAt: nil, locked: false)
    }

    /// Loads and plans the spec, with index wheels' artifacts from the lock when it exists.
    ///
    /// A lock that is out of date with the spec, or unreadable, is always an error (the plan would
    /// carry wrong artifacts); a missing lock is an error only when `locked` is set.
    /// - Throws: ``ForgeExitCode/ioFailure`` when the spec cannot be read at all.
    package static func plan(options: SpecOptions, overrides: Overrides = Overrides()) throws -> BuildPlan? {
        try plan(specAt: options.spec, lockAt: options.resolvedLockPath, locked: options.locked, overrides: overrides)
    }

    /// Files given on the command line that replace what the lock records (`emit`).
    package struct Overrides {
        /// `--python-closure FILE`: the hashed runtime closure.
        package var pythonClosure: String?
        /// `--build-requirements COMPONENT=FILE`: a source component's hashed build requirements.
        package var buildRequirements: [(component: String, file: String)] = []

        /// The given overrides (none by default).
        package init(pythonClosure: String? = nil, buildRequirements: [(component: String, file: String)] = []) {
            self.pythonClosure = pythonClosure
            self.buildRequirements = buildRequirements
        }
    }

    /// Loads and plans the spec at `path` with the lock at `lockPath` (see ``plan(options:)``).
    /// - Throws: ``ForgeExitCode/ioFailure`` when the spec cannot be read at all.
    package static func plan(specAt path: String, lockAt lockPath: String?, locked: Bool, overrides: Overrides = Overrides()) throws -> BuildPlan? {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || isDirectory.boolValue
            || !FileManager.default.isReadableFile(atPath: path)
        {
            let reason = !FileManager.default.fileExists(atPath: path) ? "no such file" : isDirectory.boolValue ? "it is a directory" : "permission denied"
            StandardError.write("\(path): error: cannot read spec: \(reason)\n")
            throw ForgeExitCode.ioFailure
        }
        // The lock, and the closure file at the name a lock records for it, are read and decoded
        // on threads of their own while the spec is loaded: neither needs the spec, and together
        // they were a third of `plan` (issue 13 §5). What the lock really references is checked
        // below (`readClosure` reads another file when the lock names one).
        let lockDecode = lockPath.map { lockPath in
            BackgroundWork { LockReader.decodeLock(at: lockPath, detail: .withoutClosureRequirements) }
        }
        let closureRead = lockPath.map { lockPath in
            BackgroundWork { LockReader.readClosureFile(LockLocation.closureFileName(forLock: lockPath), lockPath: lockPath) }
        }
        let (spec, loadDiagnostics) = SpecLoader.load(path: path)
        guard let spec else {
            report(loadDiagnostics, file: path)
            return nil
        }
        var lockDiagnostics: [Diagnostic] = []
        var lock: LockFile?
        if let lockPath, let lockDecode {
            switch lockDecode.wait().flatMap({ LockReader.checkFreshness($0, for: spec) }) {
            case .success(let value): lock = value
            case .failure(.missing):
                if locked {
                    lockDiagnostics.append(Diagnostic(.error, "no lock file (--locked); run `sglang-forge lock \(path)` and commit \(lockPath)", file: lockPath, at: nil))
                }
            case .failure(let problem):
                lockDiagnostics.append(Diagnostic(.error, problem.message(spec: path), file: lockPath, at: nil))
            }
        }
        // Everything the plan carries besides the spec is read first, so the planner makes it whole.
        var inputs = PlanInputs(lock: lock)
        if let lock, let lockPath {
            if let closure = lock.closure {
                let (packages, closureDiagnostics) = LockReader.readClosure(closure, lockPath: lockPath, prefetched: closureRead?.wait())
                inputs.pythonClosure = packages
                lockDiagnostics += closureDiagnostics
            }
            let (requirements, requirementDiagnostics) = LockReader.readBuildRequirements(lock, lockPath: lockPath)
            inputs.buildClosures = requirements
            lockDiagnostics += requirementDiagnostics
        }
        if let file = overrides.pythonClosure {
            let (read, diagnostics) = PythonClosureReader.read(path: file)
            report(diagnostics, file: file)
            guard let read else { return nil }
            inputs.pythonClosure = read
        }
        for (component, file) in overrides.buildRequirements {
            guard spec.components.contains(where: { $0.name.value == component && $0.kind.value == .source }) else {
                StandardError.write("error: --build-requirements \(component)=\(file): expected SOURCE-COMPONENT=FILE naming a source component of the spec\n")
                throw ForgeExitCode.usage
            }
            let (read, diagnostics) = PythonClosureReader.read(path: file)
            report(diagnostics, file: file)
            guard let read else { return nil }
            inputs.buildClosures[component] = read
        }
        let (plan, planDiagnostics) = Planner.plan(spec, inputs: inputs)
        let all = loadDiagnostics + planDiagnostics + lockDiagnostics
        report(all, file: path)
        return all.contains { $0.severity == .error } ? nil : plan
    }

    /// Prints diagnostics and, when there are any errors or warnings, a one-line count.
    package static func report(_ diagnostics: [Diagnostic], file: String) {
        guard !diagnostics.isEmpty else { return }
        var text = diagnostics.map(\.description).joined(separator: "\n") + "\n"
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        var counts: [String] = []
        if errors > 0 { counts.append("\(errors) error\(errors == 1 ? "" : "s")") }
        if warnings > 0 { counts.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
        if !counts.isEmpty { text += "\(file): \(counts.joined(separator: ", "))\n" }
        StandardError.write(text)
    }
}

/// Unbuffered writes to standard error.
package enum StandardError {
    /// Writes `text` (UTF-8) to file descriptor 2 at once.
    package static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
