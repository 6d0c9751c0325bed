import Hashes

/// The in-place edit `sglang-forge pin nixpkgs` makes to a spec: the `nixpkgs` entry's `rev`
/// and `tarball-hash`, nothing else.
public enum NixpkgsPinEdit {
    /// How `tarball-hash` is written.
    public enum HashForm: Sendable {
        /// `sha256-<base64>` (SRI; what flake.lock's `narHash` uses).
        case sri
        /// `sha256:<nix-base32>` (what `nix-prefetch-url --unpack` prints).
        case nixBase32
        /// `sha256:<hex>`.
        case hex

        /// The form an existing value is written in (SRI when it is in none of them).
        public static func of(_ text: String) -> HashForm {
            guard text.hasPrefix("sha256:") else { return .sri }
            return text.utf8.count == 7 + HashAlgorithm.sha256.hexLength ? .hex : .nixBase32
        }

        /// `digest` written in this form.
        public func render(_ digest: Digest) -> String {
            switch self {
            case .sri: digest.sri
            case .nixBase32: "sha256:" + digest.nixBase32
            case .hex: "sha256:" + digest.hex
            }
        }
    }

    /// Returns `source` with `nixpkgs.rev` set to `rev` and `nixpkgs.tarball-hash` set to
    /// `tarballHash`.
    ///
    /// An existing `tarball-hash` keeps the encoding it is written in (SRI, `sha256:<nix-base32>`
    /// or `sha256:<hex>`), so the comments around it stay true; a missing one is inserted as SRI
    /// on a new line right after `rev`, indented like `rev` (or as `, tarball-hash: …` after `rev`
    /// in a flow mapping). Values already equal are not touched, so an unchanged pin leaves the
    /// file byte-for-byte identical.
    ///
    /// - Parameters:
    ///   - source: the whole spec file.
    ///   - path: its name, for messages.
    ///   - rev: 40 lowercase hex digits.
    ///   - tarballHash: a SHA-256 digest.
    /// - Returns: the new file contents, verified by parsing them again.
    /// - Throws: ``SpecEditError`` when the file has no `nixpkgs` mapping with a `rev`, a value
    ///   is a block scalar, or the result does not read back with the new values.
    public static func apply(to source: [UInt8], path: String, rev: String, tarballHash: Digest) throws(SpecEditError) -> [UInt8] {
        let (nixpkgs, pairs) = try locate(source, path: path)
        guard let revPair = pairs.first(where: { $0.name == "rev" }) else {
            throw .structure("'nixpkgs' has no 'rev' to update", nixpkgs.range.start)
        }
        var editor = SpecEditor(source)
        if scalarText(revPair.value) != rev {
            try editor.replaceScalar(at: revPair.value.range, with: rev)
        }
        if let hashPair = pairs.first(where: { $0.name == "tarball-hash" }) {
            let current = scalarText(hashPair.value) ?? ""
            if (try? Digest(parsing: current)) != tarballHash {
                try editor.replaceScalar(at: hashPair.value.range, with: HashForm.of(current).render(tarballHash))
            }
        } else if source[nixpkgs.range.start.offset] == UInt8(ascii: "{") {
            try editor.insert(", tarball-hash: \(tarballHash.sri)", atOffset: revPair.value.range.end.offset, location: revPair.value.range.end)
        } else {
            let indent = String(repeating: " ", count: revPair.key.range.start.column - 1)
            var offset = revPair.value.range.end.offset
            while offset < source.count, source[offset] != UInt8(ascii: "\n") { offset += 1 }
            let line = "\(indent)tarball-hash: \(tarballHash.sri)"
            if offset < source.count {
                try editor.insert(line + "\n", atOffset: offset + 1, location: revPair.value.range.end)
            } else {
                try editor.insert("\n" + line + "\n", atOffset: offset, location: revPair.value.range.end)
            }
        }
        let result = editor.result
        // Read the result back: the same structure, the new values.
        let (_, newPairs) = try locate(result, path: path)
        let newRev = newPairs.first { $0.name == "rev" }.flatMap { scalarText($0.value) }
        let newHash = newPairs.first { $0.name == "tarball-hash" }.flatMap { scalarText($0.value) }.flatMap { try? Digest(parsing: $0) }
        guard newRev == rev, newHash == tarballHash else {
            throw .verificationFailed("nixpkgs.rev reads '\(newRev ?? "nothing")', tarball-hash reads '\(newHash?.sri ?? "nothing")'")
        }
        return result
    }

    private static func locate(_ source: [UInt8], path: String) throws(SpecEditError) -> (YAMLNode, [YAMLNode.Pair]) {
        var bag = DiagnosticBag(file: path)
        guard let root = YAMLParser(file: path).parse(source, diagnostics: &bag), !bag.hasErrors else {
            throw .structure("the spec is not valid YAML: \(bag.all.first?.description ?? "unknown error")", nil)
        }
        guard case .mapping(let top) = root.content else { throw .structure("the spec is not a mapping", root.range.start) }
        guard let nixpkgs = top.first(where: { $0.name == "nixpkgs" })?.value else {
            throw .structure("the spec has no 'nixpkgs' entry", root.range.start)
        }
        guard case .mapping(let pairs) = nixpkgs.content else {
            throw .structure("'nixpkgs' must be a mapping", nixpkgs.range.start)
        }
        return (nixpkgs, pairs)
    }

    private static func scalarText(_ node: YAMLNode) -> String? {
        if case .scalar(let text, _) = node.content { return text }
        return nil
    }
}
