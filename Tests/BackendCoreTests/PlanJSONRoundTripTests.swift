import BackendTestSupport
import Foundation
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

    @Test func theMainPlanCarriesEveryOptionalPart() throws {
        let plan = try PlanFixtures.plan("specs/main.yaml")
        #expect(plan.container?.builder != nil || plan.container != nil)
        #expect(plan.tarball?.python != nil && plan.tarball?.libraries.isEmpty == false)
        #expect(plan.pythonClosure?.packages.contains { $0.wheel != nil } == true)
        #expect(plan.components.contains { $0.artifact?.origin == .index } && plan.components.contains { $0.artifact?.origin == .url })
    }
}
