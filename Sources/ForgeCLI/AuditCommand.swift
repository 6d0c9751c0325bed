import ArgumentParser
import CUDACompatibility
import DeviceCode
import Foundation
import Lock
import LockReading
import Planner
import Spec

/// Output formats of `audit`.
enum AuditFormat: String, CaseIterable, ExpressibleByArgument {
    case table, json
}

/// `sglang-forge audit FILE…` / `audit [SPEC]`: the CUDA device code of files, or the coverage of
/// every GPU target of a spec by the device code its lock records.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read the CUDA device code of ELF files, cubins, fatbins and wheels, or check a spec's GPU targets against its lock.",
        discussion: """
            With files (shared objects, .cubin, .fatbin, .whl): every SASS and PTX target, entry \
            kernels per target, compressed entries and the CUDA runtime each ELF links. With a \
            spec (default specs/main.yaml): for every GPU target the matrix builds and each \
            pre-built component whose device code the lock records (`lock --device-code`), \
            whether it ships native code, only PTX, or nothing (docs/audit.md).
            """
    )

    @Argument(help: ArgumentHelp("Files to read, or one spec (.yaml).", valueName: "path"))
    var paths: [String] = []

    @Option(name: .customLong("lock"), help: ArgumentHelp("The lock file of the spec (default: next to it).", valueName: "path"))
    var lockPath: String?

    @Option(help: ArgumentHelp("Output format: table, json.", valueName: "format"))
    var format: AuditFormat = .table

    @Flag(help: "Do not count entry kernels (reads only fatbin entry headers).")
    var noKernels = false

    func run() throws {
        if paths.isEmpty || (paths.count == 1 && (paths[0].hasSuffix(".yaml") || paths[0].hasSuffix(".yml"))) {
            try auditSpec(paths.first ?? "specs/main.yaml")
            return
        }
        let reader = DeviceCodeReader(countKernels: !noKernels)
        var files: [DeviceCodeFile] = []
        var failed = false
        for path in paths {
            do { files += try reader.read(path: path) } catch {
                StandardError.write("\(error.path): error: \(error.problem)\n")
                failed = true
            }
        }
        print(format == .json ? AuditRendering.json(files) : AuditRendering.table(files), terminator: "")
        if failed { throw ForgeExitCode.ioFailure }
    }

    private func auditSpec(_ specPath: String) throws {
        let (spec, loadDiagnostics) = SpecLoader.load(path: specPath)
        guard let spec else {
            Pipeline.report(loadDiagnostics, file: specPath)
            throw ForgeExitCode.invalidInput
        }
        let lockFile = lockPath ?? LockLocation.defaultPath(forSpec: specPath)
        let lock: LockFile
        switch LockReader.readLock(at: lockFile, for: spec, detail: .withoutClosureRequirements) {
        case .success(let value): lock = value
        case .failure(let problem):
            Pipeline.report(loadDiagnostics + [Diagnostic(.error, problem.message(spec: specPath), file: lockFile, at: nil)], file: specPath)
            throw ForgeExitCode.invalidInput
        }
        let (plan, diagnostics) = Planner.plan(spec, lock: lock)
        Pipeline.report(loadDiagnostics + diagnostics, file: specPath)
        let variants = plan?.variants.map(\.gpu) ?? spec.matrix.gpus.map(\.value)
        var seen = Set<String>()
        let built = variants.filter { seen.insert($0).inserted }
        let waived = DeviceCodeCoverage.waivers(of: spec)
        struct Row: Encodable { var gpu, capability, component, coverage: String; var target: String?; var waived: String? }
        var rows: [Row] = []
        for name in built {
            guard let gpu = spec.gpus.first(where: { $0.name.value == name }) else { continue }
            for cell in DeviceCodeCoverage.cells(capabilities: gpu.capabilities.map(\.value), lock: lock) {
                var target: String?
                switch cell.coverage {
                case .native(let t), .jit(let t): target = t.description
                case .none: target = nil
                }
                rows.append(Row(gpu: name, capability: cell.capability.description, component: cell.component, coverage: cell.coverage.word,
                                target: target, waived: cell.coverage == .none ? waived[cell.component]?[name] : nil))
            }
        }
        let unaudited = lock.artifacts.filter { $0.deviceCode == nil }.map(\.component)
        let noCode = lock.artifacts.filter { $0.deviceCode?.targets.isEmpty == true }.map(\.component)
        if format == .json {
            struct Payload: Encodable { var coverage: [Row]; var withoutDeviceCode: [String]; var notAudited: [String] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Payload(coverage: rows, withoutDeviceCode: noCode, notAudited: unaudited)), as: UTF8.self))
        } else {
            let components = Array(Set(rows.map(\.component))).sorted()
            var table = [["GPU", "CC"] + components]
            var keys: [(String, String)] = []
            for r in rows where !keys.contains(where: { $0 == (r.gpu, r.capability) }) { keys.append((r.gpu, r.capability)) }
            for (gpu, cc) in keys {
                table.append([gpu, cc] + components.map { c in
                    guard let r = rows.first(where: { $0.gpu == gpu && $0.capability == cc && $0.component == c }) else { return "" }
                    let base = r.coverage == "none" ? "none" : "\(r.coverage) \(r.target ?? "")"
                    return r.waived != nil ? base + " (waived)" : base
                })
            }
            let widths = (0..<table[0].count).map { c in table.map { $0[c].count }.max() ?? 0 }
            for row in table {
                print(row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                    .trimmingCharacters(in: .whitespaces))
            }
            if !noCode.isEmpty { print("no device code: \(noCode.joined(separator: ", "))") }
            if !unaudited.isEmpty { print("not audited (run `sglang-forge lock --device-code`): \(unaudited.joined(separator: ", "))") }
        }
        if diagnostics.contains(where: { $0.severity == .error }) { throw ForgeExitCode.invalidInput }
    }
}
