import Spec

/// The dependency graph of the spec's components, system libraries and Python packages.
struct DependencyGraph {
    /// Every node, dependencies first (empty when the graph has a cycle).
    var nodes: [PlannedNode]
    /// Successors by node id.
    var successors: [String: [String]]

    static func componentID(_ name: String) -> String { "component:\(name)" }
    static func libraryID(_ name: String) -> String { "library:\(name)" }
    static func pythonID(_ normalizedName: String) -> String { "python:\(normalizedName)" }

    /// Nodes reachable from `roots`, dependencies first.
    func order(from roots: [String]) -> [String] {
        (try? GraphAlgorithms.topologicalSort(roots: roots, successors: { successors[$0] ?? [] })) ?? []
    }
}

extension PlanContext {
    /// Builds the graph, reports cycles (with the whole path) and parts nothing uses.
    mutating func buildGraph() -> DependencyGraph {
        var successors: [String: [String]] = [:]
        var kinds: [String: String] = [:]
        for c in spec.components {
            let id = DependencyGraph.componentID(c.name.value)
            kinds[id] = "component"
            var next: [String] = []
            for dependency in c.depends where components[dependency.value] != nil {
                let target = DependencyGraph.componentID(dependency.value)
                if !next.contains(target) { next.append(target) }
            }
            for link in c.links where libraries[link.value] != nil {
                let target = DependencyGraph.libraryID(link.value)
                if !next.contains(target) { next.append(target) }
                kinds[target] = "library"
            }
            for dep in c.pythonDeps {
                let target = DependencyGraph.pythonID(Names.normalizedDistributionName(dep.name.value))
                if !next.contains(target) { next.append(target) }
                kinds[target] = "python"
            }
            successors[id] = next
        }
        var graph = DependencyGraph(nodes: [], successors: successors)
        let all = spec.components.map { DependencyGraph.componentID($0.name.value) }
        do {
            let order = try GraphAlgorithms.topologicalSort(roots: all, successors: { successors[$0] ?? [] })
            graph.nodes = order.map { PlannedNode(id: $0, kind: kinds[$0] ?? "component", dependsOn: successors[$0] ?? []) }
        } catch {
            let names = error.path.map { String($0.dropFirst("component:".count)) }
            let from = components[names[0]]
            let edge = from?.depends.first { $0.value == names[1] }
            bag.error("dependency cycle: \(names.joined(separator: " -> "))", at: edge?.location ?? from?.name.location)
            return graph
        }
        let roots = variantRoots()
        let needed = Set(graph.order(from: roots))
        for c in spec.components where !needed.contains(DependencyGraph.componentID(c.name.value)) {
            bag.warning("component '\(c.name.value)' is not needed by the runtime component '\(spec.runtime.component.value)' or a source build, so no variant includes it", at: c.name.location)
        }
        for library in spec.systemLibraries where kinds[DependencyGraph.libraryID(library.name.value)] == nil {
            bag.warning("system library '\(library.name.value)' is not linked by any component", at: library.name.location)
        }
        return graph
    }

    /// The nodes every variant starts from: the runtime component, then each source build.
    func variantRoots() -> [String] {
        var roots: [String] = []
        if components[spec.runtime.component.value] != nil { roots.append(DependencyGraph.componentID(spec.runtime.component.value)) }
        for c in spec.components where c.kind.value == .source {
            let id = DependencyGraph.componentID(c.name.value)
            if !roots.contains(id) { roots.append(id) }
        }
        return roots
    }
}
