/// A wheel file name, `{distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl`
/// (PEP 427, with compressed tag sets as PEP 425 defines them: `py2.py3-none-any`).
public struct WheelFilename: Hashable, Sendable, CustomStringConvertible {
    /// The distribution part, as written (underscores for escaped `-`).
    public var distribution: String
    /// The version part, parsed.
    public var version: PEP440Version
    /// The version part as written.
    public var versionText: String
    /// The optional build tag.
    public var build: String?
    /// Python tags (`cp39`, `py3`).
    public var pythonTags: [String]
    /// ABI tags (`abi3`, `cp312`, `none`).
    public var abiTags: [String]
    /// Platform tags (`manylinux_2_28_x86_64`, `any`).
    public var platformTags: [String]

    /// Parses a file name (not a path or URL).
    /// - Throws: ``WheelFilenameError`` when the name is not a wheel name.
    public init(parsing name: String) throws(WheelFilenameError) {
        guard name.hasSuffix(".whl") else { throw .notAWheel(name) }
        let parts = name.dropLast(4).split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5 || parts.count == 6, parts.allSatisfy({ !$0.isEmpty }) else {
            throw .malformed(name, reason: "expected name-version[-build]-python-abi-platform.whl")
        }
        guard let version = PEP440Version(parts[1]) else {
            throw .malformed(name, reason: "'\(parts[1])' is not a PEP 440 version")
        }
        distribution = parts[0]
        versionText = parts[1]
        self.version = version
        build = parts.count == 6 ? parts[2] : nil
        if let build, !(build.first?.isNumber ?? false) {
            throw .malformed(name, reason: "build tag '\(build)' must start with a digit")
        }
        let tags = parts.suffix(3)
        pythonTags = tags[tags.startIndex].split(separator: ".").map(String.init)
        abiTags = tags[tags.startIndex + 1].split(separator: ".").map(String.init)
        platformTags = tags[tags.startIndex + 2].split(separator: ".").map(String.init)
    }

    /// Every `python-abi-platform` tag the wheel supports (the cartesian product of its tag sets).
    public var tags: [WheelTag] {
        pythonTags.flatMap { py in abiTags.flatMap { abi in platformTags.map { WheelTag(python: py, abi: abi, platform: $0) } } }
    }

    /// The file name.
    public var description: String {
        ([distribution, versionText] + (build.map { [$0] } ?? []) + [
            pythonTags.joined(separator: "."), abiTags.joined(separator: "."), platformTags.joined(separator: "."),
        ]).joined(separator: "-") + ".whl"
    }
}

/// Why a file name is not a wheel name.
public enum WheelFilenameError: Error, Hashable, Sendable, CustomStringConvertible {
    case notAWheel(String)
    case malformed(String, reason: String)

    public var description: String {
        switch self {
        case .notAWheel(let name): "'\(name)' is not a wheel file name (no .whl suffix)"
        case .malformed(let name, let reason): "'\(name)' is not a valid wheel file name: \(reason)"
        }
    }
}

/// One PEP 425 tag triple.
public struct WheelTag: Hashable, Sendable, CustomStringConvertible {
    /// Python tag (`cp312`, `py3`).
    public var python: String
    /// ABI tag (`cp312`, `abi3`, `none`).
    public var abi: String
    /// Platform tag (`manylinux_2_28_x86_64`, `any`).
    public var platform: String
    public var description: String { "\(python)-\(abi)-\(platform)" }
}
