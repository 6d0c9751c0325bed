/// A node of a YAML document as written: every scalar is kept as its source text (no implicit
/// typing, so `3.10` stays "3.10" and `no` stays "no"), and every node keeps its exact source range.
///
/// Produced by ``YAMLParser``; read by the spec decoder only. Anchors, aliases and tags are
/// refused by the parser, so the tree is a plain tree.
public struct YAMLNode: Sendable {
    /// The three kinds of YAML node.
    public enum Content: Sendable {
        /// A scalar: its value after unquoting/unescaping, and how it was written.
        case scalar(String, ScalarStyle)
        /// A mapping, pairs in source order. Keys are scalar nodes; duplicates are refused by the parser.
        case mapping([Pair])
        /// A sequence, items in source order.
        case sequence([YAMLNode])
    }

    /// How a scalar was written (YAML 1.2 §7–8).
    public enum ScalarStyle: Sendable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// One `key: value` entry of a mapping.
    public struct Pair: Sendable {
        /// The key node (always a scalar).
        public var key: YAMLNode
        /// The value node.
        public var value: YAMLNode
        /// The key's text.
        public var name: String {
            if case .scalar(let text, _) = key.content { return text }
            return ""
        }
    }

    /// What the node holds.
    public var content: Content
    /// Where the node is written.
    public var range: SourceRange
    /// True for a stand-in node whose problem was already reported (an alias): decoders skip it
    /// silently instead of reporting a second, consequential error.
    public var isPoisoned = false
    /// For a scalar whose value holds a line break or a control character: where the first such
    /// character is written in the file (the raw character, or the escape that produced it), and
    /// the character. Every spec string is single-line text, so the decoder refuses these.
    public var forbiddenCharacter: (scalar: Unicode.Scalar, location: SourceLocation)?

    /// True for an empty plain scalar, `~` or `null`: YAML's null.
    public var isNull: Bool {
        if case .scalar(let text, .plain) = content { return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL" }
        return false
    }

    /// A short name of the node's kind for messages: "a string", "a mapping", "a list", "nothing".
    public var kindDescription: String {
        switch content {
        case .scalar: isNull ? "nothing" : "a string"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }
}
