import ForgeTestSupport
import Foundation
import Hashes
import Packaging
import Planner
import Spec
import Testing

/// The typed values of the plan boundary: their text forms, and the errors for text that is not one.
@Suite struct PlanBoundaryTests {
    // MARK: SpecLocation

    @Test(arguments: [("12:3", 12, 3), ("1:1", 1, 1), ("1048576:200", 1_048_576, 200)])
    func specLocationsParseAndPrintBack(text: String, line: Int, column: Int) throws {
        let location = try SpecLocation(parsing: text)
        #expect(location == SpecLocation(line: line, column: column))
        #expect(location.description == text)
        let source = location.sourceLocation
        #expect(source.line == line && source.column == column && source.offset == 0)
    }

    @Test(arguments: [
        ("12", SpecLocationError.notLineColumn("12")),
        ("", .notLineColumn("")),
        ("12:3:4", .notLineColumn("12:3:4")),
        ("12:", .notPositive("12:")),
        (":3", .notPositive(":3")),
        ("0:3", .notPositive("0:3")),
        ("12:0", .notPositive("12:0")),
        ("-1:3", .notPositive("-1:3")),
        ("+1:3", .notPositive("+1:3")),
        ("a:3", .notPositive("a:3")),
        ("1 :3", .notPositive("1 :3")),
        ("١٢:3", .notPositive("١٢:3")),
    ])
    func malformedSpecLocationsAreRefused(text: String, expected: SpecLocationError) {
        #expect(throws: expected) { try SpecLocation(parsing: text) }
    }

    @Test func specLocationErrorMessages() {
        #expect(SpecLocationError.notLineColumn("12").description == "spec location '12' is not 'line:column'")
        #expect(SpecLocationError.notPositive("0:3").description == "spec location '0:3' must have a positive decimal line and column")
    }

    // MARK: PlanNodeID

    @Test(arguments: [
        ("component:sglang", PlanNodeID.component("sglang")),
        ("library:cuda_nvrtc", .library("cuda_nvrtc")),
        ("python:typing-extensions", .python("typing-extensions")),
        ("python:a:b", .python("a:b")),
    ])
    func nodeIDsParseAndPrintBack(text: String, expected: PlanNodeID) throws {
        let id = try PlanNodeID(parsing: text)
        #expect(id == expected)
        #expect(id.description == text)
    }

    @Test(arguments: [
        ("componentsglang", PlanNodeIDError.noKind("componentsglang")),
        ("", .noKind("")),
        ("package:sglang", .unknownKind("package:sglang", kind: "package")),
        (":sglang", .unknownKind(":sglang", kind: "")),
        ("Component:sglang", .unknownKind("Component:sglang", kind: "Component")),
        ("component:", .emptyName("component:")),
    ])
    func malformedNodeIDsAreRefused(text: String, expected: PlanNodeIDError) {
        #expect(throws: expected) { try PlanNodeID(parsing: text) }
    }

