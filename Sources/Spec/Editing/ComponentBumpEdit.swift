import Hashes

/// One component's new values in a `bump` edit; `nil` fields are left as they are.
public struct ComponentBump: Hashable, Sendable {
    /// The component key in the spec before the edit.
    public var name: String
    /// A new key (the distribution was renamed upstream); `depends` entries and
    /// `runtime.component` naming the old key are renamed too.
    public var newName: String?
    /// The new `version`.
    public var version: String?
    /// The new `url` (URL-pinned components).
    public var url: String?
    /// The new `hash` (written in the encoding the old one uses).
    public var hash: Digest?

    public init(name: String, newName: String? = nil, version: String? = nil, url: String? = nil, hash: Digest? = nil) {
        self.name = name
        self.newName = newName
        self.version = version
        self.url = url
        self.hash = hash
    }
}

/// A waiver to delete: its component and its `requirement` exactly as written.
public struct WaiverRemoval: Hashable, Sendable {
    public var component: String
    public var requirement: String

    public init(component: String, requirement: String) {
        self.component = component
        self.requirement = requirement
    }
}

/// The in-place edit `sglang-forge bump` makes to a spec: component versions, keys, URLs and
/// hashes, `cuda.version`, and whole waiver entries removed. Every other byte is kept
/// (``SpecEditor``); values keep their quoting and hashes their encoding.
public enum ComponentBumpEdit {
    /// Returns `source` with the edits applied, verified by decoding the result again.
    /// - Parameters:
    ///   - source: the whole spec file; `path`: its name, for messages.
    ///   - bumps: per-component changes.
    ///   - removeWaivers: waiver entries to delete (the whole `waivers:` key goes when none is left).
    ///   - cudaVersion: a new `cuda.version`, if any.
    /// - Throws: ``SpecEditError`` when a component, key or waiver is missing, a value is a block
    ///   scalar, or the result does not decode with the new values.
    public static func apply(
        to source: [UInt8], path: String, bumps: [ComponentBump], removeWaivers: [WaiverRemoval] = [], cudaVersion: String? = nil
    ) throws(SpecEditError) -> [UInt8] {
        let top = try root(source, path: path)
        var editor = SpecEditor(source)
        guard let components = top.first(where: { $0.name == "components" }), case .mapping(let entries) = components.value.content else {
            throw .structure("the spec has no 'components' mapping", nil)
        }
        let renames = Dictionary(bumps.compactMap { b in b.newName.map { (b.name, $0) } }, uniquingKeysWith: { a, _ in a })
        for bump in bumps {
            guard let entry = entries.first(where: { $0.name == bump.name }), case .mapping(let fields) = entry.value.content else {
                throw .structure("the spec has no component '\(bump.name)'", components.key.range.start)
            }
            if let newName = bump.newName { try editor.replaceScalar(at: entry.key.range, with: newName) }
            if let version = bump.version { try replace(fields, "version", with: version, in: &editor, at: entry) }
            if let url = bump.url { try replace(fields, "url", with: url, in: &editor, at: entry) }
            if let hash = bump.hash {
                guard let field = fields.first(where: { $0.name == "hash" }) else {
                    throw .structure("component '\(bump.name)' has no 'hash' to update", entry.key.range.start)
                }
                let current = scalar(field.value) ?? ""
                try editor.replaceScalar(at: field.value.range, with: NixpkgsPinEdit.HashForm.of(current).render(hash))
            }
        }
        // Every `depends` entry and `runtime.component` naming a renamed component.
        if !renames.isEmpty {
            for entry in entries {
                guard case .mapping(let fields) = entry.value.content,
                      let depends = fields.first(where: { $0.name == "depends" }), case .sequence(let items) = depends.value.content else { continue }
                for item in items {
                    if let text = scalar(item), let newName = renames[text] { try editor.replaceScalar(at: item.range, with: newName) }
                }
            }
            if let runtime = top.first(where: { $0.name == "runtime" }), case .mapping(let fields) = runtime.value.content,
               let field = fields.first(where: { $0.name == "component" }), let text = scalar(field.value), let newName = renames[text]
            {
                try editor.replaceScalar(at: field.value.range, with: newName)
            }
        }
        for (component, removals) in Dictionary(grouping: removeWaivers, by: \.component).sorted(by: { $0.key < $1.key }) {
            guard let entry = entries.first(where: { $0.name == component }), case .mapping(let fields) = entry.value.content,
                  let waivers = fields.first(where: { $0.name == "waivers" }), case .sequence(let items) = waivers.value.content else {
                throw .structure("component '\(component)' has no 'waivers' list", nil)
            }
            let doomed = items.indices.filter { i in
                guard case .mapping(let pairs) = items[i].content, let r = pairs.first(where: { $0.name == "requirement" }) else { return false }
                return removals.contains { $0.requirement == scalar(r.value) }
            }
            guard doomed.count == Set(removals.map(\.requirement)).count else {
                throw .structure("component '\(component)' has no waiver for \(removals.map(\.requirement).joined(separator: ", "))", waivers.key.range.start)
            }
            if source[waivers.value.range.start.offset] == UInt8(ascii: "[") {
                throw .structure("the 'waivers' of '\(component)' is a flow list; write it as a block list to let sglang-forge edit it", waivers.value.range.start)
            }
            if doomed.count == items.count {
                // The whole key goes: from its line to the end of its last item's line.
                try editor.delete(lineStart(source, waivers.key.range.start.offset)..<lineEnd(source, contentEnd(items.last!)), location: waivers.key.range.start)
            } else {
                for i in doomed {
                    let start = lineStart(source, items[i].range.start.offset)
                    let end = i + 1 < items.count ? lineStart(source, items[i + 1].range.start.offset) : lineEnd(source, contentEnd(items[i]))
                    try editor.delete(start..<end, location: items[i].range.start)
                }
            }
        }
        if let cudaVersion {
            guard let cuda = top.first(where: { $0.name == "cuda" }), case .mapping(let fields) = cuda.value.content else {
                throw .structure("the spec has no 'cuda' mapping", nil)
            }
            try replace(fields, "version", with: cudaVersion, in: &editor, at: cuda)
        }
        let result = editor.result
        try verify(result, path: path, bumps: bumps, removeWaivers: removeWaivers, cudaVersion: cudaVersion)
        return result
    }

