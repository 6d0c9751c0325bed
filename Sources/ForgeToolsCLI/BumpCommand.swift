import ArgumentParser
import Bump
import ForgeCLI
import Foundation
import Git
import GitHubAPI
import Hashes
import Lock
import Locking
import PackageIndex
import Packaging
import Pinning
import Spec

/// `sglang-forge bump [SPEC]`: version-bump proposals that move coupled releases together, one
/// branch and one pull request per group (docs/bump.md).
struct BumpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ToolCommand.bump.rawValue,
        abstract: ToolCommand.bump.abstract,
        discussion: """
            Exit codes: 0 nothing to do, or every proposal done; 1 a proposal could not be applied \
            (blocked, or re-lock/check/plan failed); 2 an index, artifact, git remote or the GitHub \
            API could not be read or written. See docs/bump.md.
            """
    )

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var options: SpecOptions

    @Flag(help: "Print the proposals and their PR bodies; change, push and open nothing.")
    var dryRun = false

    @Option(help: "Output format.")
    var format: Format = .text

    @Flag(help: "Also apply a release that needs another CUDA major, bumping cuda.version.")
    var allowCUDAMajor = false

    @Flag(help: "Do not re-lock, check and plan the edited specs.")
    var noValidate = false

    @Flag(help: "Re-lock without re-resolving the Python closure with uv.")
    var noClosure = false

    @Flag(help: "Do not look at nixpkgs.")
    var noNixpkgs = false

    @Option(help: ArgumentHelp("The nixpkgs branch to follow.", valueName: "branch"))
    var nixpkgsBranch = "nixos-unstable"

    @Option(help: ArgumentHelp("Read nixpkgs from this URL or path instead of https://github.com/OWNER/REPO.git.", valueName: "url"))
    var nixpkgsURL: String?

    @Option(help: ArgumentHelp("The git repository holding the spec (default: the nearest one above the spec).", valueName: "dir"))
    var repository: String?

    @Option(help: ArgumentHelp("The branch proposals are based on and PRs target.", valueName: "branch"))
    var base = "main"

    @Option(help: ArgumentHelp("The remote to push to: a name or a URL.", valueName: "remote"))
    var remote = "origin"

    @Option(help: ArgumentHelp("The GitHub repository OWNER/NAME (default: $GITHUB_REPOSITORY).", valueName: "owner/name"))
    var githubRepository: String?

    @Option(help: ArgumentHelp("The GitHub REST API root (default: $GITHUB_API_URL, else https://api.github.com).", valueName: "url"))
    var githubAPI: String?

    @Option(help: ArgumentHelp("Where downloads and the git cache are kept.", valueName: "dir"))
    var cacheDir: String?

    @Option(help: ArgumentHelp("Time limit of one HTTP attempt, in seconds.", valueName: "seconds"))
    var timeout: Double = 60

    @Option(help: ArgumentHelp("HTTP attempts per request.", valueName: "n"))
    var attempts = 3

    func validate() throws {
        if let githubRepository, githubRepository.split(separator: "/").count != 2 {
            throw ValidationError("--github-repository must be OWNER/NAME, got '\(githubRepository)'")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let path = options.spec
        guard let data = FileManager.default.contents(atPath: path) else {
            StandardError.write("\(path): error: cannot read spec\n")
            throw ForgeExitCode.ioFailure
        }
        let source = [UInt8](data)
        let (decoded, diagnostics) = SpecLoader.decode(source, path: path)
        guard let spec = decoded else {
            Pipeline.report(diagnostics, file: path)
            throw ForgeExitCode.invalidInput
        }
        guard let python = PythonVersion(spec.runtime.python.value), let glibc = GlibcVersion(spec.runtime.glibc.value) else {
            StandardError.write(Diagnostic(.error, "runtime python/glibc must be 'major.minor'", file: path, at: spec.runtime.python.location).description + "\n")
            throw ForgeExitCode.invalidInput
        }
        let lock = FileManager.default.contents(atPath: options.resolvedLockPath).flatMap { try? LockCoder.decode($0) }
        let cache = cacheDir.map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/sglang-forge")
        let meter = TransferMeter()
        var configured = HTTPClient(timeout: timeout, attempts: attempts)
        configured.meter = meter
        let client = configured
        let target = TargetEnvironment(pythonMajor: python.major, pythonMinor: python.minor, architecture: spec.runtime.platform.value.wheelArchitecture, glibc: glibc)
        let progress = ProgressLine(label: "bump")
        let resolver = IndexResolver(client: client, chooser: WheelChooser(target: target), cacheDirectory: cache, progress: { progress.show($0) })
        let catalog = ReleaseCatalog(resolver: resolver, metadata: RemoteWheelMetadata(client: client))
        let downloads = cache.appendingPathComponent("bump-downloads")
        let fetch: @Sendable (String) async throws -> Digest = { url in
            guard let remote = URL(string: url) else { throw IndexError.transport(url: url, reason: "not a URL") }
            let file = downloads.appendingPathComponent(UUID().uuidString)
            defer { try? FileManager.default.removeItem(at: file) }
            try await client.download(remote, to: file)
            return try Digest(parsing: "sha256:" + FileHasher.sha256(of: file).hex)
        }
        let gitCache = GitCache(root: cacheDir.map { $0 + "/git" } ?? GitCache.defaultRoot())
        let nixpkgsRemote = nixpkgsURL ?? NixpkgsPinner.gitHubURL(owner: spec.nixpkgs.owner.value, repo: spec.nixpkgs.repo.value)
        let branch = nixpkgsBranch
        let head: (@Sendable () async throws -> (reference: String, commit: String))?
        if noNixpkgs { head = nil } else {
            head = { @Sendable in
                let found = try NixpkgsPinner(url: nixpkgsRemote, cache: gitCache).resolve(reference: branch)
                return (found.name, found.commit.hex)
            }
        }
        let sources = BumpSources(catalog: catalog, fetchArtifact: fetch, nixpkgsHead: head, progress: { progress.show($0) })
        let proposer = Proposer(spec: spec, lock: lock, allowCUDAMajor: allowCUDAMajor, sources: sources)

        var validator: ProposalValidator?
        if !noValidate {
            let settings = Locker.Settings(closure: !noClosure, cacheDirectory: cache, timeout: timeout, attempts: attempts, askGitHub: false,
                                           progress: { progress.show($0) })
            validator = LockValidation.validator(specName: (path as NSString).lastPathComponent, previousLock: lock, settings: settings)
        }
        var publisher: Publisher?
        var specInRepository = (path as NSString).lastPathComponent
        if !dryRun {
            guard let root = repository ?? Self.repositoryRoot(above: path) else {
                StandardError.write("\(path): error: not inside a git repository; pass --repository, or --dry-run\n")
                throw ForgeExitCode.ioFailure
            }
            guard let name = githubRepository ?? environment["GITHUB_REPOSITORY"], name.split(separator: "/").count == 2 else {
                StandardError.write("error: the GitHub repository is unknown; pass --github-repository OWNER/NAME (GitHub Actions sets $GITHUB_REPOSITORY)\n")
                throw ForgeExitCode.invalidInput
            }
            let token = environment["GITHUB_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            let absoluteSpec = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
            let absoluteRoot = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
            specInRepository = absoluteSpec.hasPrefix(absoluteRoot + "/") ? String(absoluteSpec.dropFirst(absoluteRoot.count + 1)) : specInRepository
            let now = environment["SOURCE_DATE_EPOCH"].flatMap { Int64($0) } ?? Int64(Date().timeIntervalSince1970)
            let author = Signature(name: environment["GIT_AUTHOR_NAME"] ?? "sglang-forge", email: environment["GIT_AUTHOR_EMAIL"] ?? "sglang-forge@users.noreply.github.com", time: now)
            let parts = name.split(separator: "/").map(String.init)
            publisher = Publisher(
                github: GitHubClient(baseURL: githubAPI ?? environment["GITHUB_API_URL"] ?? "https://api.github.com", token: token),
                settings: PublishSettings(repositoryPath: root, baseBranch: base, remote: remote, owner: parts[0], repo: parts[1], token: token, author: author))
        }
        let nixpkgsHash: @Sendable (String) async throws -> Digest = { rev in
            guard let id = ObjectID(hex: rev) else { throw PinError.unknownReference(rev, url: nixpkgsRemote, candidates: []) }
            return try NixpkgsPinner(url: nixpkgsRemote, cache: gitCache).pin(rev: id, reference: "refs/heads/\(branch)").narHash
        }
        let run = BumpRun(proposer: proposer, source: source, specPath: path, validator: validator, publisher: publisher,
                          specInRepository: specInRepository, nixpkgsHash: nixpkgsHash, meter: meter)
        let report = await run.run()
        progress.finish()
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let json = (try? encoder.encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            print(json)
        case .text:
            print(ReportText.render(report, bodies: dryRun), terminator: "")
        }
        if report.hasIOErrors { throw ForgeExitCode.ioFailure }
        if report.hasFailedProposals { throw ForgeExitCode.invalidInput }
    }

    /// The nearest directory at or above the spec's that holds `.git` (a directory, or a file for
    /// a linked work tree).
    static func repositoryRoot(above spec: String) -> String? {
        var directory = URL(fileURLWithPath: spec).standardizedFileURL.deletingLastPathComponent()
        while true {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent(".git").path) { return directory.path }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }
}
