import Planner

/// A backend as `emit` runs it: a built-in (``BuiltInBackend``) or a plugin executable
/// (`PluginHost.PluginBackend`), both behind this one interface, so a plugin is a first-class
/// backend. The host plans once, hands every selected backend the same plan, and writes their
/// files with one writer.
public protocol BackendRunner {
    /// The name `emit --backend` takes and `sglang-forge backends` lists.
    var name: String { get }

    /// Runs the backend on `plan` with `options` (`layout`, and any `--option KEY=VALUE`).
    ///
    /// - Returns: the files (paths relative to the output directory, not yet checked for safety)
    ///   and the problems found in the spec, located through the plan's source locations. When any
    ///   diagnostic is an error the host writes nothing.
    /// - Throws: ``BackendRunFailure`` when the backend itself failed (a plugin crashed, timed out
    ///   or broke the protocol), as opposed to finding problems in the spec.
    func run(_ plan: BuildPlan, options: [String: String]) throws(BackendRunFailure) -> BackendOutput
}

/// What a backend produced.
public struct BackendOutput {
    /// Generated files, sorted by path.
    public var files: [GeneratedFile]
    /// Errors and warnings about the spec, each located where the plan allows.
    public var diagnostics: [Diagnostic]

    /// Creates an output.
    public init(files: [GeneratedFile], diagnostics: [Diagnostic]) {
        self.files = files
        self.diagnostics = diagnostics
    }

    /// Whether any diagnostic is an error (then nothing is written).
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// A backend that failed to run: the message is complete (it names the backend and, for a
/// plugin, quotes its stderr), printed as `error: <message>`.
public struct BackendRunFailure: Error, Sendable, CustomStringConvertible {
    /// The full message.
    public var message: String

    /// Wraps a message.
    public init(_ message: String) { self.message = message }

    /// ``message``.
    public var description: String { message }
}

/// A built-in ``Backend`` behind the ``BackendRunner`` interface.
public struct BuiltInBackend: BackendRunner {
    /// The `--backend` name (`nix`, `container`, `tarball`).
    public let name: String
    /// One line for `sglang-forge backends`.
    public let summary: String
    /// The backend's layouts, the first being the default.
    public let layouts: [String]
    private let backend: any Backend

    /// Registers `backend` under `name`.
    public init<B: Backend>(name: String, summary: String, _ backend: B) {
        self.name = name
        self.summary = summary
        self.layouts = B.layouts
        self.backend = backend
    }

    /// Renders with the `layout` option (default: the first of ``layouts``). An unknown layout or
    /// any other option is an error diagnostic, as a plugin would report it.
    public func run(_ plan: BuildPlan, options: [String: String]) throws(BackendRunFailure) -> BackendOutput {
        var problems: [Diagnostic] = []
        let layout = options["layout"] ?? layouts[0]
        if !layouts.contains(layout) {
            problems.append(Diagnostic(.error, "backend '\(name)' has no layout '\(layout)'; layouts: \(layouts.joined(separator: ", "))", file: nil, at: nil))
        }
        for key in options.keys.sorted() where key != "layout" {
            problems.append(Diagnostic(.error, "backend '\(name)' has no option '\(key)'", file: nil, at: nil))
        }
        guard problems.isEmpty else { return BackendOutput(files: [], diagnostics: problems) }
        do {
            return BackendOutput(files: try backend.render(plan, layout: layout), diagnostics: [])
        } catch {
            return BackendOutput(files: [], diagnostics: error.diagnostics)
        }
    }
}
