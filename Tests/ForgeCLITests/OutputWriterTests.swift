import BackendCore
import ForgeTestSupport
import Foundation
@testable import ForgeCLI
import Testing

/// The one writer every backend's files go through: atomic replacement, edit detection, --force.
@Suite struct OutputWriterTests {
    let files = [
        GeneratedFile(path: "flake.nix", contents: "# generated\n{ }\n"),
        GeneratedFile(path: "nix/lib/a.nix", contents: "1\n"),
        GeneratedFile(path: "build.sh", contents: "#!/bin/sh\n", isExecutable: true),
    ]

    func withDirectory(_ body: (URL) throws(any Error) -> Void) throws {
        let root = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: root) }
        try body(root.appendingPathComponent("out"))
    }

    func text(_ url: URL) -> String? { try? String(contentsOf: url, encoding: .utf8) }

    @Test func createsThenReportsUnchanged() throws {
        try withDirectory { (out: URL) throws(any Error) in
            let writer = OutputWriter(directory: out, force: false)
            #expect(try writer.write(files).map(\.description) == ["create     flake.nix", "create     nix/lib/a.nix", "create     build.sh"])
            #expect(text(out.appendingPathComponent("nix/lib/a.nix")) == "1\n")
            #expect(FileManager.default.isExecutableFile(atPath: out.appendingPathComponent("build.sh").path))
            #expect(try writer.write(files).allSatisfy { if case .unchanged = $0 { true } else { false } })
            // No temporary or retired directories are left next to the output.
            #expect(try FileManager.default.contentsOfDirectory(atPath: out.deletingLastPathComponent().path) == ["out"])
        }
    }

    /// A run killed between creating its staging directory and renaming it away leaves
    /// `.out.tmp-<pid>-…`; the next run removes it once that process is gone, and leaves a
    /// running writer's directories alone.
    @Test func stagingDirectoriesOfKilledRunsAreRemoved() throws {
        try withDirectory { (out: URL) throws(any Error) in
            let parent = out.deletingLastPathComponent()
            // A process that has exited: its pid is free (and not reused this fast).
            let gone = Process()
            gone.executableURL = URL(fileURLWithPath: "/bin/true")
            try gone.run()
            gone.waitUntilExit()
            let dead = gone.processIdentifier
            for name in [".out.tmp-\(dead)-1", ".out.old-\(dead)-2", ".out.tmp-1-3", ".other.tmp-\(dead)-4"] {
                try FileManager.default.createDirectory(at: parent.appendingPathComponent(name + "/nix"), withIntermediateDirectories: true)
            }
            _ = try OutputWriter(directory: out, force: false).write(files)
            // pid 1 is alive; `.other` belongs to another output directory.
            #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).sorted() == [".other.tmp-\(dead)-4", ".out.tmp-1-3", "out"])
        }
    }

    @Test func editedFilesAreNotOverwrittenWithoutForce() throws {
        try withDirectory { (out: URL) throws(any Error) in
            _ = try OutputWriter(directory: out, force: false).write(files)
            try Data("# edited by hand\n".utf8).write(to: out.appendingPathComponent("flake.nix"))
            var changed = files
            changed[1].contents = "2\n"
            #expect(throws: OutputWriter.Failure.self) { try OutputWriter(directory: out, force: false).write(changed) }
            #expect(text(out.appendingPathComponent("flake.nix")) == "# edited by hand\n")
            #expect(text(out.appendingPathComponent("nix/lib/a.nix")) == "1\n", "nothing is written when one file is refused")
            do {
                _ = try OutputWriter(directory: out, force: false).write(changed)
            } catch let failure as OutputWriter.Failure {
                #expect(failure.description == "refusing to overwrite generated files edited since sglang-forge wrote them (use --force to overwrite):\n  \(out.path)/flake.nix")
            }
            _ = try OutputWriter(directory: out, force: true).write(changed)
            #expect(text(out.appendingPathComponent("flake.nix")) == "# generated\n{ }\n")
            #expect(text(out.appendingPathComponent("nix/lib/a.nix")) == "2\n")
        }
    }

    @Test func personalFilesAreKeptAndStaleGeneratedFilesRemoved() throws {
        try withDirectory { (out: URL) throws(any Error) in
            _ = try OutputWriter(directory: out, force: false).write(files)
            try Data("notes\n".utf8).write(to: out.appendingPathComponent("NOTES.md"))
            let fewer = Array(files.prefix(1))
            let changes = try OutputWriter(directory: out, force: false).write(fewer)
            #expect(changes.map(\.description).sorted() == ["keep       NOTES.md (not generated)", "remove     build.sh", "remove     nix/lib/a.nix", "unchanged  flake.nix"])
            #expect(text(out.appendingPathComponent("NOTES.md")) == "notes\n")
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("nix/lib/a.nix").path))
        }
    }

    @Test func foreignDirectoriesNeedForce() throws {
        try withDirectory { (out: URL) throws(any Error) in
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try Data("mine\n".utf8).write(to: out.appendingPathComponent("mine.txt"))
            #expect(throws: OutputWriter.Failure.self) { try OutputWriter(directory: out, force: false).write(files) }
            _ = try OutputWriter(directory: out, force: true).write(files)
            #expect(text(out.appendingPathComponent("mine.txt")) == "mine\n")
        }
    }

    @Test func dryRunWritesNothing() throws {
        try withDirectory { (out: URL) throws(any Error) in
            let changes = try OutputWriter(directory: out, force: false).plan(files)
            #expect(changes.count == 3)
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    @Test func unsafePathsAreRefused() {
        for path in ["../x", "/etc/passwd", "a//b", "a/./b", "", OutputWriter.manifestName] {
            #expect(!OutputWriter.isSafe(path), "\(path)")
        }
        #expect(OutputWriter.isSafe("nix/lib/torch.nix"))
    }
}
