import ArgumentParser
import BackendCore
import BackendRegistry
import Foundation
import LockReading
import Planner
import PluginHost
import PluginKit

/// `sglang-forge emit --backend NAME[,NAME…] [SPEC] [-o DIR]`: plans once, runs every selected
/// backend (built-in or plugin, docs/plugins.md) on the same plan, and writes their files.
struct EmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emit",
        abstract: "Write the build files of one or more backends for the spec.",
        discussion: """
            A backend is a built-in (\(BackendRegistry.builtInNames.joined(separator: ", "))) or a plugin: \
            the executable sglang-forge-backend-NAME on PATH, or one named with --plugin (docs/plugins.md; \
            `sglang-forge backends` lists them). The spec is planned once for all of them; nothing is written \
            unless every backend succeeds. Each output directory is replaced atomically (built next to it, \
            then renamed). Generated files a person edited are not overwritten without --force; files \
            sglang-forge did not generate are kept.
            """
    )

    @Option(name: .customLong("backend"), help: ArgumentHelp(
        "Backends, comma-separated or repeated: \(BackendRegistry.builtInNames.joined(separator: ", ")), a plugin NAME, or 'all' (every built-in).",
        valueName: "name"))
    var backendNames: [String] = []

    @Option(name: .customLong("plugin"), help: ArgumentHelp("A backend plugin executable to run (repeatable); its backend name is the file name without 'sglang-forge-backend-'.", valueName: "path"))
    var pluginPaths: [String] = []

    @OptionGroup var options: SpecOptions

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Output directory (default: generated/<backend>); with several backends, the parent of one directory per backend.", valueName: "dir"))
    var output: String?

    @Option(help: ArgumentHelp("Backend layout (nix: flake or flox; container: bake or per-variant); with several backends, BACKEND=LAYOUT (repeatable).", valueName: "layout"))
    var layout: [String] = []

    @Flag(help: "Container backend: one self-contained Containerfile per variant (same as --layout container=per-variant).")
    var perVariant = false

    @Option(name: .customLong("option"), help: ArgumentHelp("A backend option KEY=VALUE passed to every selected backend (repeatable; plugins define their own).", valueName: "key=value"))
    var backendOptions: [String] = []

    @Option(name: .customLong("variant"), help: ArgumentHelp("Only variants whose name matches this shell glob (repeatable).", valueName: "glob"))
    var variants: [String] = []

    @Option(name: .customLong("python-closure"), help: ArgumentHelp("""
        A requirements file with the runtime Python package set at exact versions with hashes \
        (`name==version --hash=sha256:…`, e.g. from `uv pip compile --generate-hashes`), used until \
        `sglang-forge lock` records the closure.
        """, valueName: "file"))
    var pythonClosure: String?

    @Option(name: .customLong("build-requirements"), help: ArgumentHelp("""
        Container backend: COMPONENT=FILE, a source component's build requirements at exact versions with \
        hashes (as `sglang-forge lock` writes them), replacing the lock's (repeatable).
        """, valueName: "component=file"))
    var buildRequirements: [String] = []

    @Option(help: ArgumentHelp("Seconds a backend plugin may run before it is killed.", valueName: "seconds"))
    var pluginTimeout: Double = PluginBackend.defaultTimeout

    @Option(help: ArgumentHelp("The largest plugin response accepted, in bytes.", valueName: "bytes"))
    var pluginMaxResponse: Int = PluginBackend.defaultMaxResponseBytes

    @Flag(help: "Overwrite generated files a person edited, and write into a directory sglang-forge did not create.")
    var force = false

    @Flag(help: "List what would be created, updated or removed, and write nothing.")
    var dryRun = false

    /// `--backend` values split on commas, `all` expanded, duplicates dropped (first wins).
    var requestedNames: [String] {
        var names: [String] = []
        for value in backendNames {
            for part in value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
                let expanded = part == BackendRegistry.allName ? BackendRegistry.builtIns.map(\.name) : [part]
                for name in expanded where !names.contains(name) { names.append(name) }
            }
        }
        return names
    }

    func validate() throws {
        if requestedNames.isEmpty && pluginPaths.isEmpty {
            throw ValidationError("name a backend with --backend (\(BackendRegistry.builtInNames.joined(separator: ", ")), a plugin, or all) or --plugin PATH")
        }
        guard pluginTimeout > 0 else { throw ValidationError("--plugin-timeout must be a positive number of seconds") }
        guard pluginMaxResponse > 0 else { throw ValidationError("--plugin-max-response must be a positive number of bytes") }
        for option in backendOptions where !option.contains("=") || option.hasPrefix("=") {
            throw ValidationError("--option takes KEY=VALUE, got '\(option)'")
        }
        let count = requestedNames.count + pluginPaths.count
        for value in layout where !value.contains("=") && count > 1 {
            throw ValidationError("--layout \(value) is ambiguous with several backends; write BACKEND=LAYOUT")
        }
        if perVariant && !requestedNames.contains("container") {
            throw ValidationError("--per-variant applies to the container backend only")
        }
    }

    /// Resolves the selected backends: built-ins and PATH plugins by name, then `--plugin` paths.
    func selectedBackends() throws -> [any BackendRunner] {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? ""
        var runners: [any BackendRunner] = []
        var unknown: [String] = []
        for name in requestedNames {
            if let runner = BackendRegistry.resolve(name, searchPath: searchPath, timeout: pluginTimeout, maxResponseBytes: pluginMaxResponse) {
                runners.append(runner)
            } else {
                unknown.append(name)
            }
        }
        for path in pluginPaths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  FileManager.default.isExecutableFile(atPath: path)
            else {
                StandardError.write("error: --plugin \(path): not an executable file\n")
                throw ForgeExitCode.usage
            }
            let plugin = PluginBackend(executable: path, timeout: pluginTimeout, maxResponseBytes: pluginMaxResponse)
            if runners.contains(where: { $0.name == plugin.name }) {
                StandardError.write("error: --plugin \(path): a backend named '\(plugin.name)' is already selected\n")
                throw ForgeExitCode.usage
            }
            runners.append(plugin)
        }
        if !unknown.isEmpty {
            for name in unknown {
                StandardError.write("error: no backend '\(name)': not a built-in (\(BackendRegistry.builtInNames.joined(separator: ", "))) and no executable \(PluginProtocol.executablePrefix)\(name) on PATH (`sglang-forge backends` lists what is available)\n")
            }
            throw ForgeExitCode.usage
        }
        return runners
    }

    /// The options one backend gets: its layout and every `--option`.
    func options(for name: String, count: Int) -> [String: String] {
        var result: [String: String] = [:]
        for option in backendOptions {
            let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            result[String(parts[0])] = String(parts[1])
        }
        for value in layout {
            if let equals = value.firstIndex(of: "=") {
                if value[..<equals] == name { result["layout"] = String(value[value.index(after: equals)...]) }
            } else if count == 1 {
                result["layout"] = value
            }
        }
        if perVariant && name == "container" { result["layout"] = "per-variant" }
        return result
    }

    func run() throws {
        let runners = try selectedBackends()
        for value in layout {
            if let equals = value.firstIndex(of: "="), !runners.contains(where: { $0.name == value[..<equals] }) {
                StandardError.write("error: --layout \(value): backend '\(value[..<equals])' is not selected\n")
                throw ForgeExitCode.usage
            }
        }
        var overrides = Pipeline.Overrides(pythonClosure: pythonClosure)
        for option in buildRequirements {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                StandardError.write("error: --build-requirements \(option): expected SOURCE-COMPONENT=FILE naming a source component of the spec\n")
                throw ForgeExitCode.usage
            }
            overrides.buildRequirements.append((parts[0], parts[1]))
        }
        guard let plan = try Pipeline.plan(options: options, overrides: overrides) else { throw ForgeExitCode.invalidInput }
        let selected = plan.filtered(variants: variants)
        if selected.variants.isEmpty {
            StandardError.write("error: no variant matches \(variants.map { "'\($0)'" }.joined(separator: ", "))\n")
            throw ForgeExitCode.usage
        }

        // Run every backend on the one plan; write nothing unless all succeed.
        var outputs: [(runner: any BackendRunner, output: BackendOutput)] = []
        var failures: [BackendRunFailure] = []
        var diagnostics: [Diagnostic] = []
        for runner in runners {
            do {
                let output = try runner.run(selected, options: options(for: runner.name, count: runners.count))
                diagnostics += output.diagnostics
                outputs.append((runner, output))
            } catch {
                failures.append(error)
            }
        }
        Pipeline.report(diagnostics, file: options.spec)
        if !failures.isEmpty {
            for failure in failures { StandardError.write("error: \(failure.message)\n") }
            StandardError.write("emit: nothing was written\n")
            throw ForgeExitCode.backendFailure
        }
        if diagnostics.contains(where: { $0.severity == .error }) { throw ForgeExitCode.invalidInput }

        let writers = outputs.map { entry in
            let path = runners.count == 1 ? (output ?? "generated/\(entry.runner.name)") : "\(output ?? "generated")/\(entry.runner.name)"
            return (entry.runner.name, entry.output.files, OutputWriter(directory: URL(fileURLWithPath: path), force: force))
        }
        do {
            // Check every directory (edited files, foreign directories, links) before writing any.
            var changes: [[OutputWriter.Change]] = []
            for (_, files, writer) in writers { changes.append(try writer.plan(files)) }
            if dryRun {
                for (index, (name, _, writer)) in writers.enumerated() {
                    if writers.count > 1 { print("\(name) → \(writer.directory.relativePath)") }
                    for change in changes[index] { print(change) }
                }
                return
            }
            for (name, files, writer) in writers {
                let changes = try writer.write(files)
                let count = { (kind: (OutputWriter.Change) -> Bool) in changes.filter(kind).count }
                var summary = ["\(count { if case .create = $0 { true } else { false } }) created", "\(count { if case .update = $0 { true } else { false } }) updated",
                               "\(count { if case .unchanged = $0 { true } else { false } }) unchanged"]
                let removed = count { if case .remove = $0 { true } else { false } }
                if removed > 0 { summary.append("\(removed) removed") }
                StandardError.write("\(name): wrote \(files.count) files to \(writer.directory.relativePath) (\(summary.joined(separator: ", ")))\n")
            }
        } catch {
            StandardError.write("error: \(error)\n")
            if case .io = error { throw ForgeExitCode.ioFailure }
            throw ForgeExitCode.invalidInput
        }
    }
}
