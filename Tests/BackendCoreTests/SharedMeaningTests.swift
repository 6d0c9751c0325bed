import BackendCore
import BackendTestSupport
import Hashes
import Planner
import Testing

/// The meanings every backend shares, each with one home: environment templates, the pin check,
/// pip requirement lines.
@Suite struct SharedMeaningTests {
    @Test func environmentTemplatesParseIntoLiteralsAndPlaceholders() throws {
        let template = try EnvironmentTemplate.parse("{cuda.home}/bin:{prefix}/x y").get()
        #expect(template.pieces == [.placeholder(.cudaHome), .literal("/bin:"), .placeholder(.prefix), .literal("/x y")])
        #expect(template.render { "<\($0.rawValue)>" } == "<cuda.home>/bin:<prefix>/x y")
        #expect(template.placeholders == [.cudaHome, .prefix])
        #expect(try EnvironmentTemplate.parse("").get().pieces.isEmpty)
        #expect(try EnvironmentTemplate.parse("a\r\nb $x").get().pieces == [.literal("a\r\nb $x")])
        guard case .failure(let unknown) = EnvironmentTemplate.parse("{nope}/{cache}/{other}") else { Issue.record("accepted"); return }
        #expect(unknown.all == [.unknownPlaceholder("nope"), .unknownPlaceholder("other")])
        for unbalanced in ["{", "}", "{a{b}}", "{}", "x{cache"] {
            guard case .failure(let problems) = EnvironmentTemplate.parse(unbalanced) else { Issue.record("accepted \(unbalanced)"); continue }
            #expect(problems.all == [.unbalancedBrace])
        }
        #expect(EnvironmentPlaceholder.allCases.map(\.token) == ["{cuda.home}", "{cuda.include}", "{cuda.lib}", "{cache}", "{prefix}"])
    }

    @Test func thePinCheckRefusesUnpinnedWheelsAndOddURLs() throws {
        var plan = try PlanFixtures.pinned()
        let wheels = plan.components.indices.filter { !plan.components[$0].perVariant && plan.components[$0].artifact != nil }
        #expect(wheels.count >= 3)
        #expect(PinnedArtifacts.wheels(plan, backend: "test").problems.isEmpty)
        plan.components[wheels[0]].artifact = nil
        plan.components[wheels[1]].artifact?.url = "https://x/a b.whl"
        let (pinned, problems) = PinnedArtifacts.wheels(plan, backend: "test")
        #expect(pinned.count == wheels.count - 1)
        let names = [wheels[0], wheels[1]].map { plan.components[$0].name }
        #expect(problems.map(\.component) == names)
        #expect(problems[0].message.hasPrefix("wheel '\(names[0])' \(plan.components[wheels[0]].version) has no pinned artifact (URL and hash): the test backend never installs an unhashed wheel"))
        #expect(problems[1].message.contains("contains whitespace or a control character"))
        #expect(problems[0].declaredAt == plan.components[wheels[0]].declaredAt)
    }

    @Test func pipRequirementLines() throws {
        #expect(PipRequirement.direct("torch", url: "https://x/t.whl", digest: try Digest(algorithm: .sha256, hex: String(repeating: "ab", count: 32))) == "torch @ https://x/t.whl --hash=sha256:" + String(repeating: "ab", count: 32))
        let (a, b) = (String(repeating: "aa", count: 32), String(repeating: "bb", count: 32))
        let digests = [try Digest(algorithm: .sha256, hex: a), try Digest(algorithm: .sha256, hex: b)]
        #expect(PipRequirement.exact("numpy", version: "2.1.0", sha256: digests) == "numpy==2.1.0 --hash=sha256:\(a) --hash=sha256:\(b)")
    }
}
