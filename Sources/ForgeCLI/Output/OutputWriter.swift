import BackendCore
import Crypto
import Foundation
import Hashes

/// Puts generated files on disk, atomically and without clobbering a person's edits.
///
/// The output directory holds a manifest (``manifestName``) with the SHA-256 of every file
/// sglang-forge wrote. On the next run:
/// - a generated file whose bytes no longer match the manifest was edited by a person and is not
///   overwritten or removed unless `force` is set;
/// - files the manifest does not list (a person's own files) are kept as they are;
/// - generated files the new run no longer produces are removed;
/// - nothing is written when nothing changed.
/// The new tree is assembled in a sibling temporary directory and renamed into place, so a
/// failed or interrupted run never leaves a half-written output directory.
struct OutputWriter {
    /// Name of the manifest file inside the output directory.
    static let manifestName = ".sglang-forge-manifest"

    /// The output directory.
    let directory: URL
    /// Overwrite or remove generated files a person edited, and adopt a directory with no manifest.
    let force: Bool

    /// What happens to one path.
    enum Change: Equatable, CustomStringConvertible {
        case create(String), update(String), unchanged(String), remove(String), keep(String)

        var path: String {
            switch self {
            case .create(let p), .update(let p), .unchanged(let p), .remove(let p), .keep(let p): p
            }
        }

        var description: String {
            switch self {
            case .create(let p): "create     \(p)"
            case .update(let p): "update     \(p)"
            case .unchanged(let p): "unchanged  \(p)"
            case .remove(let p): "remove     \(p)"
            case .keep(let p): "keep       \(p) (not generated)"
            }
        }

        var isWrite: Bool {
            switch self {
            case .create, .update, .remove: true
            case .unchanged, .keep: false
            }
        }
    }

    /// Why the files could not be written.
    enum Failure: Error, CustomStringConvertible {
        case edited([String], directory: String)
        case foreignDirectory(String)
        case badPath(String)
        case symlink(path: String, link: String, directory: String)
        case io(String)

        var description: String {
            switch self {
            case .edited(let paths, let directory):
                "refusing to overwrite generated files edited since sglang-forge wrote them (use --force to overwrite):\n"
                    + paths.map { "  \(directory)/\($0)" }.joined(separator: "\n")
            case .foreignDirectory(let directory):
                "\(directory) exists, is not empty and was not written by sglang-forge (no \(OutputWriter.manifestName)); use --force to write into it"
            case .badPath(let path): "internal error: a backend produced the unsafe path '\(path)'"
            case .symlink(let path, let link, let directory):
                "refusing to write '\(path)': '\(link)' is a symbolic link in \(directory), and generated files are never written through links; nothing was written"
            case .io(let message): message
            }
        }
    }

