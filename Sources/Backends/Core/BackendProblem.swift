import Planner

/// A problem a backend's check found in a plan, with what it is about, so that a built-in
/// backend can locate it in the spec (``diagnostic(in:)``) and a plugin can report it by
/// component or variant (the host locates those).
public struct BackendProblem: Hashable, Sendable {
    /// The whole message, e.g. "wheel 'xgrammar' 0.1.27 has no pinned artifact …".
    public var message: String
    /// The component it is about, if any.
    public var component: String?
    /// The variant it is about, if any.
    public var variant: String?
    /// Where in the spec (the plan's `declaredAt`), if the plan records it.
    public var declaredAt: SpecLocation?

    /// Creates a problem.
    public init(_ message: String, component: String? = nil, variant: String? = nil, declaredAt: SpecLocation? = nil) {
        self.message = message
        self.component = component
        self.variant = variant
        self.declaredAt = declaredAt
    }

    /// The error diagnostic, located in the plan's spec through ``declaredAt``.
    public func diagnostic(in plan: BuildPlan) -> Diagnostic { plan.error(message, at: declaredAt) }
}
