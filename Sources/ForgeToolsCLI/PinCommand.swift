import ArgumentParser
import ForgeCLI
import Foundation
import Git
import Hashes
import Lock
import Pinning
import Spec

/// `sglang-forge pin …`: move a pin to a new upstream revision.
struct PinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ToolCommand.pin.rawValue,
        abstract: ToolCommand.pin.abstract,
        subcommands: [PinNixpkgsCommand.self, PinNarHashCommand.self]
    )
}

/// `sglang-forge pin nixpkgs [--ref BRANCH | --rev SHA] [--url URL] [SPEC]`.
///
/// Resolves the revision, fetches it into the git cache, computes `narHash` and `lastModified`
/// from the git objects, prints them, and edits the spec's `nixpkgs.rev` / `nixpkgs.tarball-hash`
/// in place (docs/pin.md).
struct PinNixpkgsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nixpkgs",
        abstract: "Pin nixpkgs to a commit and record its NAR hash in the spec.",
        discussion: """
            Without --ref or --rev, the spec's current rev is fetched and its hash checked (and \
            filled in when missing). Prints 'rev', 'narHash' (SRI), 'nixBase32', 'lastModified' \
            and 'narSize' lines on standard output. The git cache is $XDG_CACHE_HOME/sglang-forge/git \
            (default ~/.cache/sglang-forge/git). See docs/pin.md.
            """
    )

    @Option(help: ArgumentHelp("Branch or tag to pin to (resolved by listing the remote's refs).", valueName: "branch"))
    var ref: String?

    @Option(help: ArgumentHelp("Commit to pin to (40 hex digits).", valueName: "sha"))
    var rev: String?

    @Option(help: ArgumentHelp("Fetch from this URL, local path or file:// URL instead of https://github.com/OWNER/REPO.git.", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("Git cache directory (default: $XDG_CACHE_HOME/sglang-forge/git, else ~/.cache/sglang-forge/git).", valueName: "dir"))
    var cacheDir: String?

    @Flag(help: "Print the result but leave the spec file unchanged.")
    var dryRun = false

    @Flag(help: "With --ref: only list the remote's refs and report whether the spec's rev is the ref's commit (exit 0) or not (exit 1); nothing is fetched or written.")
    var check = false

    @OptionGroup var options: SpecOptions

    func validate() throws {
        if ref != nil && rev != nil { throw ValidationError("give either --ref or --rev, not both") }
        if check && ref == nil { throw ValidationError("--check needs --ref") }
        if let rev, rev.utf8.count != 40 || Base16.decode(rev) == nil {
            throw ValidationError("--rev must be a full 40-digit lowercase commit id, got '\(rev)'")
        }
    }

    func run() throws {
        let path = options.spec
        guard let data = FileManager.default.contents(atPath: path) else {
            StandardError.write("\(path): error: cannot read spec\n")
            throw ForgeExitCode.ioFailure
        }
        let source = [UInt8](data)
        let (spec, diagnostics) = SpecLoader.decode(source, path: path)
        guard let spec else {
            Pipeline.report(diagnostics, file: path)
            throw ForgeExitCode.invalidInput
        }
        let pin = spec.nixpkgs
        let remote = url ?? NixpkgsPinner.gitHubURL(owner: pin.owner.value, repo: pin.repo.value)
        var pinner = NixpkgsPinner(url: remote, cache: GitCache(root: cacheDir ?? GitCache.defaultRoot()))
        let reporter = ProgressReporter(enabled: isatty(STDERR_FILENO) == 1)
        pinner.progress = { reporter.update($0) }
        pinner.waiting = { StandardError.write("waiting for another sglang-forge to finish with the git cache…\n") }

        let result: NixpkgsPinResult
        do {
            let target: ObjectID
            var reference: String?
            if let ref {
                let found = try pinner.resolve(reference: ref)
                target = found.commit
                reference = found.name
                StandardError.write("\(ref) → \(found.name) at \(target.hex)\n")
                if check {
                    print("rev \(target.hex)")
                    guard target.hex == pin.rev.value else {
                        StandardError.write("\(path): nixpkgs is pinned to \(pin.rev.value); \(found.name) is now \(target.hex)\n")
                        throw ForgeExitCode.invalidInput
                    }
                    StandardError.write("\(path): nixpkgs is up to date with \(found.name)\n")
                    return
                }
            } else {
                target = ObjectID(hex: rev ?? pin.rev.value)!
            }
            result = try pinner.pin(rev: target, reference: reference)
            reporter.finish()
        } catch let exit as ExitCode {
            throw exit
        } catch let error as PinError {
            reporter.finish()
            StandardError.write("error: \(error)\n")
            throw ForgeExitCode.invalidInput
        } catch {
            reporter.finish()
            StandardError.write("error: \(remote): \(error)\n")
            throw ForgeExitCode.ioFailure
        }

        print("rev \(result.rev.hex)")
        print("narHash \(result.narHash.sri)")
        print("nixBase32 \(result.narHash.nixBase32)")
        print("lastModified \(result.lastModified)")
        print("narSize \(result.narSize)")

        let revChanged = result.rev.hex != pin.rev.value
        if !revChanged, let recorded = pin.tarballHash, recorded.value != result.narHash {
            StandardError.write(Diagnostic(.error, "tarball-hash \(recorded.value.sri) does not match the NAR hash of rev \(result.rev.hex), \(result.narHash.sri); remove the line to record the computed hash", file: path, at: recorded.location).description + "\n")
            throw ForgeExitCode.invalidInput
        }
        let edited: [UInt8]
        do {
            edited = try NixpkgsPinEdit.apply(to: source, path: path, rev: result.rev.hex, tarballHash: result.narHash)
        } catch {
            StandardError.write("\(path): error: \(error)\n")
            throw ForgeExitCode.invalidInput
        }
        if edited == source {
            StandardError.write("\(path): nixpkgs already pinned to \(result.rev.hex)\n")
        } else if dryRun {
            StandardError.write("\(path): would pin nixpkgs to \(result.rev.hex) (dry run, file unchanged)\n")
        } else {
            do {
                try Data(edited).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                StandardError.write("\(path): error: cannot write the spec: \(error.localizedDescription)\n")
                throw ForgeExitCode.ioFailure
            }
            StandardError.write("\(path): nixpkgs \(pin.rev.value) → \(result.rev.hex)\n")
        }
        try recordInLock(result, specBefore: spec, specAfter: edited)
    }

    /// Records rev, narHash and lastModified in the spec's lock (`options.resolvedLockPath`).
    ///
    /// Only a lock that was fresh for the spec before the pin is updated: the pin changes nothing
    /// but `nixpkgs`, so the lock's recorded inputs are recomputed from the edited spec and it stays
    /// fresh. A stale lock is left alone (`sglang-forge lock` remakes it, keeping the recorded
    /// lastModified of the same rev); a missing one is not created.
    private func recordInLock(_ result: NixpkgsPinResult, specBefore: Spec, specAfter edited: [UInt8]) throws {
        let lockPath = options.resolvedLockPath
        guard let data = FileManager.default.contents(atPath: lockPath) else {
            StandardError.write("\(lockPath): no lock file; `sglang-forge lock` records the pin there\n")
            return
        }
        var lock: LockFile
        do { lock = try LockCoder.decode(data) } catch {
            StandardError.write("\(lockPath): error: \(error)\n")
            throw ForgeExitCode.invalidInput
        }
        guard LockFreshness.check(lock, against: specBefore) == .fresh else {
            StandardError.write("\(lockPath): the lock was already out of date with \(options.spec) and was not updated; run `sglang-forge lock`\n")
            return
        }
        guard let specAfter = SpecLoader.decode(edited, path: options.spec).spec else { throw ForgeExitCode.invalidInput }
        let inputs = LockInputs(spec: specAfter)
        lock.inputs = inputs
        lock.spec.inputsSha256 = inputs.fingerprint()
        lock.nixpkgs = LockedNixpkgs(
            owner: specAfter.nixpkgs.owner.value, repo: specAfter.nixpkgs.repo.value, rev: result.rev.hex,
            narHash: result.narHash.sri, lastModified: Int(result.lastModified)
        )
        let encoded = LockCoder.encode(lock)
        guard encoded != data else { return }
        if dryRun {
            StandardError.write("\(lockPath): would record the nixpkgs pin (dry run, file unchanged)\n")
            return
        }
        do {
            try encoded.write(to: URL(fileURLWithPath: lockPath), options: .atomic)
        } catch {
            StandardError.write("\(lockPath): error: cannot write the lock: \(error.localizedDescription)\n")
            throw ForgeExitCode.ioFailure
        }
        StandardError.write("\(lockPath): recorded nixpkgs \(result.rev.hex) (narHash, lastModified \(result.lastModified))\n")
    }
}

