import Foundation
import Packaging
import Testing

/// `runtime.python`'s one parser.
@Suite struct PythonVersionTests {
    @Test(arguments: [("3.12", 3, 12), ("3.8", 3, 8), ("3.0", 3, 0), ("10.1000", 10, 1000)])
    func canonicalFormsParseAndPrintBack(text: String, major: Int, minor: Int) {
        let version = PythonVersion(text)
        #expect(version == PythonVersion(major: major, minor: minor))
        #expect(version?.description == text)
    }

    @Test(arguments: ["3", "3.12.1", "3.012", "03.12", "3.", ".12", "py3.12", "3.12 ", "-3.12", "3.+1", "3.12345", ""])
    func otherFormsAreRefused(text: String) {
        #expect(PythonVersion(text) == nil)
    }

    @Test func tagsReleasesAndOrder() {
        let v = PythonVersion(major: 3, minor: 12)
        #expect(v.compact == "312")
        #expect(v.includes("3.12") && v.includes("3.12.8"))
        #expect(!v.includes("3.1") && !v.includes("3.120") && !v.includes("3.13.0"))
        #expect(PythonVersion(major: 3, minor: 9) < v)
    }

    @Test func jsonIsTheText() throws {
        let data = try JSONEncoder().encode([PythonVersion(major: 3, minor: 12)])
        #expect(String(decoding: data, as: UTF8.self) == #"["3.12"]"#)
        #expect(try JSONDecoder().decode([PythonVersion].self, from: data) == [PythonVersion(major: 3, minor: 12)])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([PythonVersion].self, from: Data(#"["3.012"]"#.utf8)) }
    }
}
