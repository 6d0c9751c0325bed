import Foundation
import Spec
import Testing

@Suite struct YAMLParserTests {
    func parse(_ text: String) -> (YAMLNode?, [Diagnostic]) {
        var bag = DiagnosticBag(file: "t.yaml")
        let node = YAMLParser(file: "t.yaml").parse(Array(text.utf8), diagnostics: &bag)
        return (node, bag.sorted)
    }

    func pairs(_ node: YAMLNode?) -> [YAMLNode.Pair] {
        if case .mapping(let pairs)? = node?.content { return pairs }
        return []
    }

    func scalar(_ node: YAMLNode) -> String? {
        if case .scalar(let s, _) = node.content { return s }
        return nil
    }

    @Test func scalarsAreKeptAsWritten() {
        let (root, diagnostics) = parse("python: 3.10\ncuda: 12.10\nflag: no\nother: off\nnum: 007\n")
        #expect(diagnostics.isEmpty)
        #expect(pairs(root).map { scalar($0.value) } == ["3.10", "12.10", "no", "off", "007"])
    }

    @Test func rangesAreExactInLinesColumnsAndBytes() throws {
        // "é" is two bytes: columns count characters, offsets count bytes.
        let text = "name: é-x\nlist:\n  - a\n  - 'b c'\n"
        let (root, diagnostics) = parse(text)
        #expect(diagnostics.isEmpty)
        let entries = pairs(root)
        let name = entries[0].value
        #expect(name.range.start == SourceLocation(line: 1, column: 7, offset: 6))
        #expect(name.range.end == SourceLocation(line: 1, column: 10, offset: 10))
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[name.range.start.offset..<name.range.end.offset], as: UTF8.self) == "é-x")
        guard case .sequence(let items) = entries[1].value.content else { Issue.record("not a list"); return }
        let quoted = items[1]
        #expect(quoted.range.start == SourceLocation(line: 4, column: 5, offset: 27))
        #expect(String(decoding: bytes[quoted.range.start.offset..<quoted.range.end.offset], as: UTF8.self) == "'b c'")
        #expect(scalar(quoted) == "b c")
        #expect(entries[0].key.range.start == SourceLocation(line: 1, column: 1, offset: 0))
    }

    @Test func duplicateKeysAreRefusedWithBothPlaces() {
        let (_, diagnostics) = parse("a: 1\nb: 2\na: 3\n")
        #expect(diagnostics.map(\.description) == ["t.yaml:3:1: error: duplicate key 'a'\nt.yaml:1:1: note: 'a' first defined here"])
    }

    @Test func billionLaughsFailsFastWithoutExpanding() {
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let clock = ContinuousClock()
        var diagnostics: [Diagnostic] = []
        let elapsed = clock.measure { diagnostics = parse(text).1 }
        #expect(diagnostics.count == 10 + 81)  // every anchor and alias reported, nothing expanded
        #expect(diagnostics.allSatisfy { $0.message.contains("not supported") })
        #expect(elapsed < .seconds(5))
    }

    @Test func deepNestingIsRefused() {
        let text = String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n"
        let (root, diagnostics) = parse(text)
        #expect(root == nil)
        #expect(diagnostics.map(\.message) == ["nesting is deeper than 64 levels"])
    }

    @Test func oversizedInputIsRefused() {
        var bag = DiagnosticBag(file: "big.yaml")
        let bytes = [UInt8](repeating: UInt8(ascii: "#"), count: YAMLParser.maximumBytes + 1)
        #expect(YAMLParser(file: "big.yaml").parse(bytes, diagnostics: &bag) == nil)
        #expect(bag.sorted.map(\.description) == ["big.yaml:1:1: error: file is \(YAMLParser.maximumBytes + 1) bytes; the limit is \(YAMLParser.maximumBytes) bytes"])
    }

    @Test func invalidUTF8IsLocated() {
        var bag = DiagnosticBag(file: "t.yaml")
        let bytes = Array("a: 1\nb: x".utf8) + [0xc3, 0x28] + Array("\n".utf8)
        #expect(YAMLParser(file: "t.yaml").parse(bytes, diagnostics: &bag) == nil)
        #expect(bag.sorted.map(\.description) == ["t.yaml:2:5: error: file is not valid UTF-8 (byte 0xc3)"])
    }

    @Test func surrogatesAndOverlongFormsAreNotUTF8() {
        for bad: [UInt8] in [[0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80]] {
            var bag = DiagnosticBag(file: "t.yaml")
            #expect(YAMLParser(file: "t.yaml").parse(Array("a: ".utf8) + bad, diagnostics: &bag) == nil)
            #expect(bag.sorted.first?.message.hasPrefix("file is not valid UTF-8") == true)
        }
    }

    @Test func emptyAndNullDocumentsAreRefused() {
        #expect(parse("").1.map(\.description) == ["t.yaml:1:1: error: the file is empty: expected a YAML mapping"])
        #expect(parse("---\n...\n").1.map(\.message) == ["the document is empty: expected a YAML mapping"])
    }

    @Test func tabsInIndentationAreLocated() {
        let diagnostics = parse("a:\n\tb: 1\n").1
        #expect(diagnostics.count == 1)
        #expect(diagnostics[0].location?.line == 2)
        #expect(diagnostics[0].message.contains("tabs cannot be used for indentation"))
    }

    @Test func nonScalarKeysAreRefused() {
        let diagnostics = parse("? [a, b]\n: 1\n").1
        #expect(diagnostics.map(\.message) == ["mapping keys must be plain strings, found a list"])
    }
}
