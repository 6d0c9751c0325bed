/// The interpreter and platform wheels are installed for: CPython `major.minor` on glibc Linux,
/// with the oldest glibc the target hosts have.
///
/// Tag compatibility follows the order `packaging.tags.sys_tags()` generates for CPython
/// (PEP 425; abi3 from PEP 384; `manylinux_x_y` from PEP 600 with the legacy aliases of
/// PEP 513/571/599: `manylinux1` = 2.5, `manylinux2010` = 2.12, `manylinux2014` = 2.17).
public struct TargetEnvironment: Hashable, Sendable {
    /// CPython major version (3).
    public var pythonMajor: Int
    /// CPython minor version (12).
    public var pythonMinor: Int
    /// Wheel platform architecture (`x86_64`).
    public var architecture: String
    /// Oldest glibc on the target hosts, `(major, minor)`.
    public var glibc: GlibcVersion

    /// Creates a target.
    public init(pythonMajor: Int, pythonMinor: Int, architecture: String, glibc: GlibcVersion) {
        self.pythonMajor = pythonMajor
        self.pythonMinor = pythonMinor
        self.architecture = architecture
        self.glibc = glibc
    }

    /// `cp312`.
    public var interpreterTag: String { "cp\(pythonMajor)\(pythonMinor)" }

    /// Whether the interpreter accepts `python`/`abi` (ignoring the platform).
    public func acceptsInterpreter(python: String, abi: String) -> Bool {
        let cp = interpreterTag
        if python == cp { return abi == cp || abi == "abi3" || abi == "none" }
        if let minor = Self.minor(of: python, prefix: "cp\(pythonMajor)"), abi == "abi3" {
            return minor >= 2 && minor <= pythonMinor
        }
        if python == "py\(pythonMajor)" { return abi == "none" }
        if let minor = Self.minor(of: python, prefix: "py\(pythonMajor)") { return abi == "none" && minor <= pythonMinor }
        return false
    }

    /// The glibc a platform tag requires on this architecture: `.some(nil)` for `any`, the
    /// version for a manylinux tag of this architecture, `nil` when the tag is not installable here
    /// (another architecture, musllinux, or the non-portable `linux_*`).
    public func glibcRequirement(ofPlatform platform: String) -> GlibcVersion?? {
        if platform == "any" { return .some(nil) }
        let suffix = "_" + architecture
        guard platform.hasSuffix(suffix) else { return nil }
        let base = String(platform.dropLast(suffix.count))
        switch base {
        case "manylinux1": return GlibcVersion(major: 2, minor: 5)
        case "manylinux2010": return GlibcVersion(major: 2, minor: 12)
        case "manylinux2014": return GlibcVersion(major: 2, minor: 17)
        default:
            let parts = base.split(separator: "_")
            guard parts.count == 3, parts[0] == "manylinux", let major = Int(parts[1]), let minor = Int(parts[2]) else { return nil }
            return GlibcVersion(major: major, minor: minor)
        }
    }

    /// How `wheel` fits this target.
    public func compatibility(of wheel: WheelFilename) -> WheelCompatibility {
        var interpreterOK = false
        var best: GlibcVersion?? = nil  // the least demanding installable platform requirement
        var tooNew: GlibcVersion?
        for tag in wheel.tags where acceptsInterpreter(python: tag.python, abi: tag.abi) {
            interpreterOK = true
            guard let requirement = glibcRequirement(ofPlatform: tag.platform) else { continue }
            if let needed = requirement, needed > glibc {
                tooNew = min(tooNew ?? needed, needed)
                continue
            }
            switch (best, requirement) {
            case (nil, _): best = .some(requirement)
            case (.some(.some(let current)), .some(let candidate)) where candidate < current: best = .some(requirement)
            case (.some(.some), .none): best = .some(nil)
            default: break
            }
        }
        if let best { return .compatible(requiresGlibc: best) }
        if !interpreterOK { return .wrongInterpreter }
        if let tooNew { return .glibcTooNew(tooNew) }
        return .wrongPlatform
    }

    private static func minor(of tag: String, prefix: String) -> Int? {
        guard tag.hasPrefix(prefix), tag.count > prefix.count else { return nil }
        return Int(tag.dropFirst(prefix.count))
    }
}

/// A glibc version, ordered numerically.
public struct GlibcVersion: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Major version (2).
    public var major: Int
    /// Minor version (35).
    public var minor: Int
    /// Creates a version.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }
    /// Parses `major.minor`.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }
    public static func < (a: Self, b: Self) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
    public var description: String { "\(major).\(minor)" }
    /// The PEP 600 platform tag for this glibc on `architecture`.
    public func manylinuxTag(architecture: String) -> String { "manylinux_\(major)_\(minor)_\(architecture)" }
}

/// The result of ``TargetEnvironment/compatibility(of:)``.
public enum WheelCompatibility: Hashable, Sendable {
    /// Installable; the glibc its least demanding platform tag needs (`nil` for `any`).
    case compatible(requiresGlibc: GlibcVersion?)
    /// No tag accepts this interpreter (Python version or ABI).
    case wrongInterpreter
    /// Only tags for a newer glibc than the target's oldest host (the least such version).
    case glibcTooNew(GlibcVersion)
    /// No tag for this platform (architecture, musllinux, or non-portable `linux_*`).
    case wrongPlatform
}

extension GlibcVersion: Codable {
    /// Decodes `"major.minor"` (canonical: the text ``description`` writes, `2.28`).
    /// - Throws: `DecodingError.dataCorrupted` for any other string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let version = GlibcVersion(text), version.description == text else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "glibc version '\(text)' is not 'major.minor' such as '2.28'")
        }
        self = version
    }

    /// Encodes `"major.minor"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
