/// A GPU architecture as device code names it: `sm_90`, `sm_90a`, `compute_100f`.
///
/// The number is `major * 10 + minor` of the compute capability (NVIDIA CUDA C Programming Guide,
/// "Compute Capabilities"); the suffix `a` marks architecture-specific code and `f`
/// family-specific code (nvcc documentation, "GPU Feature List", CUDA 12.0 and 12.9).
public struct GPUArchitecture: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Compute capability major (`9` of `sm_90a`).
    public var major: Int
    /// Compute capability minor (`0` of `sm_90a`).
    public var minor: Int
    /// `a`, `f` or none.
    public var suffix: ArchitectureSuffix

    public init(major: Int, minor: Int, suffix: ArchitectureSuffix = .none) {
        self.major = major
        self.minor = minor
        self.suffix = suffix
    }

    /// From the decimal SM number device code stores (`90` → 9.0, `100` → 10.0, `121` → 12.1).
    public init(number: Int, suffix: ArchitectureSuffix = .none) {
        self.init(major: number / 10, minor: number % 10, suffix: suffix)
    }

    /// The decimal SM number (`90`).
    public var number: Int { major * 10 + minor }

    /// The compute capability this architecture was built for.
    public var capability: ComputeCapability { ComputeCapability(major: major, minor: minor) }

    /// `90a`: the number and suffix, without the `sm_`/`compute_` prefix.
    public var description: String { "\(number)\(suffix.rawValue)" }

    public static func < (a: GPUArchitecture, b: GPUArchitecture) -> Bool {
        (a.number, a.suffix.order) < (b.number, b.suffix.order)
    }
}

/// The architecture suffix of device code.
public enum ArchitectureSuffix: String, Hashable, Sendable, CaseIterable {
    /// Plain `sm_90`: forward compatible within the major (SASS) or to every later GPU (PTX).
    case none = ""
    /// `sm_90a`: architecture-specific features; runs only on exactly that compute capability.
    case archSpecific = "a"
    /// `sm_100f`: family-specific features; runs on the same major with an equal or higher minor.
    case familySpecific = "f"

    var order: Int {
        switch self {
        case .none: 0
        case .familySpecific: 1
        case .archSpecific: 2
        }
    }
}

/// A compute capability `major.minor` (`9.0`), as a GPU reports it and a spec lists it.
public struct ComputeCapability: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `9.0` (a trailing `a`/`f` suffix, as `TORCH_CUDA_ARCH_LIST` allows, is ignored).
    /// - Returns: `nil` for anything else.
    public init?(_ text: String) {
        var text = Substring(text)
        if let last = text.last, last == "a" || last == "f" { text = text.dropLast() }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, (0...9).contains(minor) else { return nil }
        self.init(major: major, minor: minor)
    }

    /// `9.0`.
    public var description: String { "\(major).\(minor)" }

    public static func < (a: ComputeCapability, b: ComputeCapability) -> Bool { (a.major, a.minor) < (b.major, b.minor) }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = ComputeCapability(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a compute capability: '\(text)'"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