    /// Computes the changes `files` would make, without writing anything.
    func plan(_ files: [GeneratedFile]) throws(Failure) -> [Change] {
        for file in files where !Self.isSafe(file.path) { throw .badPath(file.path) }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            return files.map { .create($0.path) }
        }
        guard isDirectory.boolValue else { throw .io("\(directory.path) exists and is not a directory") }
        for file in files {
            if let link = symlinkPrefix(of: file.path) { throw .symlink(path: file.path, link: link, directory: directory.path) }
        }
        let manifest = readManifest()
        let existing = listFiles()
        if manifest == nil && !existing.isEmpty && !force { throw .foreignDirectory(directory.path) }
        let recorded = manifest ?? [:]
        let edited = recorded.keys.sorted().filter { path in
            guard let data = fm.contents(atPath: directory.appendingPathComponent(path).path) else { return false }
            return Self.sha256(data) != recorded[path]
        }
        if !edited.isEmpty && !force { throw .edited(edited, directory: directory.path) }
        var changes: [Change] = []
        let newPaths = Set(files.map(\.path))
        for file in files {
            let url = directory.appendingPathComponent(file.path)
            if let data = fm.contents(atPath: url.path) {
                let sameMode = Self.isExecutable(url) == file.isExecutable
                changes.append(data == Data(file.contents.utf8) && sameMode ? .unchanged(file.path) : .update(file.path))
            } else {
                changes.append(.create(file.path))
            }
        }
        for path in recorded.keys.sorted() where !newPaths.contains(path) && existing.contains(path) {
            changes.append(.remove(path))
        }
        for path in existing.sorted() where recorded[path] == nil && !newPaths.contains(path) && path != Self.manifestName {
            changes.append(.keep(path))
        }
        return changes
    }

    /// Removes `.<name>.tmp-<pid>-…` and `.<name>.old-<pid>-…` siblings left by an earlier run
    /// that was killed between creating them and renaming them away, when that process no longer
    /// exists (`kill(pid, 0)` fails with `ESRCH`); a running writer's directories are left alone.
    func removeAbandonedStaging(in parent: URL, name: String) {
        guard let siblings = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for sibling in siblings {
            for marker in [".\(name).tmp-", ".\(name).old-"] where sibling.hasPrefix(marker) {
                let token = sibling.dropFirst(marker.count)
                guard let pid = token.split(separator: "-").first.flatMap({ Int32($0) }), pid > 0 else { continue }
                if pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH { continue }
                try? FileManager.default.removeItem(at: parent.appendingPathComponent(sibling))
            }
        }
    }

    /// Writes `files` (see the type's documentation).
    /// - Returns: the changes made.
    func write(_ files: [GeneratedFile]) throws(Failure) -> [Change] {
        removeAbandonedStaging(in: directory.deletingLastPathComponent(), name: directory.lastPathComponent)
        let changes = try plan(files)
        let manifestChanged = readManifest() != Dictionary(files.map { ($0.path, Self.sha256(Data($0.contents.utf8))) }, uniquingKeysWith: { a, _ in a })
        guard changes.contains(where: \.isWrite) || manifestChanged else { return changes }
        let fm = FileManager.default
        let parent = directory.deletingLastPathComponent()
        let name = directory.lastPathComponent
        let token = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let staging = parent.appendingPathComponent(".\(name).tmp-\(token)")
        let retired = parent.appendingPathComponent(".\(name).old-\(token)")
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
            var manifest: [String] = []
            for file in files {
                let url = staging.appendingPathComponent(file.path)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                let data = Data(file.contents.utf8)
                try data.write(to: url)
                try fm.setAttributes([.posixPermissions: file.isExecutable ? 0o755 : 0o644], ofItemAtPath: url.path)
                manifest.append("\(Self.sha256(data))  \(file.path)")
            }
            for case .keep(let path) in changes {
                let target = staging.appendingPathComponent(path)
                try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fm.copyItem(at: directory.appendingPathComponent(path), to: target)
            }
            let manifestText = "# sglang-forge output manifest: sha256 and path of every generated file\n" + manifest.sorted { $0.dropFirst(66) < $1.dropFirst(66) }.joined(separator: "\n") + "\n"
            try Data(manifestText.utf8).write(to: staging.appendingPathComponent(Self.manifestName))
            if fm.fileExists(atPath: directory.path) {
                try fm.moveItem(at: directory, to: retired)
                do {
                    try fm.moveItem(at: staging, to: directory)
                } catch {
                    try? fm.moveItem(at: retired, to: directory)
                    throw error
                }
                try? fm.removeItem(at: retired)
            } else {
                try fm.moveItem(at: staging, to: directory)
            }
        } catch {
            try? fm.removeItem(at: staging)
            throw .io("cannot write \(directory.path): \(error.localizedDescription)")
        }
        return changes
    }

    // MARK: helpers

    /// The first prefix of `path` (`a`, `a/b`, …, the path itself) that is a symbolic link in the
    /// existing output directory, or `nil`.
    private func symlinkPrefix(of path: String) -> String? {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty ? "" : "/") + component
            let full = directory.appendingPathComponent(prefix).path
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: full)) != nil { return prefix }
        }
        return nil
    }

    /// Relative, `/`-separated, no empty, `.` or `..` components.
    static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), path != manifestName else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    static func sha256(_ data: Data) -> String {
        Base16.encode(Array(SHA256.hash(data: data)))
    }

    private static func isExecutable(_ url: URL) -> Bool {
        let permissions = (try? FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue ?? 0
        return permissions & 0o111 != 0
    }

    /// Path → sha256 hex, or `nil` when there is no manifest.
    private func readManifest() -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(Self.manifestName).path) else { return nil }
        var result: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2 else { continue }
            let path = parts[1].trimmingCharacters(in: .whitespaces)
            if Self.isSafe(path) { result[path] = String(parts[0]) }
        }
        return result
    }

    /// Every regular file under the directory, relative paths.
    private func listFiles() -> Set<String> {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var result = Set<String>()
        let base = directory.standardizedFileURL.path + "/"
        for case let url as URL in enumerator {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let path = url.standardizedFileURL.path
            if path.hasPrefix(base) { result.insert(String(path.dropFirst(base.count))) }
        }
        return result
    }
}
