import BackendTestSupport
import Foundation
import Hashes
import Planner
import Testing

/// `plan --format json` and back: the typed plan decodes from its own JSON to an equal plan, and
/// re-encodes to the same bytes, for the real spec and every fixture spec (with the lock's or the
/// fixtures' closures and build requirements attached, so every plan type is exercised).
@Suite struct PlanJSONRoundTripTests {
    static let specs = ["specs/main.yaml", "Tests/Fixtures/specs/minimal.yaml", "Tests/Fixtures/specs/pinned.yaml", "Tests/Fixtures/tarball/spec.yaml"]

    static func roundTrip(_ plan: BuildPlan) throws {
        let json = plan.rendered(as: .json)
        let decoded = try JSONDecoder().decode(BuildPlan.self, from: Data(json.utf8))
        #expect(decoded == plan)
        #expect(decoded.rendered(as: .json) == json)
    }

    @Test(arguments: specs) func fixtureSpecsRoundTrip(spec: String) throws {
        try Self.roundTrip(try PlanFixtures.plan(spec))
    }

    @Test func pinnedWithClosureAndBuildRequirementsRoundTrips() throws {
        let plan = try PlanFixtures.pinned()
        #expect(plan.pythonClosure != nil && plan.components.contains { $0.buildClosure != nil })
        try Self.roundTrip(plan)
    }

    @Test func typedDigestsAndGlibcVersionsKeepTheirJSONForms() throws {
        let plan = try PlanFixtures.plan("specs/main.yaml")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(plan.rendered(as: .json).utf8)) as? [String: Any])
        let nixpkgs = try #require(json["nixpkgs"] as? [String: Any]), container = try #require(json["container"] as? [String: Any])
        let narHash = try #require(plan.nixpkgs.narHash), base = try #require(plan.container?.baseDigest)
        let builder = try #require(plan.container?.builder?.digest)
        #expect(nixpkgs["narHash"] as? String == narHash.sri && narHash.sri.hasPrefix("sha256-"))
        #expect(container["baseDigest"] as? String == "sha256:" + base.hex)
        #expect((container["builder"] as? [String: Any])?["digest"] as? String == "sha256:" + builder.hex)
        let package = try #require(plan.pythonClosure?.packages.first)
        let packageJSON = try #require(((json["pythonClosure"] as? [String: Any])?["packages"] as? [[String: Any]])?.first)
        #expect(packageJSON["sha256"] as? [String] == package.sha256.map(\.hex) && !package.sha256.isEmpty)
        let (index, component) = try #require(plan.components.enumerated().first { $0.element.artifact?.requiresGlibc != nil })
        let artifactJSON = try #require(((json["components"] as? [[String: Any]])?[index])?["artifact"] as? [String: Any])
        #expect(artifactJSON["requiresGlibc"] as? String == component.artifact?.requiresGlibc?.description)
    }

    @Test func absentDigestsAreLeftOutAndRoundTrip() throws {
        var plan = try PlanFixtures.plan("specs/main.yaml")
        plan.nixpkgs.narHash = nil
        plan.container?.baseDigest = nil
        plan.container?.builder?.digest = nil
        plan.components = plan.components.map { c in var c = c; c.artifact?.requiresGlibc = nil; return c }
        let json = plan.rendered(as: .json)
        #expect(!json.contains("\"narHash\"") && !json.contains("\"baseDigest\"") && !json.contains("\"digest\""))
        try Self.roundTrip(plan)
    }

    @Test func theMainPlanCarriesEveryOptionalPart() throws {
        let plan = try PlanFixtures.plan("specs/main.yaml")
        #expect(plan.container?.builder != nil || plan.container != nil)
        #expect(plan.tarball?.python != nil && plan.tarball?.libraries.isEmpty == false)
        #expect(plan.pythonClosure?.packages.contains { $0.wheel != nil } == true)
        #expect(plan.components.contains { $0.artifact?.origin == .index } && plan.components.contains { $0.artifact?.origin == .url })
    }
}
