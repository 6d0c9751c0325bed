import ArgumentParser
import Planner

extension PlanFormat: ExpressibleByArgument {}

/// `sglang-forge plan [SPEC]`: the full, checked build plan.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Resolve the spec into variants and a dependency graph, check it, and print the plan.",
        discussion: "The JSON format is a versioned contract, documented in docs/plan-schema.md."
    )

    @OptionGroup var options: SpecOptions

    @Option(help: ArgumentHelp("Output format: \(PlanFormat.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "format"))
    var format: PlanFormat = .text

    @Option(name: .customLong("variant"), help: ArgumentHelp("Only variants whose name matches this shell glob (repeatable), e.g. '*-sm90-*'.", valueName: "glob"))
    var variants: [String] = []

    func run() throws {
        guard let plan = try Pipeline.plan(options: options) else { throw ForgeExitCode.invalidInput }
        let selected = plan.filtered(variants: variants)
        if selected.variants.isEmpty {
            StandardError.write("error: no variant matches \(variants.map { "'\($0)'" }.joined(separator: ", ")); variants are:\n" + plan.variants.map { "  \($0.name)\n" }.joined())
            throw ForgeExitCode.usage
        }
        print(selected.rendered(as: format), terminator: "")
    }
}

/// `sglang-forge validate [SPEC]`: checks only.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the spec and report every problem; print nothing else on success."
    )

    @OptionGroup var options: SpecOptions

    func run() throws {
        guard let plan = try Pipeline.plan(options: options) else { throw ForgeExitCode.invalidInput }
        StandardError.write("\(options.spec): ok, \(plan.variants.count) variants\n")
    }
}
