import Spec

/// What a node of the plan's dependency graph stands for.
public enum PlanNodeKind: String, NamedCaseCodable {
    /// A spec component (`component:<name>`).
    case component
    /// A system library (`library:<name>`).
    case library
    /// A Python package of the runtime's package set (`python:<PEP 503 name>`).
    case python

    /// `graph node kind`.
    public static var caseSetName: String { "graph node kind" }
}

/// The id of a graph node: its kind and name. In the plan's JSON it is the string
/// `"<kind>:<name>"` (`"component:sglang"`, `"python:typing-extensions"`).
public struct PlanNodeID: Hashable, Comparable, Sendable, PlanStringForm {
    /// What the node stands for.
    public var kind: PlanNodeKind
    /// The component or library key, or the PEP 503 normalised Python name.
    public var name: String

    /// Creates an id.
    public init(_ kind: PlanNodeKind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    /// `component:<name>`.
    public static func component(_ name: String) -> Self { Self(.component, name) }
    /// `library:<name>`.
    public static func library(_ name: String) -> Self { Self(.library, name) }
    /// `python:<normalised name>`.
    public static func python(_ normalizedName: String) -> Self { Self(.python, normalizedName) }

    /// Parses `<kind>:<name>`: the kind is one of ``PlanNodeKind``, the name (everything after
    /// the first `:`) is not empty.
    /// - Throws: ``PlanNodeIDError`` naming what is wrong with `text`.
    public init(parsing text: String) throws(PlanNodeIDError) {
        guard let colon = text.firstIndex(of: ":") else { throw .noKind(text) }
        guard let kind = PlanNodeKind(rawValue: String(text[..<colon])) else {
            throw .unknownKind(text, kind: String(text[..<colon]))
        }
        let name = String(text[text.index(after: colon)...])
        guard !name.isEmpty else { throw .emptyName(text) }
        self.init(kind, name)
    }

    /// `<kind>:<name>`.
    public var description: String { "\(kind.rawValue):\(name)" }

    /// Ordered by the JSON string.
    public static func < (a: Self, b: Self) -> Bool { a.description < b.description }
}

/// Why a string is not a ``PlanNodeID``.
public enum PlanNodeIDError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No `:` separates a kind from a name.
    case noKind(String)
    /// The part before the first `:` is not a ``PlanNodeKind``.
    case unknownKind(String, kind: String)
    /// Nothing follows the `:`.
    case emptyName(String)

    public var description: String {
        switch self {
        case .noKind(let text):
            "graph node id '\(text)' is not '<kind>:<name>'"
        case .unknownKind(let text, let kind):
            "graph node id '\(text)': \(PlanNodeKind.unknownNameMessage(kind))"
        case .emptyName(let text):
            "graph node id '\(text)' has an empty name"
        }
    }
}
