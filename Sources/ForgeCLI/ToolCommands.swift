import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The commands that live in the companion executable `sglang-forge-tools`: the ones that need
/// the network (libcurl), git (libgit2) or libarchive.
///
/// `sglang-forge` links none of those libraries, so the everyday commands (`plan`, `validate`,
/// `check`, `emit`, `select`, `audit`, `verify`) start without loading them: with them, the
/// dynamic loader mapped and relocated 51 shared libraries before `main`, most of `plan`'s
/// wall time (issue 13 §5). Git does the same with `git-remote-https`. `sglang-forge` hands these
/// commands to `sglang-forge-tools` with execv(3) (``ToolsHandoff``), so exit codes, standard
/// streams and signals are the tool's own.
package enum ToolCommand: String, CaseIterable, Sendable {
    case lock, pin, pack, unpack, bump

    /// The one-line description: `sglang-forge --help` lists it, and the command itself shows it.
    package var abstract: String {
        switch self {
        case .lock: "Resolve, hash and record every wheel of the spec in the lock file, then check the wheels' requirements."
        case .pin: "Resolve and record upstream revisions."
        case .pack: "Pack a prefix into a relocatable, byte-reproducible .tar.zst."
        case .unpack: "Extract an archive written by `pack` into a new directory, verifying every file."
        case .bump: "Propose version bumps (coupled releases move together) and publish them as pull requests."
        }
    }

    /// The tool command that `arguments` (the command line after the executable's name) runs:
    /// `lock …`, or `help lock …`; `nil` for every other command line.
    package init?(arguments: some Collection<String>) {
        var words = arguments.makeIterator()
        guard var first = words.next() else { return nil }
        if first == "help", let second = words.next() { first = second }
        self.init(rawValue: first)
    }
}

/// Hands a ``ToolCommand`` to the companion executable `sglang-forge-tools`.
package enum ToolsHandoff {
    /// The companion executable's file name.
    package static let executableName = "sglang-forge-tools"

    /// Replaces this process with `sglang-forge-tools` from the directory of this process's own
    /// executable (`/proc/self/exe`, so a symbolic link to `sglang-forge` still finds it), with
    /// the same `arguments` (`argv`, the executable's name first) and environment.
    ///
    /// Returns only when that fails, after printing why on standard error (the path it looked
    /// for and how to build the companion).
    /// - Returns: exit status 3 (a required tool is missing), or 2 when `execv` failed otherwise.
    package static func exec(arguments: [String]) -> Int32 {
        guard let directory = ownDirectory() else {
            StandardError.write("error: cannot find the directory of this executable to run \(executableName)\n")
            return 3
        }
        let path = directory + "/" + executableName
        guard access(path, X_OK) == 0 else {
            let command = ToolCommand(arguments: arguments.dropFirst())?.rawValue ?? "this command"
            StandardError.write(
                "error: `sglang-forge \(command)` runs in the companion executable \(executableName), which is not in \(directory); "
                    + "build it (`swift build --product \(executableName)`, or `swift build` for every product) or install both executables into one directory\n")
            return 3
        }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv(path, &argv)
        let reason = String(cString: strerror(errno))
        StandardError.write("error: cannot run \(path): \(reason)\n")
        return 2
    }

    /// ``exec(arguments:)``, then exits with its status when it returns.
    package static func execOrExit(arguments: [String]) -> Never {
        exit(exec(arguments: arguments))
    }

    /// The directory that holds this process's executable, symbolic links resolved.
    private static func ownDirectory() -> String? {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let path = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #else
        guard let first = CommandLine.arguments.first, let resolved = realpath(first, nil) else { return nil }
        let path = String(cString: resolved)
        free(resolved)
        #endif
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// What a command listed by `sglang-forge --help` but run by `sglang-forge-tools` shares: its
/// name and abstract come from ``ToolCommand``, and running it hands the whole command line over.
/// (The executable's entry point hands these commands over before parsing, so `lock --help`
/// shows the real command's help; these types give the root command's help its list.)
protocol HandedOffCommand: ParsableCommand {
    /// The tool command this type stands for.
    static var tool: ToolCommand { get }
    /// Everything after the command's name, unparsed.
    var arguments: [String] { get }
}

extension HandedOffCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: tool.rawValue, abstract: tool.abstract)
    }

    func run() throws {
        let name = CommandLine.arguments.first ?? "sglang-forge"
        throw ExitCode(ToolsHandoff.exec(arguments: [name, Self.tool.rawValue] + arguments))
    }
}

struct LockHandoff: HandedOffCommand {
    static let tool = ToolCommand.lock
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}

struct PinHandoff: HandedOffCommand {
    static let tool = ToolCommand.pin
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}

struct PackHandoff: HandedOffCommand {
    static let tool = ToolCommand.pack
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}

struct UnpackHandoff: HandedOffCommand {
    static let tool = ToolCommand.unpack
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}

struct BumpHandoff: HandedOffCommand {
    static let tool = ToolCommand.bump
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}