/// Prints fetch progress (objects, bytes, rate) on one self-overwriting stderr line, at most
/// ten times a second, when standard error is a terminal.
final class ProgressReporter: @unchecked Sendable {
    private let enabled: Bool
    private var start: Date?
    private var lastPrint = Date.distantPast
    private var printed = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: TransferProgress) -> Bool {
        guard enabled else { return true }
        let now = Date()
        if start == nil { start = now }  // the rate counts from the first byte, not from startup
        let done = p.totalObjects > 0 && p.indexedObjects == p.totalObjects && p.indexedDeltas == p.totalDeltas
        guard done || now.timeIntervalSince(lastPrint) >= 0.1 else { return true }
        lastPrint = now
        let elapsed = max(now.timeIntervalSince(start ?? now), 0.001)
        let percent = p.totalObjects > 0 ? p.receivedObjects * 100 / p.totalObjects : 0
        var line = "\rReceiving objects: \(percent)% (\(p.receivedObjects)/\(p.totalObjects)), \(Self.bytes(Double(p.receivedBytes))) | \(Self.bytes(Double(p.receivedBytes) / elapsed))/s"
        if p.totalDeltas > 0 { line += ", deltas \(p.indexedDeltas)/\(p.totalDeltas)" }
        StandardError.write(line + "\u{1B}[K")
        printed = true
        return true
    }

    func finish() {
        if printed { StandardError.write("\n") }
        printed = false
    }

    static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var v = value, unit = 0
        while v >= 1024 && unit < units.count - 1 { v /= 1024; unit += 1 }
        return unit == 0 ? "\(Int(v)) B" : String(format: "%.1f", v) + " " + units[unit]
    }
}

