import Foundation
import Planner
import Spec

/// The stages every command runs: read and decode the spec, plan it, print diagnostics.
enum Pipeline {
    /// Loads and plans the spec at `path`, printing every diagnostic to standard error.
    /// - Returns: the plan, or `nil` when there were errors (after printing a summary).
    /// - Throws: ``ForgeExitCode/ioFailure`` when the spec cannot be read at all.
    static func plan(specAt path: String) throws -> BuildPlan? {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || isDirectory.boolValue
            || !FileManager.default.isReadableFile(atPath: path)
        {
            let reason = !FileManager.default.fileExists(atPath: path) ? "no such file" : isDirectory.boolValue ? "it is a directory" : "permission denied"
            StandardError.write("\(path): error: cannot read spec: \(reason)\n")
            throw ForgeExitCode.ioFailure
        }
        let (spec, loadDiagnostics) = SpecLoader.load(path: path)
        guard let spec else {
            report(loadDiagnostics, file: path)
            return nil
        }
        let (plan, planDiagnostics) = Planner.plan(spec)
        report(loadDiagnostics + planDiagnostics, file: path)
        return plan
    }

    /// Prints diagnostics and, when there are any errors or warnings, a one-line count.
    static func report(_ diagnostics: [Diagnostic], file: String) {
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
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
