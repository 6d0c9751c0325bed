import ArgumentParser
import CUDACompatibility
import Foundation
import HostProbe
import Packaging
import Verify

/// `sglang-forge verify PREFIX`: an installed runtime against its runtime manifest.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an installed runtime against its runtime.json: distributions, versions, RECORD hashes, torch's device code, the host.",
        discussion: "Exit codes: 0 no difference; 6 differences (each printed); 2 the manifest or the environment cannot be read."
    )

    @Argument(help: ArgumentHelp("The installation prefix (or a site-packages directory).", valueName: "prefix"))
    var prefix: String

    @Option(help: ArgumentHelp("The runtime manifest (default: PREFIX/share/sglang-forge/runtime.json).", valueName: "file"))
    var manifest: String?

    @Option(help: ArgumentHelp("The variant the installation must be (checked against the manifest).", valueName: "name"))
    var variant: String?

    @Option(help: ArgumentHelp("A hashed Python closure (uv pip compile output) to check the other distributions against instead of the manifest's.", valueName: "file"))
    var closure: String?

    @Flag(help: "Compare RECORD sizes only, do not hash files.")
    var noHashes = false

    @Flag(help: "Do not probe the host's driver, GPUs and glibc.")
    var noHost = false

    @Option(help: ArgumentHelp("Output format: text, json.", valueName: "format"))
    var format: ReportFormat = .text

    func run() throws {
        let prefixURL = URL(fileURLWithPath: prefix)
        let manifestPath = manifest ?? prefixURL.appendingPathComponent("share/sglang-forge/runtime.json").path
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            StandardError.write("\(manifestPath): error: cannot read the runtime manifest (pass --manifest)\n")
            throw ForgeExitCode.ioFailure
        }
        let runtime: RuntimeManifest
        let environment: InstalledEnvironment
        do {
            runtime = try RuntimeManifest.decode(data, path: manifestPath)
            environment = try InstalledEnvironment.scan(prefix: prefixURL)
        } catch {
            StandardError.write("error: \(error.message)\n")
            throw ForgeExitCode.ioFailure
        }
        var pins: [String: String]?
        if let closure {
            guard let text = try? String(contentsOfFile: closure, encoding: .utf8) else {
                StandardError.write("\(closure): error: cannot read the closure\n")
                throw ForgeExitCode.ioFailure
            }
            pins = ClosurePins.parse(text)
        }
        var report = Verifier(manifest: runtime, environment: environment, closure: pins, checkHashes: !noHashes).run()
        if let variant, variant != runtime.variant.name {
            report.differences.insert(.host("the manifest is for variant '\(runtime.variant.name)', not '\(variant)'"), at: 0)
        }
        var host: HostFacts?
        if !noHost {
            let facts = HostProbe.probe()
            host = facts
            report.differences += HostFit.differences(facts, manifest: runtime)
        }
        if format == .json {
            struct Item: Encodable { var kind: String; var message: String }
            struct Payload: Encodable {
                var variant: String; var sitePackages: [String]; var distributions: Int; var filesChecked: Int
                var torchDeviceCode: [String]?; var host: HostFacts?; var differences: [Item]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Payload(
                variant: runtime.variant.name, sitePackages: environment.sitePackages.map(\.path), distributions: report.distributions,
                filesChecked: report.filesChecked, torchDeviceCode: report.torchTargets?.map(\.description), host: host,
                differences: report.differences.map { Item(kind: $0.kind, message: $0.description) })), as: UTF8.self))
        } else {
            var text = "\(prefix): variant \(runtime.variant.name); \(report.distributions) distributions in \(environment.sitePackages.map(\.path).joined(separator: ", ")); \(report.filesChecked) RECORD files \(noHashes ? "size-checked" : "hashed")\n"
            if let t = report.torchTargets { text += "torch/lib/libtorch_cuda.so: \(t.map(\.description).joined(separator: " "))\n" }
            for d in report.differences { text += "difference: \(d)\n" }
            text += "\(report.differences.count) difference\(report.differences.count == 1 ? "" : "s")\n"
            print(text, terminator: "")
        }
        if !report.differences.isEmpty { throw ExitCode(6) }
    }
}

/// Exact pins `name==version` of a requirements file (uv `pip compile` output), by PEP 503 name.
enum ClosurePins {
    static func parse(_ text: String) -> [String: String] {
        var pins: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let first = line.first, first.isLetter || first.isNumber, let range = line.range(of: "==") else { continue }
            let name = line[..<range.lowerBound].split(separator: "[").first.map(String.init) ?? ""
            let version = line[range.upperBound...].prefix { !$0.isWhitespace && $0 != ";" && $0 != "\\" }
            pins[InstalledEnvironment.normalize(name.trimmingCharacters(in: .whitespaces))] = String(version)
        }
        return pins
    }
}

/// The host against a manifest: driver at least `minimumDriver`, every GPU served by the
/// variant's SASS, glibc at least `minimumGlibc`.
enum HostFit {
    static func differences(_ host: HostFacts, manifest: RuntimeManifest) -> [Difference] {
        var result: [Difference] = []
        if host.gpus.isEmpty { result.append(.host("no NVIDIA GPU found (\(host.problems.joined(separator: "; ")))")) }
        if let minimum = DriverVersion(manifest.cuda.minDriver), let driver = host.driver, driver < minimum {
            result.append(.host("driver \(driver) is older than the manifest's minimum \(minimum)"))
        }
        let sass = manifest.capabilities.compactMap(ComputeCapability.init).map { DeviceCodeTarget(.sass, GPUArchitecture(major: $0.major, minor: $0.minor)) }
        for gpu in host.gpus where CompatibilityRules.coverage(of: sass, on: gpu.capability) == .none {
            result.append(.host("GPU \(gpu.index) \(gpu.name) has compute capability \(gpu.capability); the variant is built for \(manifest.capabilities.joined(separator: ", "))"))
        }
        if let need = manifest.glibc?.minimum, let have = host.glibc, let haveVersion = GlibcVersion(have), haveVersion < need {
            result.append(.host("glibc \(have) is older than the manifest's minimum \(need)"))
        }
        return result
    }
}
