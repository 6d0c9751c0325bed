import ArgumentParser
import BackendCore
import ContainerBackend
import Foundation
import Locking
import NixBackend
import Planner
import TarballBackend

/// The backends `emit` can run; the CLI argument `--backend`.
enum BackendKind: String, CaseIterable, ExpressibleByArgument {
    /// A Nix flake (`--layout flake`, default) or flox package tree (`--layout flox`).
    case nix
    /// OCI build files: Containerfile + docker-bake.hcl, or one Containerfile per variant.
    case container
    /// Per-variant recipes that stage a relocatable prefix and `pack` it into a .tar.zst.
    case tarball

    /// The backend implementation.
    var backend: any Backend {
        switch self {
        case .nix: NixBackend()
        case .container: ContainerBackend()
        case .tarball: TarballBackend()
        }
    }

}

/// `sglang-forge emit --backend KIND [SPEC] [-o DIR]`: writes a backend's build files.
struct EmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emit",
        abstract: "Write the build files of one backend for the spec.",
        discussion: """
            The output directory is replaced atomically (built next to it, then renamed). Generated \
            files a person edited are not overwritten without --force; files sglang-forge did not \
            generate are kept.
            """
    )

    @Option(help: ArgumentHelp("The backend: \(BackendKind.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "backend"))
    var backend: BackendKind

    @OptionGroup var options: SpecOptions

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Output directory (default: generated/<backend>).", valueName: "dir"))
    var output: String?

    @Option(help: ArgumentHelp("Backend layout (nix: flake or flox; container: bake or per-variant).", valueName: "layout"))
    var layout: String?

    @Flag(help: "Container backend: one self-contained Containerfile per variant (same as --layout per-variant).")
    var perVariant = false

    @Option(name: .customLong("variant"), help: ArgumentHelp("Only variants whose name matches this shell glob (repeatable).", valueName: "glob"))
    var variants: [String] = []

    @Option(name: .customLong("python-closure"), help: ArgumentHelp("""
        Container backend: a requirements file with the runtime Python package set at exact versions with \
        hashes (`name==version --hash=sha256:…`, e.g. from `uv pip compile --generate-hashes`), used until \
        `sglang-forge lock` records the closure.
        """, valueName: "file"))
    var pythonClosure: String?

    @Option(name: .customLong("build-requirements"), help: ArgumentHelp("""
        Container backend: COMPONENT=FILE, a source component's build requirements at exact versions with \
        hashes (as `sglang-forge lock` writes them), replacing the lock's (repeatable).
        """, valueName: "component=file"))
    var buildRequirements: [String] = []

    @Flag(help: "Overwrite generated files a person edited, and write into a directory sglang-forge did not create.")
    var force = false

    @Flag(help: "List what would be created, updated or removed, and write nothing.")
    var dryRun = false

    func validate() throws {
        let implementation = backend.backend
        let layouts = type(of: implementation).layouts
        if let layout, !layouts.contains(layout) {
            throw ValidationError("backend '\(backend.rawValue)' has no layout '\(layout)'; layouts: \(layouts.joined(separator: ", "))")
        }
        if perVariant && !layouts.contains("per-variant") {
            throw ValidationError("--per-variant applies to the container backend only")
        }
        if perVariant, let layout, layout != "per-variant" {
            throw ValidationError("--per-variant contradicts --layout \(layout)")
        }
    }

    func run() throws {
        let implementation = backend.backend
        guard let plan = try Pipeline.plan(options: options) else { throw ForgeExitCode.invalidInput }
        var selected = plan.filtered(variants: variants)
        if let pythonClosure {
            let (read, diagnostics) = PythonClosureReader.read(path: pythonClosure)
            Pipeline.report(diagnostics, file: pythonClosure)
            guard let closure = read else { throw ForgeExitCode.invalidInput }
            selected.pythonClosure = closure
        }
        for option in buildRequirements {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let index = selected.components.firstIndex(where: { $0.name == parts[0] && $0.perVariant }) else {
                StandardError.write("error: --build-requirements \(option): expected SOURCE-COMPONENT=FILE naming a source component of the spec\n")
                throw ForgeExitCode.usage
            }
            let (read, diagnostics) = PythonClosureReader.read(path: parts[1])
            Pipeline.report(diagnostics, file: parts[1])
            guard let closure = read else { throw ForgeExitCode.invalidInput }
            selected.components[index].buildClosure = closure
        }
        if selected.variants.isEmpty {
            StandardError.write("error: no variant matches \(variants.map { "'\($0)'" }.joined(separator: ", "))\n")
            throw ForgeExitCode.usage
        }
        let chosenLayout = perVariant ? "per-variant" : (layout ?? type(of: implementation).layouts[0])
        let files: [GeneratedFile]
        do {
            files = try implementation.render(selected, layout: chosenLayout)
        } catch {
            Pipeline.report(error.diagnostics, file: options.spec)
            throw ForgeExitCode.invalidInput
        }
        let directory = URL(fileURLWithPath: output ?? "generated/\(backend.rawValue)")
        let writer = OutputWriter(directory: directory, force: force)
        do {
            if dryRun {
                for change in try writer.plan(files) { print(change) }
                return
            }
            let changes = try writer.write(files)
            let count = { (kind: (OutputWriter.Change) -> Bool) in changes.filter(kind).count }
            var summary = ["\(count { if case .create = $0 { true } else { false } }) created", "\(count { if case .update = $0 { true } else { false } }) updated",
                           "\(count { if case .unchanged = $0 { true } else { false } }) unchanged"]
            let removed = count { if case .remove = $0 { true } else { false } }
            if removed > 0 { summary.append("\(removed) removed") }
            StandardError.write("\(backend.rawValue): wrote \(files.count) files to \(directory.relativePath) (\(summary.joined(separator: ", ")))\n")
        } catch {
            StandardError.write("error: \(error)\n")
            if case .io = error { throw ForgeExitCode.ioFailure }
            throw ForgeExitCode.invalidInput
        }
    }
}
