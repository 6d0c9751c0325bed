import Packaging
/// Syntax checks for names and versions written in a spec.
public enum Names {
    /// Table keys: `[A-Za-z0-9][A-Za-z0-9._-]*`.
    public static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCIIAlphanumeric else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "-" || $0 == "_" || $0 == "." }
    }

    /// `major.minor` with decimal components (`3.12`, `12.8`, `2.35`).
    public static func isMajorMinor(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isASCIIDigit) }
    }

    /// A command (console script) name: `[A-Za-z0-9][A-Za-z0-9._-]*`, no path separators.
    public static func isCommandName(_ s: String) -> Bool { isIdentifier(s) }

    /// A variant name usable as a Nix attribute, a file name and an OCI tag:
    /// `[a-z0-9][a-z0-9._-]*`, at most 128 characters (the OCI tag limit).
    public static func isVariantName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.count <= 128, first.isLowercaseOrDigit else { return false }
        return s.unicodeScalars.allSatisfy { $0.isLowercaseOrDigit || $0 == "-" || $0 == "_" || $0 == "." }
    }

    /// POSIX environment variable names: `[A-Za-z_][A-Za-z0-9_]*`.
    public static func isEnvironmentName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCIIAlpha || first == "_" else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" }
    }

    /// A GCC/Clang machine option such as `-mavx512f` or `-march=x86-64-v3`.
    public static func isMachineFlag(_ s: String) -> Bool {
        guard s.hasPrefix("-m"), s.count > 2 else { return false }
        return s.unicodeScalars.dropFirst(2).allSatisfy { $0.isASCIIAlphanumeric || $0 == "-" || $0 == "=" || $0 == "_" || $0 == "." }
    }

    /// A PEP 508 distribution name: `^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitive.
    public static func isDistributionName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last,
            first.isASCIIAlphanumeric, last.isASCIIAlphanumeric
        else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "-" || $0 == "_" || $0 == "." }
    }

    /// An OCI image reference with an explicit tag and no digest: `[registry[:port]/]path:tag`,
    /// path components `[a-z0-9]+([._-][a-z0-9]+)*`, tag `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
    /// (OCI distribution-spec grammar, simplified: the registry host may also hold `.`, `:` and `-`).
    public static func isImageReference(_ s: String) -> Bool {
        guard !s.contains("@"), let colon = s.lastIndex(of: ":") else { return false }
        let name = s[..<colon], tag = s[s.index(after: colon)...]
        guard !tag.contains("/"), let tagFirst = tag.unicodeScalars.first, tag.count <= 128,
            tagFirst.isASCIIAlphanumeric || tagFirst == "_",
            tag.unicodeScalars.allSatisfy({ $0.isASCIIAlphanumeric || $0 == "_" || $0 == "." || $0 == "-" })
        else { return false }
        var parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.isEmpty else { return false }
        if parts.count > 1, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            let host = parts.removeFirst()
            guard host.unicodeScalars.allSatisfy({ $0.isASCIIAlphanumeric || $0 == "." || $0 == "-" || $0 == ":" }) else { return false }
        }
        return parts.allSatisfy { part in
            guard let first = part.unicodeScalars.first, let last = part.unicodeScalars.last,
                first.isLowercaseOrDigit, last.isLowercaseOrDigit
            else { return false }
            return part.unicodeScalars.allSatisfy { $0.isLowercaseOrDigit || $0 == "." || $0 == "_" || $0 == "-" }
        }
    }

    /// A Debian package name (Debian Policy §5.6.1): `[a-z0-9][a-z0-9+.-]+`, at least two characters.
    public static func isDebianPackageName(_ s: String) -> Bool {
        guard s.unicodeScalars.count >= 2, let first = s.unicodeScalars.first, first.isLowercaseOrDigit else { return false }
        return s.unicodeScalars.allSatisfy { $0.isLowercaseOrDigit || $0 == "+" || $0 == "." || $0 == "-" }
    }

    /// A Nix attribute path of plain identifiers (Nix manual, "Identifiers"): dot-separated
    /// `[A-Za-z_][A-Za-z0-9_'-]*`, e.g. `stdenv.cc.cc.lib`, `python312Packages.numpy`.
    public static func isNixAttributePath(_ s: String) -> Bool {
        s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            guard let first = part.unicodeScalars.first, first.isASCIIAlpha || first == "_" else { return false }
            return part.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" || $0 == "'" || $0 == "-" }
        }
    }

    /// A GitHub owner (user or organisation): ASCII letters, digits and single inner hyphens,
    /// at most 39 characters.
    public static func isGitHubOwner(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 39, !s.hasPrefix("-"), !s.hasSuffix("-"), !s.contains("--") else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "-" }
    }

    /// A GitHub repository name: `[A-Za-z0-9._-]+`, at most 100 characters, not `.` or `..`.
    public static func isRepositoryName(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 100, s != ".", s != ".." else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "." || $0 == "_" || $0 == "-" }
    }

    /// The runtime's name, which becomes a POSIX user name, a Nix attribute and an image name:
    /// `[a-z_][a-z0-9_-]*`, at most 32 characters (useradd(8)'s limit).
    public static func isRuntimeName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.utf8.count <= 32, first.isASCIIAlpha && first.isLowercaseOrDigit || first == "_" else { return false }
        return s.unicodeScalars.allSatisfy { $0.isLowercaseOrDigit || $0 == "_" || $0 == "-" }
    }

    /// A short label such as an ISA's `AVX-512`: starts with a letter or digit, then letters,
    /// digits, spaces and `.`, `_`, `+`, `-`, `/`, `(`, `)`.
    public static func isLabel(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCIIAlphanumeric else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || " ._+-/()".unicodeScalars.contains($0) }
    }

    /// Why `url` carries credentials, or `nil`: a user name or password in its authority
    /// (`https://user:token@host/…`, RFC 3986 §3.2.1, deprecated for exactly this reason), or a
    /// query parameter named like a secret (`token`, `access_token`, `password`, `secret`, `key`,
    /// `api_key`, `auth`, `signature`, `x-amz-signature`, `sig`).
    public static func credentialProblem(in url: String) -> String? {
        guard let scheme = url.range(of: "://") else { return nil }
        let afterScheme = url[scheme.upperBound...]
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains("@") {
            return authority.contains(":") && authority.firstIndex(of: ":")! < authority.lastIndex(of: "@")! ? "a user name and password" : "a user name or token"
        }
        if let query = afterScheme.firstIndex(of: "?") {
            let secretNames: Set<String> = ["token", "access_token", "password", "passwd", "secret", "key", "api_key", "apikey", "auth", "signature", "x-amz-signature", "sig"]
            for item in afterScheme[afterScheme.index(after: query)...].prefix(while: { $0 != "#" }).split(separator: "&") {
                let name = item.split(separator: "=", maxSplits: 1).first.map { $0.lowercased() } ?? ""
                if secretNames.contains(name) { return "a '\(name)' query parameter" }
            }
        }
        return nil
    }

    /// The PEP 503 normalised form of a distribution name: lowercase, runs of `-_.` become `-`.
    public static func normalizedDistributionName(_ s: String) -> String { PackageName.normalized(s) }
}

extension Unicode.Scalar {
    var isASCIIAlpha: Bool { (0x41...0x5a).contains(value) || (0x61...0x7a).contains(value) }
    var isLowercaseOrDigit: Bool { (0x61...0x7a).contains(value) || (0x30...0x39).contains(value) }
    var isASCIIAlphanumeric: Bool { isASCIIAlpha || (0x30...0x39).contains(value) }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) && isASCII }
}
