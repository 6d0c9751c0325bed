import ArgumentParser

/// The `sglang-forge` command: compiles one declarative runtime spec into checked build plans
/// and build files.
///
/// Exit codes (also in the README): 0 success; 1 the spec has errors (each printed as
/// `path:line:col: error: message`); 2 an input could not be read or an output written;
/// 3 a tool `pack` needs (patchelf, readelf) is missing; 7 a backend plugin failed (crashed,
/// timed out, broke the protocol; docs/plugins.md); 64 a command-line usage error.
/// For `pack`, 1 means the prefix was refused (every problem is listed); for `unpack`, 1 means
/// the archive was refused (unsafe entry or manifest mismatch). `select`: 4 no NVIDIA GPU or
/// driver, 5 no variant fits. `verify`: 6 the installation differs from its manifest.
public struct ForgeCommand: ParsableCommand {
    /// The command's name, abstract, version and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "sglang-forge",
        abstract: "Compile an SGLang runtime spec into checked build plans and build files.",
        version: version,
        subcommands: [
            PlanCommand.self, ValidateCommand.self, LockHandoff.self, CheckCommand.self, EmitCommand.self, BackendsCommand.self, PinHandoff.self,
            PackHandoff.self, UnpackHandoff.self, BumpHandoff.self, AuditCommand.self, SelectCommand.self, VerifyCommand.self,
        ]
    )

    /// The version both executables print for `--version`.
    package static let version = "0.1.0"

    public init() {}

    /// Runs the command line: a ``ToolCommand`` (`lock`, `pin`, `pack`, `unpack`, `bump`, or
    /// `help` for one of them) is handed to `sglang-forge-tools` before any parsing (``ToolsHandoff``);
    /// every other command runs here.
    public static func run(arguments: [String] = CommandLine.arguments) {
        AllocatorTuning.retainFreedMemory()
        let words = Array(arguments.dropFirst())
        if ToolCommand(arguments: words) != nil {
            ToolsHandoff.execOrExit(arguments: arguments)
        }
        main(words)
    }
}

/// Exit codes shared by every subcommand.
package enum ForgeExitCode {
    /// The spec (or another input) has errors.
    package static let invalidInput = ExitCode(1)
    /// A file could not be read or written.
    package static let ioFailure = ExitCode(2)
    /// A required external tool is not installed.
    package static let missingTool = ExitCode(3)
    /// A backend plugin failed: non-zero exit, crash, timeout, invalid or oversized response,
    /// unsafe file path.
    package static let backendFailure = ExitCode(7)
    /// A command-line usage error (ArgumentParser's validation failure code).
    package static let usage = ExitCode.validationFailure
}
