#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PluginKit

/// Finds backend plugins: executables named `sglang-forge-backend-NAME` in the directories of
/// `PATH`, the first directory winning for each name (as a shell finds commands, and as git finds
/// `git-NAME` subcommands).
public enum PluginDiscovery {
    /// The executable for backend `name` on `searchPath` (a `PATH` value), or `nil`.
    public static func find(_ name: String, searchPath: String) -> String? {
        guard !name.isEmpty, !name.contains("/") else { return nil }
        for directory in directories(searchPath) {
            let candidate = directory + "/" + PluginProtocol.executablePrefix + name
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// Every plugin on `searchPath`: name → executable, sorted by name.
    public static func all(searchPath: String) -> [(name: String, executable: String)] {
        var found: [String: String] = [:]
        for directory in directories(searchPath) {
            guard let dir = opendir(directory) else { continue }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let file = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
                guard file.hasPrefix(PluginProtocol.executablePrefix), file.count > PluginProtocol.executablePrefix.count else { continue }
                let name = String(file.dropFirst(PluginProtocol.executablePrefix.count))
                let path = directory + "/" + file
                if found[name] == nil, isExecutableFile(path) { found[name] = path }
            }
        }
        return found.sorted { $0.key < $1.key }.map { (name: $0.key, executable: $0.value) }
    }

    /// The directories of a `PATH` value; an empty entry means the current directory (POSIX).
    static func directories(_ searchPath: String) -> [String] {
        searchPath.split(separator: ":", omittingEmptySubsequences: false).map { $0.isEmpty ? "." : String($0) }
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}
