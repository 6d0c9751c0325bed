import Foundation
import Lock
import Locking
import LockReading
import Planner
import Spec

/// The `bump` validation step: the edited spec is re-locked (`Locker` of the Locking target, with
/// the closure when its settings ask for it), checked (`ConsistencyCheck`) and planned, in a
/// temporary directory, so nothing in the user's tree changes. The new lock (and closure file)
/// come back as files to commit.
public enum LockValidation {
    /// A ``ProposalValidator`` for a spec named `specName` (its lock is made next to it, as
    /// `lock` would), starting from `previousLock` (reused facts such as nixpkgs' lastModified).
    public static func validator(specName: String, previousLock: LockFile?, settings: Locker.Settings) -> ProposalValidator {
        { edited, proposal in
            await validate(edited, specName: specName, previousLock: previousLock, settings: settings)
        }
    }

    /// Re-locks, checks and plans `edited` (see the type).
    public static func validate(_ edited: [UInt8], specName: String, previousLock: LockFile?, settings: Locker.Settings) async -> ValidationOutcome {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("sglang-forge-bump-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let specPath = work.appendingPathComponent(specName).path
        let lockPath = LockLocation.defaultPath(forSpec: specPath)
        do {
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            try Data(edited).write(to: URL(fileURLWithPath: specPath))
        } catch {
            return ValidationOutcome(checks: [CheckResult(step: .lock, passed: false, detail: "cannot write a temporary copy: \(error.localizedDescription)")])
        }
        let (decoded, diagnostics) = SpecLoader.decode(edited, path: specPath)
        guard let spec = decoded else {
            return ValidationOutcome(checks: [CheckResult(step: .plan, passed: false, detail: summary(diagnostics, work: work.path))])
        }
        let outcome = await Locker(spec: spec, lockPath: lockPath, previous: previousLock, settings: settings).run()
        let lockDiagnostics = outcome.diagnostics
        guard let lock = outcome.lock else {
            return ValidationOutcome(checks: [CheckResult(step: .lock, passed: false, detail: summary(lockDiagnostics, work: work.path))])
        }
        var checks = [CheckResult(step: .lock, passed: true, detail: "\(lock.artifacts.count) artifacts" + (lock.closure.map { ", closure of \($0.packages) packages" } ?? ", closure not re-resolved"))]
        var files = [(lockPath as NSString).lastPathComponent: [UInt8](LockCoder.encode(lock))]
        // The closure file comes with the outcome (Locker writes nothing itself).
        if let closure = lock.closure, let bytes = outcome.closureFile ?? FileManager.default.contents(atPath: work.appendingPathComponent(closure.path).path) {
            files[closure.path] = [UInt8](bytes)
        }
        let report = ConsistencyCheck(spec: spec, lock: lock, lockPath: lockPath).run()
        let checkErrors = report.diagnostics.filter { $0.severity == .error }
        let waived = report.findings.filter { $0.waivedBecause != nil }.count
        checks.append(CheckResult(step: .check, passed: checkErrors.isEmpty,
                                  detail: checkErrors.isEmpty ? "\(lock.artifacts.count) wheels: \(report.findings.count - waived) disagreement(s), \(waived) waived" : summary(checkErrors, work: work.path)))
        let planned = Planner.plan(spec, lock: lock)
        let planErrors = planned.diagnostics.filter { $0.severity == .error }
        checks.append(CheckResult(step: .plan, passed: planned.plan != nil && planErrors.isEmpty,
                                  detail: planErrors.isEmpty ? "\(planned.plan?.variants.count ?? 0) variants" : summary(planErrors, work: work.path)))
        return ValidationOutcome(checks: checks, files: files)
    }

    /// The first three errors, with the temporary directory taken out of paths.
    static func summary(_ diagnostics: [Diagnostic], work: String) -> String {
        let errors = diagnostics.filter { $0.severity == .error }
        let lines = errors.prefix(3).map { $0.description.replacingOccurrences(of: work + "/", with: "") }
        return lines.joined(separator: "; ") + (errors.count > 3 ? " (and \(errors.count - 3) more)" : "")
    }
}