    @Test func nodeIDErrorMessages() {
        #expect(PlanNodeIDError.noKind("x").description == "graph node id 'x' is not '<kind>:<name>'")
        #expect(PlanNodeIDError.unknownKind("package:x", kind: "package").description
            == "graph node id 'package:x': unknown graph node kind 'package'; expected one of: component, library, python")
        #expect(PlanNodeIDError.emptyName("library:").description == "graph node id 'library:' has an empty name")
    }

    // MARK: decoding errors name the field and the value

    /// The main plan's JSON with the first occurrence of `old` replaced by `new`.
    static func mainJSON(replacing old: String, with new: String) throws -> Data {
        let json = try PlanGoldenTests.mainPlan().rendered(as: .json)
        let range = try #require(json.range(of: old), "'\(old)' is not in the plan")
        return Data(json.replacingCharacters(in: range, with: new).utf8)
    }

    /// The one-line message of decoding `json` as a plan (nil when it decodes).
    static func decodingMessage(_ json: Data) -> String? {
        do {
            _ = try JSONDecoder().decode(BuildPlan.self, from: json)
            return nil
        } catch {
            return PlanDecodingError(error).description
        }
    }

    @Test func unknownEnumValuesAreClearErrors() throws {
        // (JSON text, its replacement, the array the value is in, the message after its index)
        let cases: [(String, String, String, String)] = [
            (#""kind" : "wheel""#, #""kind" : "egg""#, "components[", "].kind: unknown component kind 'egg'; expected one of: wheel, source"),
            (#""requiresDist" : "keep""#, #""requiresDist" : "drop""#, "components[", "].requiresDist: unknown requires-dist policy 'drop'; expected one of: keep, strip"),
            (#""provider" : "cuda""#, #""provider" : "rocm""#, "systemLibraries[", "].provider: unknown system library provider 'rocm'; expected one of: cuda, driver, system"),
            (#""kind" : "component""#, #""kind" : "package""#, "graph[", "].kind: unknown graph node kind 'package'; expected one of: component, library, python"),
        ]
        for (old, new, array, expected) in cases {
            let message = try #require(Self.decodingMessage(try Self.mainJSON(replacing: old, with: new)), "\(new) decoded")
            #expect(message.hasPrefix(array) && message.hasSuffix(expected), "\(message)")
        }
    }

    @Test func malformedStringFormsAreClearErrors() throws {
        let plan = try PlanGoldenTests.mainPlan()
        let first = try #require(plan.components.first)
        let cases: [(String, String, String)] = [
            (#""declaredAt" : "\#(first.declaredAt)""#, #""declaredAt" : "12""#, "spec location '12' is not 'line:column'"),
            (#""id" : "component:"#, #""id" : "module:"#, "graph node id 'module:"),
            (#""version" : "3.12""#, #""version" : "3.012""#, "runtime.python.version: Python version '3.012' is not 'major.minor' such as '3.12'"),
            (#""minDriver" : "550""#, #""minDriver" : "r550""#, "runtime.cuda.minDriver: driver version 'r550' is not dot-separated numbers"),
            (#""target" : "2.35""#, #""target" : "2.035""#, "runtime.glibc.target: glibc version '2.035' is not 'major.minor' such as '2.28'"),
        ]
        for (old, new, expected) in cases {
            let message = try #require(Self.decodingMessage(try Self.mainJSON(replacing: old, with: new)), "\(new) decoded")
            #expect(message.contains(expected), "\(message)")
        }
    }

    @Test func theTwoFormsOfOneDigestMustAgree() throws {
        let plan = try PlanGoldenTests.mainPlan()
        let artifact = try #require(plan.components.compactMap(\.artifact).first)
        let other = String(repeating: "0", count: 64)
        let message = try #require(Self.decodingMessage(try Self.mainJSON(replacing: artifact.digest.hex, with: other)))
        #expect(message.hasSuffix("hashHex: '\(other)' is not the hex form of \(artifact.digest.sri) (\(artifact.digest.hex))"), "\(message)")
        let notSRI = try #require(Self.decodingMessage(try Self.mainJSON(replacing: artifact.digest.sri, with: "sha256:" + artifact.digest.hex)))
        #expect(notSRI.hasSuffix("hash: 'sha256:\(artifact.digest.hex)' is not an SRI hash ('sha256-<base64>')"), "\(notSRI)")
    }

    @Test func malformedNarHashesAreClearErrors() throws {
        let narHash = try #require(try PlanGoldenTests.mainPlan().nixpkgs.narHash)
        let old = #""narHash" : "\#(narHash.sri)""#
        let cases: [(String, String)] = [
            ("sha256:\(narHash.hex)", "nixpkgs.narHash: 'sha256:\(narHash.hex)' is not an SRI hash ('sha256-<base64>')"),
            ("sha256-abc", "nixpkgs.narHash: hash 'sha256-abc' has the wrong length: expected 44 base64 characters after 'sha256-'"),
            ("md5-abc", "nixpkgs.narHash: unsupported hash algorithm 'md5'; use one of: sha256, sha512"),
            ("0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMQ=", "nixpkgs.narHash: hash '0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMQ=' names no algorithm"),
        ]
        for (new, expected) in cases {
            let message = try #require(Self.decodingMessage(try Self.mainJSON(replacing: old, with: #""narHash" : "\#(new)""#)), "\(new) decoded")
            #expect(message.hasPrefix(expected), "\(message)")
        }
    }

    @Test func malformedImageDigestsAreClearErrors() throws {
        let container = try #require(try PlanGoldenTests.mainPlan().container)
        let base = try #require(container.baseDigest), builder = try #require(container.builder?.digest)
        let upper = "sha256:" + base.hex.uppercased()
        let cases: [(String, String, String)] = [
            (#""baseDigest" : "\#(base.prefixedHex)""#, #""baseDigest" : "\#(base.sri)""#,
             "container.baseDigest: '\(base.sri)' is not an OCI image digest 'sha256:<64 hex>': hash '\(base.sri)' names no algorithm"),
            (#""baseDigest" : "\#(base.prefixedHex)""#, #""baseDigest" : "\#(upper)""#,
             "container.baseDigest: '\(upper)' is not an OCI image digest 'sha256:<64 hex>': hash '\(upper)' is not a canonical encoding"),
            (#""baseDigest" : "\#(base.prefixedHex)""#, #""baseDigest" : "sha256:\#(base.nixBase32)""#,
             "container.baseDigest: 'sha256:\(base.nixBase32)' is not an OCI image digest 'sha256:<64 hex>': hash 'sha256:\(base.nixBase32)' has the wrong length: expected 64 lowercase hex characters after 'sha256:'"),
            (#""digest" : "\#(builder.prefixedHex)""#, #""digest" : "sha512:\#(builder.hex + builder.hex)""#,
             "container.builder.digest: an image digest must be sha256, found sha512"),
        ]
        for (old, new, expected) in cases {
            let message = try #require(Self.decodingMessage(try Self.mainJSON(replacing: old, with: new)), "\(new) decoded")
            #expect(message.hasPrefix(expected), "\(message)")
        }
    }

    @Test func malformedClosureHashesAndGlibcVersionsAreClearErrors() throws {
        /// The message of decoding a closure package whose second hash is `bad` (the first is fine).
        func closureMessage(_ bad: String) -> String? {
            let good = String(repeating: "ab", count: 32)
            let json = #"{"normalizedName": "numpy", "version": "2.1.0", "sha256": ["\#(good)", "\#(bad)"]}"#
            do { _ = try JSONDecoder().decode(PlannedPythonPackage.self, from: Data(json.utf8)); return nil } catch { return PlanDecodingError(error).description }
        }
        let upper = String(repeating: "AB", count: 32)
        #expect(closureMessage(upper) == "sha256[1]: hash '\(upper)' is not a canonical encoding (lowercase hex, Nix base-32 or padded base64 with zero padding bits)")
        #expect(closureMessage("abc") == "sha256[1]: hash 'abc' has the wrong length: expected 64 lowercase hex characters for sha256")
        #expect(closureMessage(String(repeating: "cd", count: 32)) == nil)
        let glibc = try #require(Self.decodingMessage(try Self.mainJSON(replacing: #""requiresGlibc" : "2.28""#, with: #""requiresGlibc" : "2.28.1""#)))
        #expect(glibc.hasPrefix("components[") && glibc.hasSuffix("].artifact.requiresGlibc: glibc version '2.28.1' is not 'major.minor' such as '2.28'"), "\(glibc)")
    }

    @Test func anUnknownArtifactOriginIsAClearError() throws {
        let data = Data(#"{"url": "https://x/a.whl", "hash": "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "hashHex": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "filename": "a.whl", "declaredAt": "3:5", "origin": "mirror"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PlannedArtifact.self, from: data) }
        do { _ = try JSONDecoder().decode(PlannedArtifact.self, from: data) } catch {
            #expect(PlanDecodingError(error).description == "origin: unknown artifact origin 'mirror'; expected one of: index, url")
        }
    }
}
