import Crypto
import Foundation
import Lock
import Planner
import Spec

extension Pipeline {
    /// Puts the lock's hashed build requirements into `plan`'s source components
    /// (``PlannedComponent/buildClosure``), each file checked against the lock's SHA-256 and parsed
    /// like the Python closure (every line `name==version --hash=sha256:…`, located errors otherwise).
    /// - Returns: the problems (an unreadable or changed file, an unhashed line).
    static func addBuildRequirements(_ lock: LockFile, lockPath: String, to plan: inout BuildPlan?) -> [Diagnostic] {
        guard let entries = lock.buildRequirements else { return [] }
        let directory = (lockPath as NSString).deletingLastPathComponent
        var diagnostics: [Diagnostic] = []
        for entry in entries {
            let display = directory.isEmpty ? entry.path : directory + "/" + entry.path
            let url = URL(fileURLWithPath: lockPath).deletingLastPathComponent().appendingPathComponent(entry.path)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                diagnostics.append(Diagnostic(.error, "the lock references the build requirements of '\(entry.component)' in \(display), which cannot be read; run `sglang-forge lock`", file: lockPath, at: nil))
                continue
            }
            let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            guard digest == entry.sha256 else {
                diagnostics.append(Diagnostic(.error, "the build requirements \(display) do not match the lock (sha256 \(digest), the lock records \(entry.sha256)); run `sglang-forge lock`", file: lockPath, at: nil))
                continue
            }
            let (closure, problems) = PythonClosureReader.parse(String(decoding: data, as: UTF8.self), source: display)
            diagnostics += problems
            if let closure, let index = plan?.components.firstIndex(where: { $0.name == entry.component }) {
                plan?.components[index].buildClosure = closure
            }
        }
        return diagnostics
    }
}
