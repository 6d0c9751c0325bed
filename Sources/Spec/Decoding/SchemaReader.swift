/// Reads typed values out of ``YAMLNode``s, reporting every type error, unknown key and missing
/// key into one ``DiagnosticBag`` instead of stopping at the first.
///
/// Scalars are typed by the key that holds them, never by their look: a string field takes any
/// scalar as written, a boolean field takes only `true`/`false`, an integer field only decimal digits.
struct SchemaReader {
    var diagnostics: DiagnosticBag

    /// Opens `node` as a mapping with the given known keys; unknown keys are reported with the
    /// closest known key as a suggestion. Returns `nil` (after reporting) when `node` is not a mapping.
    mutating func mapping(_ node: YAMLNode, what: String, keys: [String]) -> Mapping? {
        guard !node.isPoisoned else { return nil }
        guard case .mapping(let pairs) = node.content else {
            diagnostics.error("\(what) must be a mapping, found \(node.kindDescription)", at: node.range.start)
            return nil
        }
        var misspelled: Set<String> = []
        for pair in pairs where !keys.contains(pair.name) {
            let suggestion = Suggestions.closest(to: pair.name, in: keys)
            if let suggestion, !pairs.contains(where: { $0.name == suggestion }) { misspelled.insert(suggestion) }
            diagnostics.error("unknown key '\(pair.name)' in \(what)\(suggestion.map { "; did you mean '\($0)'?" } ?? "")", at: pair.key.range.start)
        }
        return Mapping(node: node, pairs: pairs, what: what, misspelled: misspelled)
    }

    /// Opens `node` as a mapping whose keys are user-chosen names (e.g. the `gpus` table).
    mutating func table(_ node: YAMLNode, what: String) -> [YAMLNode.Pair] {
        guard !node.isPoisoned else { return [] }
        guard case .mapping(let pairs) = node.content else {
            diagnostics.error("\(what) must be a mapping, found \(node.kindDescription)", at: node.range.start)
            return []
        }
        return pairs
    }

    /// The value of a required key, or `nil` after reporting that it is missing (unless an
    /// unknown key was already reported as its likely misspelling).
    mutating func require(_ mapping: Mapping, _ key: String) -> YAMLNode? {
        if let value = mapping[key] { return value }
        if mapping.misspelled.contains(key) { return nil }
        diagnostics.error("missing required key '\(key)' in \(mapping.what)", at: mapping.node.range.start)
        return nil
    }

    /// A scalar read as a string, exactly as written. Refused (located at the character): a value
    /// with a line break or a control character (``CharacterNames/isForbiddenInText(_:)``).
    mutating func string(_ node: YAMLNode?, what: String) -> Located<String>? {
        guard let node, !node.isPoisoned else { return nil }
        guard case .scalar(let text, _) = node.content, !node.isNull else {
            diagnostics.error("\(what) must be a string, found \(node.kindDescription)", at: node.range.start)
            return nil
        }
        if let bad = node.forbiddenCharacter {
            diagnostics.error("\(what) must be one line of text, but it holds \(CharacterNames.describe(bad.scalar)); line breaks and control characters are not allowed in spec values", at: bad.location)
            return nil
        }
        return Located(text, node.range)
    }

    /// A scalar read as a boolean: only the plain scalars `true` and `false` are accepted.
    mutating func bool(_ node: YAMLNode?, what: String) -> Located<Bool>? {
        guard let node, !node.isPoisoned else { return nil }
        if case .scalar(let text, .plain) = node.content, text == "true" || text == "false" {
            return Located(text == "true", node.range)
        }
        diagnostics.error("\(what) must be true or false, found \(describe(node))", at: node.range.start)
        return nil
    }

    /// A scalar read as a non-negative decimal integer within `bounds`.
    mutating func integer(_ node: YAMLNode?, what: String, in bounds: ClosedRange<Int>) -> Located<Int>? {
        guard let node, !node.isPoisoned else { return nil }
        if case .scalar(let text, .plain) = node.content, !text.isEmpty, text.utf8.count <= 9,
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let value = Int(text)
        {
            guard bounds.contains(value) else {
                diagnostics.error("\(what) must be between \(bounds.lowerBound) and \(bounds.upperBound), found \(value)", at: node.range.start)
                return nil
            }
            return Located(value, node.range)
        }
        diagnostics.error("\(what) must be a whole number, found \(describe(node))", at: node.range.start)
        return nil
    }

    /// A sequence of strings (a single scalar is not promoted to a list).
    mutating func strings(_ node: YAMLNode?, what: String) -> [Located<String>]? {
        guard let node, !node.isPoisoned else { return nil }
        guard case .sequence(let items) = node.content else {
            diagnostics.error("\(what) must be a list, found \(describe(node))", at: node.range.start)
            return nil
        }
        return items.compactMap { string($0, what: "each entry of \(what)") }
    }

    /// A sequence of nodes.
    mutating func sequence(_ node: YAMLNode?, what: String) -> [YAMLNode]? {
        guard let node, !node.isPoisoned else { return nil }
        guard case .sequence(let items) = node.content else {
            diagnostics.error("\(what) must be a list, found \(describe(node))", at: node.range.start)
            return nil
        }
        return items
    }

    /// A mapping of names to string values, in source order (e.g. `build-env`).
    mutating func stringTable(_ node: YAMLNode?, what: String) -> [(Located<String>, Located<String>)]? {
        guard let node, !node.isPoisoned else { return nil }
        return table(node, what: what).compactMap { pair in
            guard let value = string(pair.value, what: "the value of '\(pair.name)' in \(what)") else { return nil }
            return (Located(pair.name, pair.key.range), value)
        }
    }

    private func describe(_ node: YAMLNode) -> String {
        if case .scalar(let text, _) = node.content, !node.isNull { return "'\(text)'" }
        return node.kindDescription
    }
}

/// A mapping node opened by ``SchemaReader/mapping(_:what:keys:)``.
struct Mapping {
    let node: YAMLNode
    let pairs: [YAMLNode.Pair]
    /// How the mapping is named in messages, e.g. "component 'sglang'".
    let what: String
    /// Known keys that an unknown key was reported as a misspelling of.
    var misspelled: Set<String> = []

    subscript(key: String) -> YAMLNode? { pairs.first { $0.name == key }?.value }

    /// The range of a key (not its value), for diagnostics about the entry as a whole.
    func keyRange(_ key: String) -> SourceRange? { pairs.first { $0.name == key }?.key.range }
}
