import Foundation

/// Where the dynamic linker would find one `DT_NEEDED` library of an ELF file in the prefix.
public enum LibraryResolution: Hashable, Sendable {
    /// Found inside the prefix, at this prefix-relative path.
    case prefix(String)
    /// Found in a system library directory of this host (``Relocation/systemLibraryDirectories``
    /// and below), at this absolute path.
    case system(String)
    /// A driver library (`libcuda.so.1`, `libnvidia-ml.so.1`, …): the target host's driver
    /// provides it, whether or not this host has one.
    case driver
    /// Not on the search path, but a file of that name (or `DT_SONAME`) is in the prefix: it is
    /// found when another object loaded it first (ld.so(8) matches already-loaded sonames before
    /// searching), as Python packages do when they preload their bundled libraries.
    case preloaded(String)
    /// Found outside the prefix and outside the system directories (e.g. `/usr/local/lib`, a
    /// CUDA toolkit listed in `/etc/ld.so.conf.d`), at this absolute path: it would be missing
    /// on another machine.
    case outside(String)
    /// Found nowhere.
    case missing
    /// A name with a `/` that is relative: ld.so(8) opens it relative to the working
    /// directory, which `pack` cannot know; not checked.
    case unchecked
}

/// The dynamic linker's library search for ELF files of a prefix, in ld.so(8)'s order: the
/// object's `DT_RPATH` when it has no `DT_RUNPATH`, then `LD_LIBRARY_PATH` (not used: it belongs
/// to the target's environment), then `DT_RUNPATH`, then the ld.so cache (`/etc/ld.so.cache`, as
/// `ldconfig -p` lists it), then the default directories.
///
/// Simplifications, all on the side of finding more: `DT_RPATH` of the objects that loaded this
/// one (ld.so searches their `DT_RPATH` too) is not followed; `$LIB` and `$PLATFORM` tokens and
/// relative run-path entries (relative to the working directory) are skipped; glibc-hwcaps
/// subdirectories are not searched separately.
public struct LibrarySearch: Sendable {
    /// ld.so cache: library name → absolute path, the first entry for this architecture.
    public var cache: [String: String]
    /// Directories searched last (ld.so's "system search path").
    public var defaultDirectories: [String]
    /// Whether an absolute path names an existing file (following symlinks).
    public var exists: @Sendable (String) -> Bool

    /// Names of driver libraries: provided by the NVIDIA driver of the target host (the same
    /// libraries the container toolkit mounts), never bundled.
    public static let driverLibraryPrefixes = ["libcuda.so", "libnvidia-", "libnvcuvid.so", "libnvoptix.so", "libGLX_nvidia.so", "libEGL_nvidia.so", "libGLESv1_CM_nvidia.so", "libGLESv2_nvidia.so"]

    /// ld.so's default directories on x86-64 and AArch64 Linux (Debian's multiarch directories
    /// first, then the generic ones; `ld.so --help` lists them as "system search path").
    public static let hostDefaultDirectories: [String] = {
        #if arch(arm64)
        let triple = "aarch64-linux-gnu"
        #else
        let triple = "x86_64-linux-gnu"
        #endif
        return ["/lib/\(triple)", "/usr/lib/\(triple)", "/lib64", "/usr/lib64", "/lib", "/usr/lib"]
    }()

    public init(cache: [String: String], defaultDirectories: [String], exists: @escaping @Sendable (String) -> Bool) {
        self.cache = cache
        self.defaultDirectories = defaultDirectories
        self.exists = exists
    }

    /// This host's search: its ld.so cache (one `ldconfig -p` run; empty when ldconfig is
    /// missing), ``hostDefaultDirectories``, and `stat(2)`.
    public static func host() -> LibrarySearch {
        var cache: [String: String] = [:]
        for tool in ["/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"] {
            guard let output = try? ELFTools.run(tool, ["-p"]), output.status == 0 else { continue }
            cache = parseCache(output.stdout)
            break
        }
        return LibrarySearch(cache: cache, defaultDirectories: hostDefaultDirectories) { path in
            var info = stat()
            return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }
    }

    /// Parses `ldconfig -p`: lines `\tNAME (FLAGS) => PATH`; keeps entries whose flags name this
    /// architecture (`x86-64`, `AArch64`), the first one per name (the cache's priority order).
    public static func parseCache(_ text: String) -> [String: String] {
        #if arch(arm64)
        let architecture = "AArch64"
        #else
        let architecture = "x86-64"
        #endif
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let arrow = line.range(of: " => "), let open = line.range(of: " (") , open.upperBound <= arrow.lowerBound else { continue }
            let name = line[..<open.lowerBound].trimmingCharacters(in: .whitespaces)
            let flags = line[open.upperBound..<arrow.lowerBound]
            guard flags.contains(architecture), !name.isEmpty, result[name] == nil else { continue }
            result[name] = String(line[arrow.upperBound...])
        }
        return result
    }

    /// Resolves the `DT_NEEDED` name `needed` of the ELF file at prefix-relative `file`.
    ///
    /// - Parameters:
    ///   - root: the prefix's absolute path on this host (`$ORIGIN` is the file's directory below it).
    ///   - rpath, runpath: the file's `DT_RPATH` and `DT_RUNPATH` as they will be in the archive
    ///     (after `$ORIGIN` rewriting and dropped entries).
    ///   - prefixNames: file names and sonames of the prefix's libraries, for ``LibraryResolution/preloaded(_:)``.
    public func resolve(_ needed: String, file: String, root: String, rpath: String?, runpath: String?,
                        prefixNames: Set<String>) -> LibraryResolution {
        if Self.driverLibraryPrefixes.contains(where: { needed.hasPrefix($0) }) { return .driver }
        if needed.contains("/") {
            guard needed.hasPrefix("/") else { return .unchecked }
            return exists(needed) ? classify(needed, root: root) : .missing
        }
        let directory = file.split(separator: "/").dropLast().joined(separator: "/")
        let origin = directory.isEmpty ? root : root + "/" + directory
        let runPath = runpath.map { [$0] } ?? rpath.map { [$0] } ?? []
        for value in runPath {
            for entry in value.split(separator: ":", omittingEmptySubsequences: true).map(String.init) {
                guard let expanded = Self.expand(entry, origin: origin) else { continue }
                let candidate = expanded + "/" + needed
                if exists(candidate) { return classify(candidate, root: root) }
            }
        }
        if let cached = cache[needed], exists(cached) { return classify(cached, root: root) }
        for directory in defaultDirectories where exists(directory + "/" + needed) {
            return classify(directory + "/" + needed, root: root)
        }
        return prefixNames.contains(needed) ? .preloaded(needed) : .missing
    }

    /// A run-path entry with `$ORIGIN`/`${ORIGIN}` replaced, trailing `/` removed; `nil` for a
    /// relative entry or one with another token (`$LIB`, `$PLATFORM`).
    static func expand(_ entry: String, origin: String) -> String? {
        var value = entry
        for token in ["${ORIGIN}", "$ORIGIN"] { value = value.replacingOccurrences(of: token, with: origin) }
        guard value.hasPrefix("/"), !value.contains("$") else { return nil }
        while value.count > 1 && value.hasSuffix("/") { value.removeLast() }
        return value
    }

    private func classify(_ path: String, root: String) -> LibraryResolution {
        let normal = URL(fileURLWithPath: path).standardizedFileURL.path
        if let inside = Relocation.relativeInside(normal, prefix: root) { return .prefix(inside) }
        if Relocation.systemLibraryDirectories.contains(where: { normal.hasPrefix($0 + "/") }) { return .system(normal) }
        return .outside(normal)
    }
}
