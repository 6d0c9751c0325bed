import ForgeTestSupport
import Foundation
import Hashes
import Spec
import Testing

/// In-place edits of the spec: only the edited scalars' bytes change.
struct SpecEditorTests {
    static let newRev = "c9606593cb1b056dd68ae8a081f351ea444ddef8"
    static let newHash = try! Digest(parsing: "sha256-hxB0xZzWPTkrAEBt8gN2WYw6SeF7gQWDIdGDIsHKffU=")

    @Test func mainSpecChangesOnlyRevAndHashBytes() throws {
        let original = try String(contentsOfFile: Repository.root.path + "/specs/main.yaml", encoding: .utf8)
        let (spec, _) = SpecLoader.decode(Array(original.utf8), path: "main.yaml")
        let pin = try #require(spec?.nixpkgs)
        let oldHashText = "sha256:" + (try #require(pin.tarballHash)).value.nixBase32
        let edited = try NixpkgsPinEdit.apply(to: Array(original.utf8), path: "main.yaml", rev: Self.newRev, tarballHash: Self.newHash)
        // The hash keeps the Nix base-32 form the file (and its comment) use.
        var expected = try Fixtures.replacingOnce(original, pin.rev.value, Self.newRev)
        expected = try Fixtures.replacingOnce(expected, oldHashText, "sha256:" + Self.newHash.nixBase32)
        #expect(edited == Array(expected.utf8))
        // And the edited spec still loads, with the new values.
        let (reloaded, diagnostics) = SpecLoader.decode(edited, path: "main.yaml")
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty)
        #expect(reloaded?.nixpkgs.rev.value == Self.newRev)
        #expect(reloaded?.nixpkgs.tarballHash?.value == Self.newHash)
    }

