/// The output formats of `sglang-forge plan`.
public enum PlanFormat: String, CaseIterable, Sendable {
    /// Tables and a dependency tree for people.
    case text
    /// The versioned JSON contract of `docs/plan-schema.md`.
    case json
    /// A Graphviz digraph of each variant's dependency graph.
    case dot
}

extension BuildPlan {
    /// Renders the plan in `format`. Deterministic: the same plan gives the same bytes.
    public func rendered(as format: PlanFormat) -> String {
        switch format {
        case .text: PlanTextRenderer(plan: self).render()
        case .json: PlanJSONRenderer.render(self)
        case .dot: PlanDotRenderer(plan: self).render()
        }
    }

    /// The plan restricted to variants whose name matches one of the shell globs in `patterns`
    /// (`fnmatch(3)` syntax: `*`, `?`, `[…]`). An empty `patterns` keeps every variant.
    public func filtered(variants patterns: [String]) -> BuildPlan {
        guard !patterns.isEmpty else { return self }
        var copy = self
        copy.variants = variants.filter { variant in patterns.contains { Glob.matches(variant.name, pattern: $0) } }
        return copy
    }
}
