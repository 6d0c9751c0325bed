import Foundation

/// An NVIDIA driver version, `570.124.06`: compared field by field numerically.
public struct DriverVersion: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The dot-separated fields (`[570, 124, 6]`).
    public var fields: [Int]

    /// Parses `570`, `570.26`, `570.124.06`. - Returns: `nil` for anything else.
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.count <= 4 else { return nil }
        var fields: [Int] = []
        for p in parts {
            guard !p.isEmpty, p.allSatisfy(\.isNumber), let n = Int(p) else { return nil }
            fields.append(n)
        }
        self.fields = fields
        self.text = text.trimmingCharacters(in: .whitespaces)
    }

    private var text: String

    /// As written (`570.124.06`).
    public var description: String { text }

    /// The branch (`570`).
    public var major: Int { fields[0] }

    public static func < (a: DriverVersion, b: DriverVersion) -> Bool {
        for i in 0..<max(a.fields.count, b.fields.count) {
            let l = i < a.fields.count ? a.fields[i] : 0, r = i < b.fields.count ? b.fields[i] : 0
            if l != r { return l < r }
        }
        return false
    }

    public static func == (a: DriverVersion, b: DriverVersion) -> Bool { !(a < b) && !(b < a) }
    public func hash(into hasher: inout Hasher) {
        var f = fields
        while f.count > 1, f.last == 0 { f.removeLast() }
        hasher.combine(f)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = DriverVersion(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a driver version: '\(text)'"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}


/// The NVIDIA driver a CUDA toolkit release needs on Linux x86-64, as data.
///
/// Sources: NVIDIA CUDA Toolkit Release Notes, Table 3 "CUDA Toolkit and Corresponding Driver
/// Versions" (the Linux x86_64 driver of each release's GA), and Table 2 / the CUDA Compatibility
/// guide's "Minor Version Compatibility" (the oldest driver a release runs on, with a limited
/// feature set: no PTX JIT of code newer than the driver, per the same guide).
public enum DriverRequirements {
    /// One toolkit release and its drivers.
    public struct Release: Sendable {
        /// `12.8`.
        public var cuda: String
        /// The driver shipped with the GA release: everything works from here on.
        public var toolkitDriver: DriverVersion
        /// The oldest driver of the release's major under minor-version compatibility.
        public var minorVersionFloor: DriverVersion
    }

    private static func v(_ s: String) -> DriverVersion { DriverVersion(s)! }

    /// Table 3 (GA releases) with the Table 2 floor of each major.
    public static let releases: [Release] = [
        Release(cuda: "11.8", toolkitDriver: v("520.61.05"), minorVersionFloor: v("450.80.02")),
        Release(cuda: "12.0", toolkitDriver: v("525.60.13"), minorVersionFloor: v("525.60.13")),
        Release(cuda: "12.1", toolkitDriver: v("530.30.02"), minorVersionFloor: v("525.60.13")),
        Release(cuda: "12.2", toolkitDriver: v("535.54.03"), minorVersionFloor: v("525.60.13")),
        Release(cuda: "12.3", toolkitDriver: v("545.23.06"), minorVersionFloor: v("525.60.13")),
        Release(cuda: "12.4", toolkitDriver: v("550.54.14"), minorVersionFloor: v("525.60.13")),
        Release(cuda: "12.5", toolkitDriver: v("555.42.02"), minorVersionFloor: v("525.60.13")),
        Release(cuda: "12.6", toolkitDriver: v("560.28.03"), minorVersionFloor: v("525.60.13")),
        Release(cuda: "12.8", toolkitDriver: v("570.26"), minorVersionFloor: v("525.60.13")),
        Release(cuda: "12.9", toolkitDriver: v("575.51.03"), minorVersionFloor: v("525.60.13")),
        Release(cuda: "13.0", toolkitDriver: v("580.65.06"), minorVersionFloor: v("580")),
    ]

    /// The release `cuda` (`12.8`), if known.
    public static func release(_ cuda: String) -> Release? { releases.first { $0.cuda == cuda } }

    /// How a driver serves a CUDA release.
    public enum Fit: Hashable, Sendable {
        /// At least the release's own driver.
        case full
        /// Minor-version compatibility: runs, but PTX newer than the driver cannot be JIT-compiled.
        case minorVersionCompatibility(toolkitDriver: DriverVersion)
        /// Older than the release major's floor: CUDA initialisation fails.
        case tooOld(floor: DriverVersion)
    }

    /// How `driver` serves `release`.
    public static func fit(_ driver: DriverVersion, for release: Release) -> Fit {
        if driver >= release.toolkitDriver { return .full }
        if driver >= release.minorVersionFloor { return .minorVersionCompatibility(toolkitDriver: release.toolkitDriver) }
        return .tooOld(floor: release.minorVersionFloor)
    }
}
