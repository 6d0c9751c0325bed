import Foundation

/// Renders a ``BuildPlan`` as a Graphviz digraph: one cluster per variant, with node ids
/// prefixed by the variant so that per-variant builds stay distinct; the runtime's Python
/// packages are drawn as one node per variant.
struct PlanDotRenderer {
    let plan: BuildPlan

    func render() -> String {
        var out = ["digraph \(quote("\(plan.runtime.name)-plan")) {", "  rankdir=LR;", "  node [shape=box, fontname=\"Helvetica\"];"]
        let nodes = Dictionary(plan.graph.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let components = Dictionary(plan.components.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (index, variant) in plan.variants.enumerated() {
            out.append("  subgraph \(quote("cluster_\(index)")) {")
            out.append("    label=\(quote(variant.name));")
            let root = "\(variant.name)"
            out.append("    \(quote(root)) [shape=doubleoctagon, label=\(quote(variant.name))];")
            let pythonNode = "\(variant.name)/python"
            let pythonCount = variant.order.filter { $0.kind == .python }.count
            if pythonCount > 0 {
                out.append("    \(quote(pythonNode)) [shape=folder, label=\(quote("\(pythonCount) Python packages"))];")
            }
            for id in variant.order where id.kind != .python {
                let label: String
                if id.kind == .component, let c = components[id.name] {
                    label = c.perVariant ? "\(c.name) \(c.version)\n\(variant.torchCudaArchList) \(variant.isa)" : "\(c.name) \(c.version)"
                } else {
                    label = id.name
                }
                let shape = id.kind == .library ? ", shape=ellipse" : ""
                out.append("    \(quote("\(variant.name)/\(id)")) [label=\(quote(label))\(shape)];")
            }
            for id in variant.roots { out.append("    \(quote(root)) -> \(quote("\(variant.name)/\(id)"));") }
            var pythonEdges = Set<PlanNodeID>()
            for id in variant.order {
                for target in nodes[id]?.dependsOn ?? [] {
                    if target.kind == .python {
                        if pythonEdges.insert(id).inserted { out.append("    \(quote("\(variant.name)/\(id)")) -> \(quote(pythonNode));") }
                    } else {
                        out.append("    \(quote("\(variant.name)/\(id)")) -> \(quote("\(variant.name)/\(target)"));")
                    }
                }
            }
            out.append("  }")
        }
        out.append("}")
        return out.joined(separator: "\n") + "\n"
    }

    /// A DOT double-quoted ID: `\` and `"` escaped, line breaks as `\n`.
    private func quote(_ s: String) -> String {
        let escaped = s.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"" + escaped + "\""
    }
}
