import ArgumentParser
import Foundation
import HostProbe
import Lock
import LockReading
import Planner
import Selection
import Spec

/// Output formats of `select` and `verify`.
enum ReportFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json
}

/// `sglang-forge select [SPEC]`: the variant that fits this host, and why every other does not.
struct SelectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "select",
        abstract: "Probe this host (NVIDIA driver and GPUs, CPU features, glibc) and print the variant that fits it best.",
        discussion: "Exit codes: 0 a variant fits; 4 no NVIDIA GPU or driver found; 5 no variant fits (every reason is printed)."
    )

    @OptionGroup var options: SpecOptions

    @Option(help: ArgumentHelp("Output format: text, json.", valueName: "format"))
    var format: ReportFormat = .text

    @Option(help: ArgumentHelp("Read the host facts from this JSON file instead of probing (the shape `--format json` prints under 'host').", valueName: "file"))
    var hostFacts: String?

    func run() throws {
        guard let plan = try Pipeline.plan(options: options) else { throw ForgeExitCode.invalidInput }
        let spec = SpecLoader.load(path: options.spec).0
        let lock = spec.flatMap { try? LockReader.readLock(at: options.resolvedLockPath, for: $0, detail: .withoutClosureRequirements).get() }
        let host: HostFacts
        if let hostFacts {
            guard let data = FileManager.default.contents(atPath: hostFacts), let facts = try? JSONDecoder().decode(HostFacts.self, from: data) else {
                StandardError.write("\(hostFacts): error: cannot read host facts\n")
                throw ForgeExitCode.ioFailure
            }
            host = facts
        } else {
            host = HostProbe.probe()
        }
        let outcome = VariantSelector(plan: plan, lock: lock, waivers: spec.map(DeviceCodeCoverage.waivers) ?? [:]).select(on: host)
        if format == .json {
            struct Verdict: Encodable { var variant: String; var fits: Bool; var reasons: [String]; var warnings: [String] }
            struct Payload: Encodable { var host: HostFacts; var best: String?; var variants: [Verdict] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let payload = Payload(host: host, best: outcome.best, variants: outcome.verdicts.map { Verdict(variant: $0.variant, fits: $0.fits, reasons: $0.reasons, warnings: $0.warnings) })
            print(String(decoding: try encoder.encode(payload), as: UTF8.self))
        } else {
            var text = "host: driver \(host.driver?.description ?? "none")"
            text += host.gpus.isEmpty ? ", no GPU" : ", " + host.gpus.map { "GPU \($0.index) \($0.name) (compute capability \($0.capability))" }.joined(separator: ", ")
            text += " [\(host.gpuSource.rawValue)], glibc \(host.glibc ?? "unknown"), \(host.cpuFeatures.count) CPU flags\n"
            for p in host.problems { text += "  probe: \(p)\n" }
            text += "best: \(outcome.best ?? "none")\n"
            for v in outcome.verdicts {
                text += "\(v.fits ? "fits" : "no  ")  \(v.variant)\n"
                for r in v.reasons { text += "        - \(r)\n" }
                for w in v.warnings { text += "        ! \(w)\n" }
            }
            print(text, terminator: "")
        }
        if host.gpus.isEmpty || host.driver == nil { throw ExitCode(4) }
        if outcome.best == nil { throw ExitCode(5) }
    }
}
