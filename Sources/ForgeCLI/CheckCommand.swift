import ArgumentParser
import Lock
import LockReading
import Planner
import Spec

/// `sglang-forge check [SPEC]`: the consistency check of the locked wheels against the spec.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every locked wheel's Requires-Dist against the spec's pins, waivers and policy."
    )

    @OptionGroup var options: SpecOptions

    func run() throws {
        let (spec, loadDiagnostics) = SpecLoader.load(path: options.spec)
        guard let spec else {
            Pipeline.report(loadDiagnostics, file: options.spec)
            throw ForgeExitCode.invalidInput
        }
        let lockPath = options.resolvedLockPath
        switch LockReader.readLock(at: lockPath, for: spec) {
        case .failure(let problem):
            let planDiagnostics = Planner.plan(spec).diagnostics
            Pipeline.report(loadDiagnostics + planDiagnostics + [Diagnostic(.error, problem.message(spec: options.spec), file: lockPath, at: nil)], file: options.spec)
            throw ForgeExitCode.invalidInput
        case .success(let lock):
            // Planned with the lock: the device-code coverage of every GPU target is checked too.
            let planDiagnostics = Planner.plan(spec, lock: lock).diagnostics
            let report = ConsistencyCheck(spec: spec, lock: lock, lockPath: lockPath).run()
            let all = loadDiagnostics + planDiagnostics + report.diagnostics
            Pipeline.report(all, file: options.spec)
            let waived = report.findings.filter { $0.waivedBecause != nil }.count
            StandardError.write("\(options.spec): checked \(report.checkedRequirements) requirements of \(report.checkedWheels) installed wheels (\(lock.artifacts.count) components, \(lock.closure?.wheels.count ?? 0) closure): \(report.findings.count - waived) unsatisfied, \(waived) waived, \(report.unprovided.reduce(0) { $0 + $1.requirements.count }) on unprovided packages\n")
            if all.contains(where: { $0.severity == .error }) { throw ForgeExitCode.invalidInput }
        }
    }
}
