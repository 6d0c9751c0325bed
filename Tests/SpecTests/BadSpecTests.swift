import ForgeTestSupport
import Foundation
import Planner
import Spec
import Testing

/// Every fixture in `Fixtures/bad` is a small spec with one mistake; `NAME.expected` holds the
/// exact diagnostics (`file:line:col: severity: message`) it must produce — no more, no fewer.
@Suite struct BadSpecTests {
    static let directory = Fixtures.root.appendingPathComponent("bad")
    static let names: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()

    /// Loads and plans a spec held in memory, as `sglang-forge validate` would.
    static func diagnostics(of bytes: [UInt8], path: String) -> [Diagnostic] {
        let (spec, loadDiagnostics) = SpecLoader.decode(bytes, path: path)
        guard let spec else { return loadDiagnostics }
        return loadDiagnostics + Planner.plan(spec).diagnostics
    }

    @Test func thereAreEnoughFixtures() {
        #expect(Self.names.count >= 25)
    }

    @Test(arguments: names)
    func fixture(_ name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent("\(name).yaml")))
        let actual = Self.diagnostics(of: bytes, path: "\(name).yaml").map(\.description).joined(separator: "\n") + "\n"
        let expectedURL = Self.directory.appendingPathComponent("\(name).expected")
        if ProcessInfo.processInfo.environment["SGLANG_FORGE_REGENERATE_GOLDENS"] == "1" {
            try Data(actual.utf8).write(to: expectedURL)
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(actual.contains(": error: "), "a bad fixture must produce at least one error")
        if actual != expected {
            Issue.record("diagnostics of \(name).yaml differ:\n\(Golden.diff(expected, actual))")
        }
    }

    @Test func minimalSpecIsValid() throws {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.root.appendingPathComponent("specs/minimal.yaml")))
        #expect(Self.diagnostics(of: bytes, path: "minimal.yaml").isEmpty)
    }
}
