import Planner
import Spec

extension BuildPlan {
    /// An error diagnostic located in the plan's spec at `declaredAt` (no location when `nil`).
    public func error(_ message: String, at declaredAt: SpecLocation?) -> Diagnostic {
        Diagnostic(.error, message, file: spec, at: declaredAt?.sourceLocation)
    }
}
