/// One reason a prefix cannot be packed as relocatable. `pack` collects every problem of the
/// prefix before failing, and prints them sorted by path.
public enum PackProblem: Hashable, Sendable, CustomStringConvertible {
    /// A symlink with an absolute target (`path`, `target`).
    case absoluteSymlink(String, target: String)
    /// A relative symlink whose target climbs out of the prefix.
    case escapingSymlink(String, target: String)
    /// A device, FIFO or socket (`path`, kind in words).
    case specialFile(String, kind: String)
    /// A name `pack` cannot record: not UTF-8, or with a tab or a newline.
    case unrecordableName(String)
    /// An `RPATH`/`RUNPATH` entry ending in `/stubs` (CUDA's link-time stub libraries).
    case stubsRunPath(String, entry: String)
    /// An `RPATH`/`RUNPATH` entry outside the prefix that is not a system location and exists
    /// on the build host (so libraries may really be loaded from it).
    case outsideRunPath(String, entry: String)
    /// A script whose shebang names an interpreter in the prefix that is not Python, so no
    /// relocatable launcher can be written for it.
    case foreignInterpreter(String, interpreter: String)
    /// The build prefix is still written in a file after rewriting (`path`, how many times,
    /// byte offset of the first occurrence).
    case prefixLeftover(String, count: Int, firstOffset: Int)
    /// patchelf or readelf failed on an ELF file.
    case elfTool(String, message: String)
    /// A `DT_NEEDED` library that the dynamic linker finds nowhere (not in the file's run path,
    /// the ld.so cache or the default directories, not a driver library, no file of that name
    /// in the prefix).
    case missingLibrary(String, needed: String)
    /// A `DT_NEEDED` library that the dynamic linker finds outside the prefix and outside the
    /// system library directories (`path`, the library, where it is found).
    case outsideLibrary(String, needed: String, foundAt: String)

    /// The path the problem is about, relative to the prefix.
    public var path: String {
        switch self {
        case .absoluteSymlink(let p, _), .escapingSymlink(let p, _), .specialFile(let p, _), .unrecordableName(let p),
             .stubsRunPath(let p, _), .outsideRunPath(let p, _), .foreignInterpreter(let p, _),
             .prefixLeftover(let p, _, _), .elfTool(let p, _), .missingLibrary(let p, _), .outsideLibrary(let p, _, _):
            p
        }
    }

    public var description: String {
        switch self {
        case .absoluteSymlink(let p, let target):
            "\(p): symlink to the absolute path '\(target)'; make it relative to stay inside the prefix"
        case .escapingSymlink(let p, let target):
            "\(p): symlink target '\(target)' escapes the prefix"
        case .specialFile(let p, let kind):
            "\(p): \(kind); only regular files, directories and symlinks can be packed"
        case .unrecordableName(let p):
            "\(p): the name is not UTF-8 or contains a tab or a newline"
        case .stubsRunPath(let p, let entry):
            "\(p): RPATH/RUNPATH entry '\(entry)' is a stubs directory (link-time only; at run time libcuda.so.1 comes from the driver)"
        case .outsideRunPath(let p, let entry):
            "\(p): RPATH/RUNPATH entry '\(entry)' is a directory outside the prefix (and not a system library directory) that exists on this host, so libraries may be loaded from it; bundle them into the prefix"
        case .foreignInterpreter(let p, let interpreter):
            "\(p): shebang interpreter '\(interpreter)' is in the prefix but is not Python; no relocatable launcher can be written for it"
        case .prefixLeftover(let p, let count, let offset):
            "\(p): the build prefix is still written \(count) time\(count == 1 ? "" : "s") (first at byte \(offset)); rewrite it or allow it with --allow-prefix-in"
        case .elfTool(let p, let message):
            "\(p): \(message)"
        case .missingLibrary(let p, let needed):
            "\(p): needs \(needed), which the dynamic linker finds nowhere (not in the file's RUNPATH/RPATH, the ld.so cache or the system directories, and no file of that name is in the prefix); bundle it into the prefix"
        case .outsideLibrary(let p, let needed, let found):
            "\(p): needs \(needed), which the dynamic linker finds at \(found), outside the prefix and not a system library; another machine may not have it: bundle it into the prefix"
        }
    }
}

/// Why `pack` failed.
public enum PackError: Error, Sendable, CustomStringConvertible {
    /// The prefix is not relocatable; every problem is listed (sorted by path).
    case refused(prefix: String, problems: [PackProblem])
    /// A file could not be read or written.
    case io(String)
    /// libarchive failed.
    case archive(ArchiveError)
    /// A required tool (patchelf, readelf) is missing.
    case missingTool(String)

