/// Graph algorithms over any node type, written once.
public enum GraphAlgorithms {
    /// A cycle, as the path `a → b → … → a` (first and last element equal).
    public struct Cycle<Node: Hashable>: Error {
        /// The nodes of the cycle; the first is repeated at the end.
        public var path: [Node]
    }

    /// Orders every node reachable from `roots` so that each node comes after all of its
    /// successors (dependencies first). Depth-first, visiting roots and successors in the order
    /// given, so the result is deterministic. O(V + E).
    ///
    /// - Throws: ``Cycle`` with the whole cycle path when the reachable graph is not acyclic.
    public static func topologicalSort<Node: Hashable>(
        roots: [Node], successors: (Node) -> [Node]
    ) throws(Cycle<Node>) -> [Node] {
        var marks: [Node: Mark] = [:]
        var order: [Node] = []
        var stack: [(node: Node, next: [Node], index: Int)] = []
        for root in roots where marks[root] == nil {
            marks[root] = .visiting
            stack.append((root, successors(root), 0))
            while !stack.isEmpty {
                let top = stack.count - 1
                if stack[top].index < stack[top].next.count {
                    let child = stack[top].next[stack[top].index]
                    stack[top].index += 1
                    switch marks[child] {
                    case .done?: continue
                    case .visiting?:
                        let start = stack.firstIndex { $0.node == child }!
                        throw Cycle(path: stack[start...].map(\.node) + [child])
                    case nil:
                        marks[child] = .visiting
                        stack.append((child, successors(child), 0))
                    }
                } else {
                    marks[stack[top].node] = .done
                    order.append(stack[top].node)
                    stack.removeLast()
                }
            }
        }
        return order
    }
}

private enum Mark { case visiting, done }
