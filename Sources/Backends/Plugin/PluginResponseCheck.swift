import BackendCore
import Planner
import PluginKit

/// Checks a plugin's response against the plan and turns it into a ``BackendOutput``: refuses
/// unsafe or duplicate file paths, and locates each diagnostic in the spec (`component` → where
/// the plan says the component is declared; `variant` named in the message).
struct PluginResponseCheck {
    let plan: BuildPlan
    /// Builds the failure for one refusal (it quotes the plugin's stderr).
    let failure: (String) -> BackendRunFailure

    func check(_ response: PluginResponse) throws(BackendRunFailure) -> BackendOutput {
        var seen: Set<String> = []
        var files: [GeneratedFile] = []
        for file in response.files {
            if let reason = Self.unsafeReason(file.path) {
                throw failure("returned the file path \(JSONString.quoted(file.path)), which \(reason)")
            }
            guard seen.insert(file.path).inserted else {
                throw failure("returned the file path \(JSONString.quoted(file.path)) twice")
            }
            files.append(GeneratedFile(path: file.path, contents: file.contents, isExecutable: file.executable))
        }
        let components = Dictionary(plan.components.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let variants = Set(plan.variants.map(\.name))
        var diagnostics: [Diagnostic] = []
        for d in response.diagnostics {
            var location: SourceLocation?
            var message = d.message
            if let name = d.component {
                guard let component = components[name] else {
                    throw failure("reported a diagnostic for the component '\(name)', which the plan does not have: \(d.message)")
                }
                location = component.declaredAt.sourceLocation
                message = "component '\(name)': " + message
            }
            if let name = d.variant {
                guard variants.contains(name) else {
                    throw failure("reported a diagnostic for the variant '\(name)', which the plan does not have: \(d.message)")
                }
                message = "variant '\(name)': " + message
            }
            let severity: Diagnostic.Severity = d.severity == .error ? .error : .warning
            diagnostics.append(Diagnostic(severity, message, file: plan.spec, at: location))
        }
        return BackendOutput(files: files.sorted { $0.path < $1.path }, diagnostics: diagnostics)
    }

    /// Why `path` may not be written, or `nil` when it is a relative `/`-separated path inside
    /// the output directory.
    static func unsafeReason(_ path: String) -> String? {
        if path.isEmpty { return "is empty" }
        if path.hasPrefix("/") { return "is absolute" }
        if path.unicodeScalars.contains(where: { $0.value == 0 }) { return "contains a NUL character" }
        if path.contains("\\") { return "contains a backslash (paths are '/'-separated)" }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains("..") { return "leaves the output directory ('..')" }
        if components.contains(where: { $0.isEmpty || $0 == "." }) { return "has an empty or '.' component" }
        if components.first == ".sglang-forge-manifest" { return "is the output writer's manifest" }
        return nil
    }
}
