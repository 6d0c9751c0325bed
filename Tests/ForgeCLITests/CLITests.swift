import ForgeTestSupport
import Foundation
import Testing

/// The `sglang-forge` executable as a user runs it: output streams and exit codes.
@Suite struct CLITests {
    func forge(_ arguments: String...) throws -> Command.Result {
        try Command.run([Repository.executable("sglang-forge").path] + arguments, in: Repository.root)
    }

    @Test func planOfTheMainSpecSucceeds() throws {
        let result = try forge("plan", "specs/main.yaml")
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(result.stdout.contains("14 variants"))
        let defaultSpec = try forge("plan")
        #expect(defaultSpec.stdout == result.stdout)
    }

    @Test func formatsAndVariantFilter() throws {
        let json = try forge("plan", "--format", "json", "--variant", "*-sm80-*")
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["variants"] as? [Any])?.count == 2)
        let dot = try forge("plan", "--format", "dot")
        #expect(dot.stdout.hasPrefix("digraph \"sglang-plan\" {"))
    }

    @Test func badSpecExitsOneWithLocatedErrors() throws {
        let result = try forge("validate", "Tests/Fixtures/bad/unknown-gpu.yaml")
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == """
            Tests/Fixtures/bad/unknown-gpu.yaml:40:16: error: unknown GPU target 'sm12'; did you mean 'sm120'?
            Tests/Fixtures/bad/unknown-gpu.yaml: 1 error

            """)
    }

    @Test func missingSpecExitsTwo() throws {
        let result = try forge("plan", "no/such/spec.yaml")
        #expect(result.status == 2)
        #expect(result.stderr == "no/such/spec.yaml: error: cannot read spec: no such file\n")
    }

    @Test func usageErrorsExit64() throws {
        #expect(try forge("plan", "--format", "yaml").status == 64)
        let noMatch = try forge("plan", "--variant", "*-sm99-*")
        #expect(noMatch.status == 64)
        #expect(noMatch.stderr.hasPrefix("error: no variant matches '*-sm99-*'; variants are:\n"))
    }

    @Test func validatePrintsASummary() throws {
        let result = try forge("validate")
        #expect(result.status == 0)
        #expect(result.stderr == "specs/main.yaml: ok, 14 variants\n")
    }
}
