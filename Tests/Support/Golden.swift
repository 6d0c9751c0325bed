import Foundation
// Testing is importable only when building tests; a plain `swift build` compiles this target
// (SwiftPM builds every non-test target) without the golden helper.
#if canImport(Testing)
import Testing

/// The one golden-file mechanism of the test targets (after swift-openapi-generator's
/// `FileBasedReferenceTests`): compare generated text, or a whole generated tree, with files
/// committed under a golden directory, with a unified diff on mismatch; with
/// `SGLANG_FORGE_REGENERATE_GOLDENS=1` rewrite them instead (scripts/regen-goldens.sh sets it;
/// review `git diff` afterwards).
public enum Golden {
    /// Whether this run rewrites goldens instead of comparing.
    public static var regenerating: Bool { ProcessInfo.processInfo.environment["SGLANG_FORGE_REGENERATE_GOLDENS"] == "1" }

    /// Compares `actual` with the file at `path` (relative to the package root).
    public static func expect(_ actual: String, matches path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = Repository.root.appendingPathComponent(path)
        if regenerating {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: url)
            return
        }
        let expected = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        if expected != actual {
            Issue.record("golden file \(path) differs (regenerate with scripts/regen-goldens.sh):\n\(diff(expected, actual))", sourceLocation: sourceLocation)
        }
    }

    /// Compares a generated tree (relative path → contents) with the directory `path`: the same
    /// set of files, each with the same bytes. Regenerating replaces the directory.
    public static func expectTree(_ files: [String: String], matches path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let root = Repository.root.appendingPathComponent(path)
        if regenerating {
            try? FileManager.default.removeItem(at: root)
            for (relative, contents) in files {
                let url = root.appendingPathComponent(relative)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(contents.utf8).write(to: url)
            }
            return
        }
        let committed = try Tree.read(root)
        let missing = Set(committed.keys).subtracting(files.keys).sorted()
        let extra = Set(files.keys).subtracting(committed.keys).sorted()
        if !missing.isEmpty || !extra.isEmpty {
            Issue.record("golden tree \(path): not generated \(missing), not committed \(extra) (regenerate with scripts/regen-goldens.sh)", sourceLocation: sourceLocation)
        }
        for (relative, contents) in files.sorted(by: { $0.key < $1.key }) {
            guard let expected = committed[relative], expected != contents else { continue }
            Issue.record("golden file \(path)/\(relative) differs (regenerate with scripts/regen-goldens.sh):\n\(diff(expected, contents))", sourceLocation: sourceLocation)
        }
    }

    /// `diff -u` of two texts.
    public static func diff(_ expected: String, _ actual: String) -> String {
        guard let dir = try? Scratch.directory() else { return "(diff unavailable)" }
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("expected"), b = dir.appendingPathComponent("actual")
        try? Data(expected.utf8).write(to: a)
        try? Data(actual.utf8).write(to: b)
        return (try? Command.run(["/usr/bin/diff", "-u", a.path, b.path]).stdout) ?? "(diff unavailable)"
    }
}

#endif

/// Files of a directory tree as relative path → UTF-8 text (every regular file, recursively).
public enum Tree {
    /// Reads every regular file under `root`; an absent directory reads as empty.
    public static func read(_ root: URL) throws -> [String: String] {
        var files: [String: String] = [:]
        for (path, data) in try bytes(root) { files[path] = String(decoding: data, as: UTF8.self) }
        return files
    }

    /// Every regular file and symbolic link under `root` with its bytes (a link as `-> target`),
    /// for asserting that a directory is untouched.
    public static func bytes(_ root: URL) throws -> [String: Data] {
        let fm = FileManager.default
        guard fm.fileExists(atPath: root.path) else { return [:] }
        var result: [String: Data] = [:]
        for relative in try fm.subpathsOfDirectory(atPath: root.path) {
            let full = root.appendingPathComponent(relative).path
            if let target = try? fm.destinationOfSymbolicLink(atPath: full) {
                result[relative] = Data("-> \(target)".utf8)
                continue
            }
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[relative] = fm.contents(atPath: full) ?? Data()
            }
        }
        return result
    }
}