    @Test func unchangedPinLeavesTheFileIdentical() throws {
        let original = Array(try String(contentsOfFile: Repository.root.path + "/specs/main.yaml", encoding: .utf8).utf8)
        let pin = try #require(SpecLoader.decode(original, path: "main.yaml").spec?.nixpkgs)
        let edited = try NixpkgsPinEdit.apply(to: original, path: "main.yaml", rev: pin.rev.value, tarballHash: try #require(pin.tarballHash).value)
        #expect(edited == original)
    }

    @Test func quotingCommentsCRLFAndMultibyteTextSurvive() throws {
        let old = "0182a361324364ae3f436a63005877674cf45efb"
        let source = "# café ✓ — ünïcödé before the edit\r\nformat: 1\r\nnixpkgs:   # the one nixpkgs\r\n    owner: NixOS\r\n    rev: \"\(old)\"   # pinned 2025\r\n    tarball-hash: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='  # SRI\r\n    repo: nixpkgs\r\n\r\n# trailing comment ✓\r\n"
        let edited = try NixpkgsPinEdit.apply(to: Array(source.utf8), path: "t.yaml", rev: Self.newRev, tarballHash: Self.newHash)
        var expected = try Fixtures.replacingOnce(source, "\"\(old)\"", "\"\(Self.newRev)\"")
        expected = try Fixtures.replacingOnce(expected, "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='", "'\(Self.newHash.sri)'")
        #expect(String(decoding: edited, as: UTF8.self) == expected)
    }

    @Test(arguments: [
        ("sha256:0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73", "nix32"),
        ("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "hex"),
        ("sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "sri"),
    ])
    func hashKeepsTheFormItIsWrittenIn(current: String, form: String) throws {
        let source = "nixpkgs:\n  rev: 0182a361324364ae3f436a63005877674cf45efb\n  tarball-hash: \(current)\n"
        let edited = String(decoding: try NixpkgsPinEdit.apply(to: Array(source.utf8), path: "t.yaml", rev: Self.newRev, tarballHash: Self.newHash), as: UTF8.self)
        let written = switch form {
        case "nix32": "sha256:" + Self.newHash.nixBase32
        case "hex": "sha256:" + Self.newHash.hex
        default: Self.newHash.sri
        }
        #expect(edited == "nixpkgs:\n  rev: \(Self.newRev)\n  tarball-hash: \(written)\n")
    }

    @Test func missingHashIsInsertedAfterRevWithItsIndentation() throws {
        let source = "nixpkgs:\n    owner: NixOS   # who\n    rev: 0182a361324364ae3f436a63005877674cf45efb  # rev\n    repo: nixpkgs\nvariants: {}\n"
        let edited = String(decoding: try NixpkgsPinEdit.apply(to: Array(source.utf8), path: "t.yaml", rev: Self.newRev, tarballHash: Self.newHash), as: UTF8.self)
        #expect(edited == "nixpkgs:\n    owner: NixOS   # who\n    rev: \(Self.newRev)  # rev\n    tarball-hash: \(Self.newHash.sri)\n    repo: nixpkgs\nvariants: {}\n")
        // At the end of a file without a final newline, too.
        let last = "nixpkgs:\n  rev: 0182a361324364ae3f436a63005877674cf45efb"
        let editedLast = String(decoding: try NixpkgsPinEdit.apply(to: Array(last.utf8), path: "t.yaml", rev: Self.newRev, tarballHash: Self.newHash), as: UTF8.self)
        #expect(editedLast == "nixpkgs:\n  rev: \(Self.newRev)\n  tarball-hash: \(Self.newHash.sri)\n")
    }

    @Test func flowMappingGetsTheHashInline() throws {
        let source = "nixpkgs: {owner: NixOS, rev: 0182a361324364ae3f436a63005877674cf45efb, repo: nixpkgs}  # flow\n"
        let edited = String(decoding: try NixpkgsPinEdit.apply(to: Array(source.utf8), path: "t.yaml", rev: Self.newRev, tarballHash: Self.newHash), as: UTF8.self)
        #expect(edited == "nixpkgs: {owner: NixOS, rev: \(Self.newRev), tarball-hash: \(Self.newHash.sri), repo: nixpkgs}  # flow\n")
    }

    @Test func blockScalarsAndMissingEntriesAreRefused() {
        let block = "nixpkgs:\n  rev: |\n    0182a361324364ae3f436a63005877674cf45efb\n"
        #expect(throws: SpecEditError.self) { try NixpkgsPinEdit.apply(to: Array(block.utf8), path: "t.yaml", rev: Self.newRev, tarballHash: Self.newHash) }
        #expect(throws: SpecEditError.self) { try NixpkgsPinEdit.apply(to: Array("format: 1\n".utf8), path: "t.yaml", rev: Self.newRev, tarballHash: Self.newHash) }
        #expect(throws: SpecEditError.self) { try NixpkgsPinEdit.apply(to: Array("nixpkgs:\n  owner: x\n".utf8), path: "t.yaml", rev: Self.newRev, tarballHash: Self.newHash) }
    }

    @Test func plainScalarsAreRequotedWhenNeeded() throws {
        let source = "key: old   # c\nother: 'it''s'\n"
        var bag = DiagnosticBag(file: "t.yaml")
        let root = try #require(YAMLParser(file: "t.yaml").parse(Array(source.utf8), diagnostics: &bag))
        guard case .mapping(let pairs) = root.content else { Issue.record("not a mapping"); return }
        var editor = SpecEditor(Array(source.utf8))
        try editor.replaceScalar(at: pairs[0].value.range, with: "a: b #c \"q\"")
        try editor.replaceScalar(at: pairs[1].value.range, with: "don't")
        let edited = String(decoding: editor.result, as: UTF8.self)
        #expect(edited == "key: \"a: b #c \\\"q\\\"\"   # c\nother: 'don''t'\n")
        var bag2 = DiagnosticBag(file: "t.yaml")
        let reread = try #require(YAMLParser(file: "t.yaml").parse(editor.result, diagnostics: &bag2))
        guard case .mapping(let newPairs) = reread.content, case .scalar(let a, _) = newPairs[0].value.content, case .scalar(let b, _) = newPairs[1].value.content else {
            Issue.record("edited file does not parse"); return
        }
        #expect(a == "a: b #c \"q\"")
        #expect(b == "don't")
        #expect(!SpecEditor.canBePlain("yes") && !SpecEditor.canBePlain("-x") && SpecEditor.canBePlain("sha256-ab+/c="))
    }
}
