/// What a piece of device code is: machine code or virtual ISA.
public enum CodeKind: String, Hashable, Sendable, CaseIterable, Codable {
    /// SASS in a cubin (ELF, `e_machine` EM_CUDA): runs as is.
    case sass
    /// PTX text: compiled by the driver's JIT at first load.
    case ptx
}

/// One architecture of device code: `sm_90a` (SASS) or `compute_80` (PTX), as `cuobjdump` and
/// nvcc's `-gencode code=` name them. Encoded as that string in JSON.
public struct DeviceCodeTarget: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var kind: CodeKind
    public var architecture: GPUArchitecture

    public init(_ kind: CodeKind, _ architecture: GPUArchitecture) {
        self.kind = kind
        self.architecture = architecture
    }

    /// Parses `sm_90a` or `compute_80`.
    /// - Returns: `nil` for anything else.
    public init?(_ text: String) {
        let kind: CodeKind
        var rest: Substring
        if text.hasPrefix("sm_") {
            kind = .sass
            rest = text.dropFirst(3)
        } else if text.hasPrefix("compute_") {
            kind = .ptx
            rest = text.dropFirst(8)
        } else {
            return nil
        }
        var suffix = ArchitectureSuffix.none
        if let last = rest.last, let s = ArchitectureSuffix(rawValue: String(last)), s != .none {
            suffix = s
            rest = rest.dropLast()
        }
        guard !rest.isEmpty, rest.allSatisfy(\.isNumber), let number = Int(rest), number >= 10 else { return nil }
        self.init(kind, GPUArchitecture(number: number, suffix: suffix))
    }

    /// `sm_90a` / `compute_80`.
    public var description: String { (kind == .sass ? "sm_" : "compute_") + architecture.description }

    public static func < (a: DeviceCodeTarget, b: DeviceCodeTarget) -> Bool {
        (a.architecture, a.kind == .sass ? 0 : 1) < (b.architecture, b.kind == .sass ? 0 : 1)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = DeviceCodeTarget(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a device code target (sm_XY or compute_XY): '\(text)'"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
