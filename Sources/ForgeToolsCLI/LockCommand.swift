import ArgumentParser
import ForgeCLI
import Foundation
import Lock
import Locking
import Planner
import Spec

/// `sglang-forge lock [SPEC]`: resolve every wheel against its index and write the lock next
/// to the spec, then run the consistency check.
struct LockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ToolCommand.lock.rawValue,
        abstract: ToolCommand.lock.abstract,
        discussion: "The lock format is documented in docs/lock.md. With --locked the lock is re-resolved and compared, not written."
    )

    @OptionGroup var options: SpecOptions

    @Flag(help: "Also download the wheels pinned by URL in the spec, check their hash and read their metadata.")
    var verifyDownloads = false

    @Flag(help: "Download every wheel and record the CUDA device code it ships (architectures, kernels, CUDA runtime major) in the lock.")
    var deviceCode = false

    @Flag(help: "Do not resolve the Python closure with uv (keeps the previous closure if the inputs are unchanged).")
    var noClosure = false

    @Option(help: ArgumentHelp("Where downloaded wheels are kept.", valueName: "dir"))
    var cacheDir: String?

    @Option(help: ArgumentHelp("Parallel index requests.", valueName: "n"))
    var concurrency = 4

    @Option(help: ArgumentHelp("Time limit of one HTTP attempt, in seconds.", valueName: "seconds"))
    var timeout: Double = 60

    @Option(help: ArgumentHelp("HTTP attempts per request (retries with exponential backoff).", valueName: "n"))
    var attempts = 3

    @Option(help: ArgumentHelp("Commit time of the nixpkgs rev (Unix seconds) when GitHub cannot be asked.", valueName: "seconds"))
    var nixpkgsLastModified: Int?

    @Option(help: ArgumentHelp("Resolve the closure as of this RFC 3339 instant instead of the spec's lock.exclude-newer; 'now' resolves against today's index (not reproducible).", valueName: "timestamp|now"))
    var excludeNewer: String?

    func validate() throws {
        if let excludeNewer, excludeNewer != "now", RFC3339.normalized(excludeNewer) == nil {
            throw ValidationError("--exclude-newer takes 'now' or an RFC 3339 timestamp with a time zone (2026-03-04T12:00:00Z), not '\(excludeNewer)'")
        }
    }

    func run() async throws {
        let (spec, loadDiagnostics) = SpecLoader.load(path: options.spec)
        guard let spec else {
            Pipeline.report(loadDiagnostics, file: options.spec)
            throw ForgeExitCode.invalidInput
        }
        let planDiagnostics = Planner.plan(spec).diagnostics
        if (loadDiagnostics + planDiagnostics).contains(where: { $0.severity == .error }) {
            Pipeline.report(loadDiagnostics + planDiagnostics, file: options.spec)
            throw ForgeExitCode.invalidInput
        }
        let lockPath = options.resolvedLockPath
        let previous = FileManager.default.contents(atPath: lockPath).flatMap { try? LockCoder.decode($0) }
        let cache = cacheDir.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/sglang-forge")
        let progress = ProgressLine(label: "lock")
        let settings = Locker.Settings(
            verifyDownloads: verifyDownloads, deviceCode: deviceCode, closure: !noClosure && !options.locked, cacheDirectory: cache, concurrency: concurrency,
            timeout: timeout, attempts: attempts, nixpkgsLastModified: nixpkgsLastModified, progress: { progress.show($0) })
        var configured = settings
        configured.excludeNewer = excludeNewer.map { $0 == "now" ? .now : .timestamp(RFC3339.normalized($0)!) }
        let outcome = await Locker(spec: spec, lockPath: lockPath, previous: previous, settings: configured).run()
        progress.finish()
        let lockDiagnostics = outcome.diagnostics
        guard var lock = outcome.lock else {
            Pipeline.report(planDiagnostics + lockDiagnostics, file: options.spec)
            throw ForgeExitCode.invalidInput
        }
        if options.locked {
            // Compare everything but the closure, which --locked does not re-resolve.
            lock.closure = previous?.closure
            guard let previous, LockCoder.encode(previous) == LockCoder.encode(lock) else {
                Pipeline.report(planDiagnostics + lockDiagnostics + [Diagnostic(.error, previous == nil ? "no lock file (--locked)" : "the lock would change (--locked); run `sglang-forge lock \(options.spec)` and commit the result", file: lockPath, at: nil)], file: options.spec)
                throw ForgeExitCode.invalidInput
            }
            let report = ConsistencyCheck(spec: spec, lock: lock, lockPath: lockPath).run()
            Pipeline.report(planDiagnostics + lockDiagnostics + report.diagnostics, file: options.spec)
            if report.diagnostics.contains(where: { $0.severity == .error }) { throw ForgeExitCode.invalidInput }
            return
        }
        // Check before writing: an inconsistent lock is not written (nor its closure).
        let report = ConsistencyCheck(spec: spec, lock: lock, lockPath: lockPath).run()
        let all = planDiagnostics + lockDiagnostics + report.diagnostics
        Pipeline.report(all, file: options.spec)
        if all.contains(where: { $0.severity == .error }) {
            StandardError.write("\(lockPath): not written: the locked runtime does not satisfy its own requirements (errors above)\n")
            throw ForgeExitCode.invalidInput
        }
        do {
            if let file = outcome.closureFile, let closure = lock.closure {
                let closurePath = URL(fileURLWithPath: lockPath).deletingLastPathComponent().appendingPathComponent(closure.path)
                try file.write(to: closurePath, options: .atomic)
            }
            try LockCoder.encode(lock).write(to: URL(fileURLWithPath: lockPath), options: .atomic)
        } catch {
            StandardError.write("\(lockPath): error: cannot write the lock: \(error.localizedDescription)\n")
            throw ForgeExitCode.ioFailure
        }
        StandardError.write("\(lockPath): wrote \(lock.artifacts.count) artifacts" + (lock.closure.map { ", closure \($0.path) (\($0.packages) packages, exclude-newer \($0.excludeNewer))" } ?? "") + "\n")
    }
}
