import BackendCore
import Hashes
import Planner

/// `flake.lock` (format version 7, Nix manual "nix flake" → "Lock files") pinning the flake's one
/// input, nixpkgs, to the plan's revision and NAR hash.
///
/// The file is JSON, which has no comments, so it carries no generated-file header. It is laid out
/// as Nix writes lock files: keys sorted, two-space indentation, a final newline, so that Nix
/// leaves it unchanged. `lastModified` (commit time) is written only when the plan knows it (from
/// the lock file); Nix accepts a GitHub input without it.
struct FlakeLock {
    var nixpkgs: PlannedNixpkgs
    /// NAR hash of the unpacked GitHub tarball, written in SRI form `sha256-…`.
    var narHash: Digest

    var json: String {
        var locked: [(String, JSON)] = [
            ("narHash", .string(narHash.sri)), ("owner", .string(nixpkgs.owner)), ("repo", .string(nixpkgs.repo)),
            ("rev", .string(nixpkgs.rev)), ("type", .string("github")),
        ]
        if let lastModified = nixpkgs.lastModified { locked.append(("lastModified", .int(lastModified))) }
        let original: [(String, JSON)] = [
            ("owner", .string(nixpkgs.owner)), ("repo", .string(nixpkgs.repo)), ("rev", .string(nixpkgs.rev)), ("type", .string("github")),
        ]
        let root: JSON = .object([
            ("nodes", .object([
                ("nixpkgs", .object([("locked", .object(locked)), ("original", .object(original))])),
                ("root", .object([("inputs", .object([("nixpkgs", .string("nixpkgs"))]))])),
            ])),
            ("root", .string("root")),
            ("version", .int(7)),
        ])
        return root.rendered(indent: 0) + "\n"
    }
}

/// The JSON values a lock file needs; objects are rendered with sorted keys.
enum JSON {
    case string(String), int(Int), object([(String, JSON)])

    func rendered(indent: Int) -> String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return JSONString.quoted(s)
        case .object(let members):
            if members.isEmpty { return "{}" }
            let pad = String(repeating: " ", count: indent + 2)
            let body = members.sorted { $0.0 < $1.0 }
                .map { pad + JSONString.quoted($0.0) + ": " + $0.1.rendered(indent: indent + 2) }
                .joined(separator: ",\n")
            return "{\n" + body + "\n" + String(repeating: " ", count: indent) + "}"
        }
    }
}
