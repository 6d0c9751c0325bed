import Spec

/// The dependency graph of the spec's components, system libraries and Python packages.
struct DependencyGraph {
    /// Every node, dependencies first (empty when the graph has a cycle).
    var nodes: [PlannedNode]
    /// Successors by node id.
    var successors: [PlanNodeID: [PlanNodeID]]

    /// Nodes reachable from `roots`, dependencies first.
    func order(from roots: [PlanNodeID]) -> [PlanNodeID] {
        (try? GraphAlgorithms.topologicalSort(roots: roots, successors: { successors[$0] ?? [] })) ?? []
    }
}

extension PlanContext {
    /// Builds the graph, reports cycles (with the whole path) and parts nothing uses.
    mutating func buildGraph() -> DependencyGraph {
        var successors: [PlanNodeID: [PlanNodeID]] = [:]
        var linked: Set<PlanNodeID> = []
        for c in spec.components {
            let id = PlanNodeID.component(c.name.value)
            var next: [PlanNodeID] = []
            for dependency in c.depends where components[dependency.value] != nil {
                let target = PlanNodeID.component(dependency.value)
                if !next.contains(target) { next.append(target) }
            }
            for link in c.links where libraries[link.value] != nil {
                let target = PlanNodeID.library(link.value)
                if !next.contains(target) { next.append(target) }
                linked.insert(target)
            }
            for dep in c.pythonDeps {
                let target = PlanNodeID.python(Names.normalizedDistributionName(dep.name.value))
                if !next.contains(target) { next.append(target) }
            }
            successors[id] = next
        }
        var graph = DependencyGraph(nodes: [], successors: successors)
        let all = spec.components.map { PlanNodeID.component($0.name.value) }
        do {
            let order = try GraphAlgorithms.topologicalSort(roots: all, successors: { successors[$0] ?? [] })
            graph.nodes = order.map { PlannedNode(id: $0, kind: $0.kind, dependsOn: successors[$0] ?? []) }
        } catch {
            let names = error.path.map(\.name)
            let from = components[names[0]]
            let edge = from?.depends.first { $0.value == names[1] }
            bag.error("dependency cycle: \(names.joined(separator: " -> "))", at: edge?.location ?? from?.name.location)
            return graph
        }
        let roots = variantRoots()
        let needed = Set(graph.order(from: roots))
        for c in spec.components where !needed.contains(PlanNodeID.component(c.name.value)) {
            bag.warning("component '\(c.name.value)' is not needed by the runtime component '\(spec.runtime.component.value)' or a source build, so no variant includes it", at: c.name.location)
        }
        for library in spec.systemLibraries where !linked.contains(PlanNodeID.library(library.name.value)) {
            bag.warning("system library '\(library.name.value)' is not linked by any component", at: library.name.location)
        }
        return graph
    }

    /// The nodes every variant starts from: the runtime component, then each source build.
    func variantRoots() -> [PlanNodeID] {
        var roots: [PlanNodeID] = []
        if components[spec.runtime.component.value] != nil { roots.append(PlanNodeID.component(spec.runtime.component.value)) }
        for c in spec.components where c.kind.value == .source {
            let id = PlanNodeID.component(c.name.value)
            if !roots.contains(id) { roots.append(id) }
        }
        return roots
    }
}
