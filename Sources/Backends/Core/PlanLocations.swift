import Planner
import Spec

extension BuildPlan {
    /// The spec location of a `declaredAt` value (`line:column`), for backend diagnostics.
    /// Returns `nil` for a malformed value. The byte offset is not recorded in the plan and is 0.
    public func location(_ declaredAt: String) -> SourceLocation? {
        let parts = declaredAt.split(separator: ":")
        guard parts.count == 2, let line = Int(parts[0]), let column = Int(parts[1]) else { return nil }
        return SourceLocation(line: line, column: column, offset: 0)
    }

    /// An error diagnostic located in the plan's spec.
    public func error(_ message: String, at declaredAt: String?) -> Diagnostic {
        Diagnostic(.error, message, file: spec, at: declaredAt.flatMap(location))
    }
}