    private static func verify(_ result: [UInt8], path: String, bumps: [ComponentBump], removeWaivers: [WaiverRemoval], cudaVersion: String?) throws(SpecEditError) {
        let (decoded, diagnostics) = SpecLoader.decode(result, path: path)
        guard let spec = decoded else {
            throw .verificationFailed(diagnostics.first { $0.severity == .error }?.description ?? "the edited spec does not decode")
        }
        for bump in bumps {
            let name = bump.newName ?? bump.name
            guard let c = spec.components.first(where: { $0.name.value == name }) else { throw .verificationFailed("no component '\(name)'") }
            if let v = bump.version, c.version.value != v { throw .verificationFailed("\(name).version reads '\(c.version.value)', not '\(v)'") }
            if let u = bump.url, c.url?.value != u { throw .verificationFailed("\(name).url reads '\(c.url?.value ?? "nothing")'") }
            if let h = bump.hash, c.hash?.value != h { throw .verificationFailed("\(name).hash reads '\(c.hash?.value.sri ?? "nothing")'") }
        }
        for removal in removeWaivers {
            let name = bumps.first { $0.name == removal.component }?.newName ?? removal.component
            if spec.components.first(where: { $0.name.value == name })?.waivers.contains(where: { $0.requirement.value == removal.requirement }) == true {
                throw .verificationFailed("the waiver \(removal.requirement) of '\(name)' is still there")
            }
        }
        if let cudaVersion, spec.cuda.version.value != cudaVersion { throw .verificationFailed("cuda.version reads '\(spec.cuda.version.value)'") }
    }

    private static func replace(_ fields: [YAMLNode.Pair], _ key: String, with value: String, in editor: inout SpecEditor, at owner: YAMLNode.Pair) throws(SpecEditError) {
        guard let field = fields.first(where: { $0.name == key }) else {
            throw .structure("'\(owner.name)' has no '\(key)' to update", owner.key.range.start)
        }
        if scalar(field.value) != value { try editor.replaceScalar(at: field.value.range, with: value) }
    }

    private static func root(_ source: [UInt8], path: String) throws(SpecEditError) -> [YAMLNode.Pair] {
        var bag = DiagnosticBag(file: path)
        guard let root = YAMLParser(file: path).parse(source, diagnostics: &bag), !bag.hasErrors else {
            throw .structure("the spec is not valid YAML: \(bag.all.first?.description ?? "unknown error")", nil)
        }
        guard case .mapping(let top) = root.content else { throw .structure("the spec is not a mapping", root.range.start) }
        return top
    }

    private static func scalar(_ node: YAMLNode) -> String? {
        if case .scalar(let text, _) = node.content { return text }
        return nil
    }

    /// Where a node's own text ends: libyaml ends a block mapping or sequence at the next token
    /// (the following key, on the next line), so the end of its last scalar is used instead.
    static func contentEnd(_ node: YAMLNode) -> Int {
        switch node.content {
        case .mapping(let pairs): pairs.last.map { contentEnd($0.value) } ?? node.range.end.offset
        case .sequence(let items): items.last.map(contentEnd) ?? node.range.end.offset
        case .scalar: node.range.end.offset
        }
    }

    /// The offset of the first byte of the line holding `offset`.
    static func lineStart(_ source: [UInt8], _ offset: Int) -> Int {
        var i = min(offset, source.count)
        while i > 0, source[i - 1] != UInt8(ascii: "\n") { i -= 1 }
        return i
    }

    /// The offset just past the line break ending the line that holds the byte before `offset`
    /// (or `offset` itself when it already starts a line).
    static func lineEnd(_ source: [UInt8], _ offset: Int) -> Int {
        if offset > 0, offset <= source.count, source[offset - 1] == UInt8(ascii: "\n") { return offset }
        var i = offset
        while i < source.count, source[i] != UInt8(ascii: "\n") { i += 1 }
        return min(source.count, i + 1)
    }
}