    public var description: String {
        switch self {
        case .refused(let prefix, let problems):
            "cannot pack \(prefix): \(problems.count) problem\(problems.count == 1 ? "" : "s")\n"
                + problems.map { "  \($0)" }.joined(separator: "\n")
        case .io(let message): message
        case .archive(let error): error.description
        case .missingTool(let tool):
            "\(tool) not found on PATH (Debian: apt-get install \(tool == "readelf" ? "binutils" : tool))"
        }
    }
}

/// Why `unpack` failed. Nothing is left in the destination when it does.
public enum UnpackError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The first entry is not ``Manifest/path``.
    case noManifest(firstEntry: String?)
    /// The manifest text is malformed at the 1-based `line`.
    case badManifest(line: Int, reason: String)
    /// An entry with an absolute path.
    case absolutePath(String)
    /// An entry with an empty, `.` or `..` component (or a tab or newline).
    case unsafePath(String)
    /// A device, FIFO or socket entry (`path`, kind in words).
    case specialFile(String, kind: String)
    /// A hard link entry (`pack` never writes them).
    case hardLink(String, target: String)
    /// A symlink with an absolute target or one that climbs out of the destination.
    case escapingLink(String, target: String)
    /// An entry the manifest does not list.
    case notInManifest(String)
    /// An entry listed twice in the archive.
    case duplicate(String)
    /// An entry whose type, mode, size, hash or link target differs from the manifest.
    case mismatch(String, field: String, archive: String, manifest: String)
    /// Manifest entries the archive does not contain.
    case missing([String])
    /// The destination exists and is not an empty directory.
    case destinationNotEmpty(String)
    /// ``PrefixRewrites/path`` is malformed at the 1-based `line`.
    case badRewrites(line: Int, reason: String)
    /// An entry (or its manifest line) with setuid, setgid or sticky bits (`pack` never writes them).
    case privilegedMode(String, mode: UInt32)
    /// A file's data runs past the size its manifest line declares (`written` bytes so far).
    case overlong(String, declared: Int64, written: Int64)
    /// The manifest declares more bytes than the destination's file system has free.
    case insufficientSpace(declared: Int64, available: Int64, directory: String)
    /// A file could not be written.
    case io(String)
    /// libarchive failed (a damaged or truncated archive, a full disk).
    case archive(ArchiveError)

    public var description: String {
        switch self {
        case .badRewrites(let line, let reason):
            "\(PrefixRewrites.path):\(line): malformed prefix rewrites: \(reason)"
        case .privilegedMode(let p, let mode):
            "archive entry '\(p)' has mode \(String(mode, radix: 8).leftPadded(to: 4)) with setuid, setgid or sticky bits; sglang-forge archives never carry them"
        case .overlong(let p, let declared, let written):
            "archive entry '\(p)' holds more data than the manifest declares (\(declared) bytes; stopped at \(written))"
        case .insufficientSpace(let declared, let available, let directory):
            "the manifest declares \(declared) bytes of files, but \(directory) has only \(available) bytes free"
        case .noManifest(let first):
            "the archive does not start with \(Manifest.path) (first entry: \(first.map { "'\($0)'" } ?? "none")); it was not written by sglang-forge pack"
        case .badManifest(let line, let reason):
            "\(Manifest.path):\(line): malformed manifest: \(reason)"
        case .absolutePath(let p):
            "archive entry '\(p)' has an absolute path"
        case .unsafePath(let p):
            "archive entry '\(p)' has an empty, '.' or '..' path component"
        case .specialFile(let p, let kind):
            "archive entry '\(p)' is a \(kind); device files, FIFOs and sockets are not extracted"
        case .hardLink(let p, let target):
            "archive entry '\(p)' is a hard link to '\(target)'; sglang-forge archives contain none"
        case .escapingLink(let p, let target):
            "archive entry '\(p)' is a symlink to '\(target)', outside the destination"
        case .notInManifest(let p):
            "archive entry '\(p)' is not in the manifest"
        case .duplicate(let p):
            "archive entry '\(p)' appears twice"
        case .mismatch(let p, let field, let archive, let manifest):
            "archive entry '\(p)' does not match the manifest: \(field) is \(archive) in the archive, \(manifest) in the manifest"
        case .missing(let paths):
            "\(paths.count) manifest entr\(paths.count == 1 ? "y is" : "ies are") missing from the archive: \(paths.prefix(10).joined(separator: ", "))\(paths.count > 10 ? ", …" : "")"
        case .destinationNotEmpty(let dir):
            "\(dir) exists and is not an empty directory"
        case .io(let message): message
        case .archive(let error): error.description
        }
    }
}
