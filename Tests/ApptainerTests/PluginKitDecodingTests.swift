import Foundation
import ForgeTestSupport
import PluginKit
import Testing

/// A plugin built on the kit reads the plan's JSON into the same typed plan the host has, and a
/// request carrying a value outside one of the plan's closed sets is a clear error, not a crash.
@Suite struct PluginKitDecodingTests {
    static let spec = "Tests/Fixtures/specs/pinned.yaml"

    /// What `plan --format json` prints for the pinned fixture.
    static func planJSON() throws -> String {
        let result = try Command.run([ApptainerGoldenTests.forge, "plan", "--format", "json", spec], in: Repository.root)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    @Test func theKitDecodesTheHostsPlanAndEncodesItBackByteForByte() throws {
        let json = try Self.planJSON()
        let request = try JSONDecoder().decode(PluginRequest.self, from: Data(PluginRequest.encoded(planJSON: json, options: ["layout": "x"])))
        #expect(request.plan.rendered(as: .json) == json)
        #expect(request.options == ["layout": "x"])
        #expect(request.plan.components.contains { $0.kind == .source } && request.plan.components.contains { $0.kind == .wheel })
        #expect(request.plan.graph.allSatisfy { $0.id.kind == $0.kind })
    }

    @Test func anUnknownEnumValueIsAClearErrorInProcess() throws {
        let json = try Self.planJSON().replacingOccurrences(of: #""kind" : "source""#, with: #""kind" : "egg""#)
        let bytes = PluginRequest.encoded(planJSON: json, options: [:])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PluginRequest.self, from: Data(bytes)) }
        do { _ = try JSONDecoder().decode(PluginRequest.self, from: Data(bytes)) } catch {
            let message = PlanDecodingError(error).description
            #expect(message.hasPrefix("plan.components["), "\(message)")
            #expect(message.hasSuffix("].kind: unknown component kind 'egg'; expected one of: wheel, source"), "\(message)")
        }
    }

    @Test func theApptainerPluginRefusesAnUnknownEnumValueWithExitStatus2() throws {
        let json = try Self.planJSON().replacingOccurrences(of: #""provider" : "driver""#, with: #""provider" : "rocm""#)
        let result = try Command.run([ApptainerGoldenTests.plugin], in: Repository.root, input: Data(PluginRequest.encoded(planJSON: json, options: [:])))
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let pattern = #/^apptainer: cannot read the request: plan\.systemLibraries\[\d+\]\.provider: unknown system library provider 'rocm'; expected one of: cuda, driver, system\n$/#
        #expect(result.stderr.wholeMatch(of: pattern) != nil, "\(result.stderr)")
    }
}
