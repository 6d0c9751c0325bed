import ArgumentParser
import ForgeCLI

/// The root command of `sglang-forge-tools`: the ``ToolCommand``s, which need the network,
/// git or libarchive. Users run them as `sglang-forge lock …`; `sglang-forge` hands them over
/// (``ToolsHandoff``), so usage lines and help name `sglang-forge`. Exit codes as in
/// ``ForgeCommand``.
public struct ToolsCommand: AsyncParsableCommand {
    /// The name users type, the abstract, the shared version and the tool commands.
    public static let configuration = CommandConfiguration(
        commandName: "sglang-forge",
        abstract: "The sglang-forge commands that use the network, git or libarchive (run them through `sglang-forge`).",
        version: ForgeCommand.version,
        subcommands: [LockCommand.self, PinCommand.self, PackCommand.self, UnpackCommand.self, BumpCommand.self]
    )

    public init() {}
}
