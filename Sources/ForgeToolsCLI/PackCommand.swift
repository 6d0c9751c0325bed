import ArgumentParser
import ForgeCLI
import Foundation
import Pack

/// `sglang-forge pack PREFIX -o OUT.tar.zst`: a relocatable, reproducible archive of a prefix.
struct PackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ToolCommand.pack.rawValue,
        abstract: ToolCommand.pack.abstract,
        discussion: """
            Shebangs that name a Python interpreter inside the prefix become relocatable launchers; \
            ELF RPATH/RUNPATH entries into the prefix become $ORIGIN-relative (patchelf); entries \
            outside the prefix that do not exist on this host (paths leaked from a wheel's build \
            machine) are dropped with a warning; absolute symlinks into the prefix become relative. \
            Text files that still name the build prefix (.pc files, *-config scripts, CMake files, \
            RECORD manifests) are listed in \(PrefixRewrites.path) for `unpack` to rewrite; the \
            prefix in byte-compiled files (source paths for tracebacks) and in other binaries \
            (compiled-in defaults) is inert and only summarised. Refused, with every problem \
            listed: symlinks out of the tree, devices, run path entries ending in /stubs or naming \
            an existing directory outside the prefix (other than system library directories), \
            needed libraries (DT_NEEDED) that the dynamic linker finds nowhere or outside the \
            prefix and the system library directories (driver libraries such as libcuda.so.1 \
            excepted), and scripts run by a non-Python interpreter inside the prefix. The prefix itself is \
            not modified. The archive starts with \(Manifest.path) (path, type, mode, size, \
            sha256 of every entry). See docs/backends/tarball.md.
            """
    )

    @Argument(help: ArgumentHelp("The prefix directory to pack.", valueName: "prefix"))
    var prefix: String

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The archive to write (.tar.zst).", valueName: "file"))
    var output: String

    @Option(name: .customLong("allow-prefix-in"), help: ArgumentHelp("Allow leftover build-prefix strings in files whose prefix-relative path matches this fnmatch glob ('*' also matches '/'); repeatable.", valueName: "glob"))
    var allowPrefixIn: [String] = []

    @Option(name: .customLong("also-prefix"), help: ArgumentHelp("Another spelling of the build prefix to rewrite and look for (e.g. where the tree was built before it was moved); repeatable.", valueName: "path"))
    var alsoPrefix: [String] = []

    @Option(help: ArgumentHelp("zstd level, 1 to 19.", valueName: "n"))
    var level: Int = 3

    @Option(help: ArgumentHelp("zstd worker threads; the archive's bytes do not depend on it. The default is the number of CPUs.", valueName: "n"))
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ArgumentHelp("Modification time of every entry, in seconds since the epoch.", valueName: "seconds"))
    var mtime: Int = 0

    @Flag(name: .shortAndLong, help: "No progress line on standard error.")
    var quiet = false

    func validate() throws {
        guard (1...19).contains(level) else { throw ValidationError("--level must be between 1 and 19") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard mtime >= 0 else { throw ValidationError("--mtime must not be negative") }
    }

    func run() throws {
        let progress = ProgressLine(label: "pack", enabled: !quiet)
        do {
            let report = try Packer.pack(
                prefix: prefix, output: output,
                options: PackOptions(allowPrefixIn: allowPrefixIn, zstdLevel: level, zstdThreads: threads, mtime: mtime, extraPrefixes: alsoPrefix),
                progress: { progress.update($0) }
            )
            progress.finish()
            for leftover in report.allowedLeftovers {
                StandardError.write("note: \(leftover.description.replacingOccurrences(of: "; rewrite it or allow it with --allow-prefix-in", with: " (allowed by --allow-prefix-in)"))\n")
            }
            for dropped in report.droppedRunPaths {
                StandardError.write("warning: \(dropped.path): dropped RPATH/RUNPATH entry '\(dropped.entry)': outside the prefix and absent on this host (a path leaked from the build machine)\n")
            }
            func some(_ paths: [String]) -> String {
                paths.prefix(3).joined(separator: ", ") + (paths.count > 3 ? ", …" : "")
            }
            if !report.textRewrites.isEmpty {
                StandardError.write("pack: \(report.textRewrites.count) text files name the build prefix; unpack rewrites them (\(PrefixRewrites.path)): \(some(report.textRewrites))\n")
            }
            if !report.inertBytecode.isEmpty {
                StandardError.write("pack: \(report.inertBytecode.count) byte-compiled files keep the build prefix as their source path (inert: only tracebacks show it)\n")
            }
            if !report.inertBinaries.isEmpty {
                StandardError.write("pack: \(report.inertBinaries.count) binary files hold the build prefix as a string (left as is; not a run path): \(some(report.inertBinaries))\n")
            }
            if !report.relativisedSymlinks.isEmpty {
                StandardError.write("pack: \(report.relativisedSymlinks.count) absolute symlinks into the prefix stored as relative links\n")
            }
            if !report.preloadedLibraries.isEmpty {
                StandardError.write("pack: \(report.preloadedLibraries.count) needed libraries are not on their file's search path but are in the prefix under that name (found when loaded first by another object): \(some(report.preloadedLibraries))\n")
            }
            if !report.uncheckedELF.isEmpty {
                StandardError.write("pack: \(report.uncheckedELF.count) ELF files have no readable ELF64 dynamic section (32-bit, big-endian or damaged); their needed libraries were not checked: \(some(report.uncheckedELF))\n")
            }
            if report.neededInPrefix + report.neededFromSystem + report.neededFromDriver > 0 {
                StandardError.write("pack: needed libraries (DT_NEEDED): \(report.neededInPrefix) found in the prefix, \(report.neededFromSystem) in system directories, \(report.neededFromDriver) from the driver\n")
            }
            let mib = { (bytes: Int64) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
            StandardError.write("pack: \(output): \(report.entries) entries, \(report.files) files, \(mib(report.bytes)) → \(mib(report.archiveBytes)); \(report.rewrittenScripts.count) launchers, \(report.rewrittenRunPaths.count) run paths rewritten\n")
        } catch {
            progress.finish()
            StandardError.write("error: \(error)\n")
            switch error {
            case .refused: throw ForgeExitCode.invalidInput
            case .missingTool: throw ForgeExitCode.missingTool
            case .io, .archive: throw ForgeExitCode.ioFailure
            }
        }
    }
}

/// `sglang-forge unpack ARCHIVE DIR`: safe, verified extraction.
struct UnpackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ToolCommand.unpack.rawValue,
        abstract: ToolCommand.unpack.abstract,
        discussion: """
            Refuses absolute paths, '..' components, hard links, device files, FIFOs, sockets, \
            setuid/setgid/sticky modes and symlinks that leave the directory; checks every entry's \
            type, mode, size, sha256 and link target against the archive's manifest, and writes no \
            more than the manifest declares (refused up front when the file system lacks the \
            space). Then rewrites the build prefix in the text files \(PrefixRewrites.path) lists \
            to DIR. DIR must not exist or be empty; on any error nothing is left in it. Exit \
            status 1 for a refused, damaged or truncated archive, 2 when a file cannot be read or \
            written.
            """
    )

    @Argument(help: ArgumentHelp("The archive (.tar.zst) written by `sglang-forge pack`.", valueName: "archive"))
    var archive: String

    @Argument(help: ArgumentHelp("The directory to create.", valueName: "dir"))
    var directory: String

    func run() throws {
        do {
            let report = try Unpacker.unpack(archive: archive, into: directory)
            let rewritten = report.rewrittenFiles == 0 ? "" : "; the build prefix rewritten in \(report.rewrittenFiles) text files (\(report.rewrittenOccurrences) occurrences)"
            StandardError.write("unpack: \(directory): \(report.entries) entries, \(report.bytes) bytes, all match the manifest\(rewritten)\n")
        } catch {
            switch error {
            case .io, .destinationNotEmpty:
                StandardError.write("error: \(archive): \(error)\n")
                throw ForgeExitCode.ioFailure
            case .archive(let failure) where !failure.function.hasPrefix("archive_read"):
                StandardError.write("error: \(directory): cannot write: \(failure.message)\n")
                throw ForgeExitCode.ioFailure
            case .archive(let failure) where !FileManager.default.isReadableFile(atPath: archive):
                StandardError.write("error: \(archive): cannot read the file: \(failure.message)\n")
                throw ForgeExitCode.ioFailure
            case .archive(let failure):
                // libarchive's message names the function; the user needs what it means.
                StandardError.write("error: \(archive): not a readable sglang-forge archive (damaged, truncated or another format): \(failure.message)\n")
                throw ForgeExitCode.invalidInput
            default:
                StandardError.write("error: \(archive): \(error)\n")
                throw ForgeExitCode.invalidInput
            }
        }
    }
}

extension ProgressLine {
    /// Shows `pack`/`unpack` progress, for prefixes over 64 MiB only.
    func update(_ progress: PackProgress) {
        guard progress.bytesTotal >= 64 << 20 else { return }
        let percent = progress.bytesTotal > 0 ? Int(progress.bytesDone * 100 / progress.bytesTotal) : 100
        show("\(progress.phase.rawValue): \(progress.filesDone)/\(progress.filesTotal) files, \(progress.bytesDone >> 20)/\(progress.bytesTotal >> 20) MiB (\(percent)%)")
    }
}