/// `sglang-forge pin nar-hash GIT_DIR REV`: the NAR hash of a commit's tree in a local
/// repository, as GitHub's tarball would unpack (no fetch, no checkout). Used by the benchmark
/// in `benchmarks/` and handy for checking a pin by hand.
struct PinNarHashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nar-hash",
        abstract: "Print the NAR hash of a commit's tree in a local git repository.",
        discussion: "Prints 'narHash' (SRI), 'nixBase32', 'lastModified' and 'narSize' lines."
    )

    @Argument(help: ArgumentHelp("A bare repository or .git directory.", valueName: "git-dir"))
    var gitDirectory: String

    @Argument(help: ArgumentHelp("A 40-hex commit id, or a tag or branch name.", valueName: "rev"))
    var rev: String

    @Flag(help: "Hash the raw tree, including paths marked export-ignore.")
    var noExportIgnore = false

    func run() throws {
        do {
            let repository = try Repository.open(path: gitDirectory)
            var commit = ObjectID(hex: rev)
            for name in [rev, "refs/tags/\(rev)", "refs/heads/\(rev)"] where commit == nil && (name.hasPrefix("refs/") || name == "HEAD") {
                commit = try repository.resolveReference(name)
            }
            guard let commit else {
                StandardError.write("error: '\(rev)' is neither a commit id nor a tag or branch of \(gitDirectory)\n")
                throw ForgeExitCode.invalidInput
            }
            let info = try repository.commit(commit)
            let (digest, size) = try TreeArchive(repository: repository, commit: commit, honourExportIgnore: !noExportIgnore).narHash()
            print("rev \(commit.hex)")
            print("narHash \(digest.sri)")
            print("nixBase32 \(digest.nixBase32)")
            print("lastModified \(info.committerTime)")
            print("narSize \(size)")
        } catch let exit as ExitCode {
            throw exit
        } catch {
            StandardError.write("error: \(error)\n")
            throw ForgeExitCode.ioFailure
        }
    }
}
