import Foundation
import Testing

/// `sglang-forge bump` end to end: a work repository whose `origin` is a local bare repository,
/// the fixture index, and the GitHub API stand-in recording every request.
@Suite(.serialized) struct BumpPublishTests {
    struct Setup {
        let temp: TemporaryDirectory
        let server: BumpServer
        let work: String
        let remote: String
        let original: String

        init() throws {
            temp = try TemporaryDirectory("publish")
            server = try BumpServer()
            work = temp.path + "/work"
            remote = temp.path + "/origin.git"
            try FileManager.default.createDirectory(atPath: work + "/specs", withIntermediateDirectories: true)
            original = try server.spec()
            try original.write(toFile: work + "/specs/demo.yaml", atomically: false, encoding: .utf8)
            try "# demo\n".write(toFile: work + "/README.md", atomically: false, encoding: .utf8)
            try git(["init", "-q", "-b", "main"], in: work)
            try git(["add", "-A"], in: work)
            try git(["commit", "-q", "-m", "initial"], in: work)
            try git(["init", "-q", "--bare", remote], in: temp.path)
            try git(["remote", "add", "origin", remote], in: work)
            try git(["push", "-q", "origin", "main"], in: work)
        }

        func bump(_ extra: [String] = []) throws -> (status: Int32, output: String, stdout: String) {
            try run([forgeExecutable(), "bump", "specs/demo.yaml", "--no-nixpkgs", "--no-closure", "--cache-dir", temp.path + "/cache",
                     "--github-api", server.api, "--github-repository", "o/r", "--timeout", "10", "--attempts", "1"] + extra,
                    in: work, environment: ["GITHUB_TOKEN": "test-token", "SOURCE_DATE_EPOCH": "1767225600"])
        }

        func remoteBranch(_ name: String) throws -> String? {
            let result = try run(["git", "--git-dir", remote, "rev-parse", "--verify", "-q", "refs/heads/\(name)"])
            return result.status == 0 ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
        }
    }

    @Test func publishesOneBranchAndPRPerGroupThenUpdatesAndRespectsAClosedPR() async throws {
        let setup = try Setup()
        let first = try setup.bump()
        // rt-cuda13 needs --allow-cuda-major: reported, not applied, and not a failure.
        #expect(first.status == 0, "\(first.output)")
        #expect(first.stdout.contains("proposal rt [validated]"), "\(first.output)")
        #expect(first.stdout.contains("lock: ok"), "\(first.output)")

        let main = try git(["--git-dir", setup.remote, "rev-parse", "refs/heads/main"], in: setup.temp.path)
        let branch = try #require(try setup.remoteBranch("sglang-forge/bump-rt"))
        #expect(try git(["--git-dir", setup.remote, "rev-parse", "\(branch)^"], in: setup.temp.path) == main)
        let message = try git(["--git-dir", setup.remote, "log", "-1", "--format=%B", branch], in: setup.temp.path)
        #expect(message.hasPrefix("Bump rt 1.0 → 1.2 (+5 coupled)\n\n- rt: 1.0 → 1.2\n- fi-cubin: 0.5 → 0.7\n"))
        #expect(message.contains("- kern → kern-ng: 1.0 → 2.0rc1\n- torch: 2.0 → 2.1\n- rt: waiver kern==1.0 removed"))
        // The commit changes the spec and adds the re-made lock, nothing else.
        let changed = try git(["--git-dir", setup.remote, "diff", "--name-only", main, branch], in: setup.temp.path)
        #expect(changed == "specs/demo.lock\nspecs/demo.yaml")
        let committed = try git(["--git-dir", setup.remote, "show", "\(branch):specs/demo.yaml"], in: setup.temp.path)
        #expect(committed.contains("  kern-ng:\n    version: \"2.0rc1\"       # quoted on purpose"))
        #expect(try setup.remoteBranch("sglang-forge/bump-helper") != nil)
        #expect(try setup.remoteBranch("sglang-forge/bump-rt-cuda13") == nil)
        // The work tree is untouched.
        #expect(try String(contentsOfFile: setup.work + "/specs/demo.yaml", encoding: .utf8) == setup.original)

        var api = try setup.server.apiRequests()
        #expect(api.map { "\($0.method) \($0.path)" } == [
            "GET /api/repos/o/r/pulls?head=o:sglang-forge/bump-rt&state=all&per_page=100",
            "POST /api/repos/o/r/pulls",
            "GET /api/repos/o/r/pulls?head=o:sglang-forge/bump-helper&state=all&per_page=100",
            "POST /api/repos/o/r/pulls",
        ])
        #expect(api[1].body?["head"] == "sglang-forge/bump-rt" && api[1].body?["base"] == "main")
        #expect(api[1].body?["title"] == "Bump rt 1.0 → 1.2 (+5 coupled)")
        #expect(api[1].body?["body"]?.contains("| torch | 2.0 | 2.1 | 2026-01-20 |") == true)
        #expect(api[1].body?["body"]?.contains("✅ `check`") == true)

        // Second run after main moved: the same branch is force-pushed onto the new base and the
        // open PR updated; no second PR.
        try "# demo, edited\n".write(toFile: setup.work + "/README.md", atomically: false, encoding: .utf8)
        try git(["commit", "-q", "-am", "docs"], in: setup.work)
        try git(["push", "-q", "origin", "main"], in: setup.work)
        let newMain = try git(["rev-parse", "HEAD"], in: setup.work)
        _ = try setup.bump()
        let moved = try #require(try setup.remoteBranch("sglang-forge/bump-rt"))
        #expect(moved != branch)
        #expect(try git(["--git-dir", setup.remote, "rev-parse", "\(moved)^"], in: setup.temp.path) == newMain)
        api = try setup.server.apiRequests()
        #expect(api.dropFirst(4).map { "\($0.method) \($0.path)" } == [
            "GET /api/repos/o/r/pulls?head=o:sglang-forge/bump-rt&state=all&per_page=100",
            "PATCH /api/repos/o/r/pulls/1",
            "GET /api/repos/o/r/pulls?head=o:sglang-forge/bump-helper&state=all&per_page=100",
            "PATCH /api/repos/o/r/pulls/2",
        ])

        // A person closes the rt PR: the next run neither pushes nor reopens it.
        try await setup.server.post("/_close/1")
        let third = try setup.bump()
        #expect(third.stdout.contains("proposal rt [closed-pr]"), "\(third.output)")
        #expect(try setup.remoteBranch("sglang-forge/bump-rt") == moved)
        api = try setup.server.apiRequests()
        #expect(api.dropFirst(8).map { "\($0.method) \($0.path)" } == [
            "GET /api/repos/o/r/pulls?head=o:sglang-forge/bump-rt&state=all&per_page=100",
            "GET /api/repos/o/r/pulls?head=o:sglang-forge/bump-helper&state=all&per_page=100",
            "PATCH /api/repos/o/r/pulls/2",
        ])
    }

    @Test func dryRunTouchesNothingAndPrintsTheBodies() throws {
        let setup = try Setup()
        let result = try setup.bump(["--dry-run", "--no-validate"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("===== PR body: sglang-forge/bump-rt ====="))
        #expect(result.stdout.contains("<!-- sglang-forge-bump group=rt targets="))
        #expect(try setup.remoteBranch("sglang-forge/bump-rt") == nil)
        #expect(try setup.server.apiRequests().isEmpty)
        let json = try setup.bump(["--dry-run", "--no-validate", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["proposals"] as? [[String: Any]])?.map { $0["group"] as? String } == ["rt", "rt-cuda13", "helper"])
    }
}
