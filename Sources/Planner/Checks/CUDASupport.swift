import CUDACompatibility

/// Which compute capabilities each CUDA toolkit release can compile for.
///
/// Sources: the NVIDIA CUDA Toolkit release notes (12.0 drops Kepler 3.5/3.7; 12.8 adds
/// Blackwell 10.0, 10.1 and 12.0; 12.9 adds 10.3 and 12.1; 13.0 drops Maxwell, Pascal and Volta
/// and renames 10.1 to 11.0) and nixpkgs' CUDA capability table
/// (`pkgs/development/cuda-modules/_cuda/db/bootstrap/gpus.nix`, `minCudaVersion`/`maxCudaVersion`).
public enum CUDASupport {
    /// Toolkit releases this table knows, as `(major, minor)`. There was no CUDA 12.7.
    public static let knownReleases: [CUDAVersion] = [
        .init(11, 8), .init(12, 0), .init(12, 1), .init(12, 2), .init(12, 3), .init(12, 4), .init(12, 5),
        .init(12, 6), .init(12, 8), .init(12, 9), .init(13, 0),
    ]

    /// Every compute capability with the first and last toolkit release that targets it.
    static let capabilities: [(capability: String, first: CUDAVersion, last: CUDAVersion?)] = [
        ("3.5", .init(10, 0), .init(11, 8)), ("3.7", .init(10, 0), .init(11, 8)),
        ("5.0", .init(10, 0), .init(12, 9)), ("5.2", .init(10, 0), .init(12, 9)), ("5.3", .init(10, 0), .init(12, 9)),
        ("6.0", .init(10, 0), .init(12, 9)), ("6.1", .init(10, 0), .init(12, 9)), ("6.2", .init(10, 0), .init(12, 9)),
        ("7.0", .init(10, 0), .init(12, 9)), ("7.2", .init(10, 0), .init(12, 9)),
        ("7.5", .init(10, 0), nil), ("8.0", .init(11, 0), nil), ("8.6", .init(11, 1), nil), ("8.7", .init(11, 4), nil),
        ("8.9", .init(11, 8), nil), ("9.0", .init(11, 8), nil),
        ("10.0", .init(12, 8), nil), ("10.1", .init(12, 8), .init(12, 9)), ("10.3", .init(12, 9), nil),
        ("11.0", .init(13, 0), nil), ("12.0", .init(12, 8), nil), ("12.1", .init(12, 9), nil),
    ]

    /// The outcome of checking one capability against one toolkit.
    public enum Verdict: Equatable, Sendable {
        case supported
        /// Written as `sm_90`, `90`, `compute_90` or similar: the suggestion is the numeric form.
        case wrongForm(suggestion: String?)
        /// Numeric, but no GPU has it.
        case unknownCapability
        /// Needs a newer toolkit.
        case tooNew(first: CUDAVersion)
        /// Dropped before this toolkit.
        case dropped(last: CUDAVersion)
        /// An `a`/`f` suffix this toolkit or capability does not allow.
        case badSuffix(String)
    }

    /// Checks `capability` (as written in the spec) against toolkit `cuda`.
    ///
    /// Accepted form: `major.minor`, optionally with the architecture-specific suffix `a`
    /// (capability ≥ 9.0) or the family suffix `f` (capability ≥ 10.0, CUDA ≥ 12.9) — the
    /// forms `TORCH_CUDA_ARCH_LIST` and nixpkgs `cudaCapabilities` take.
    public static func check(_ capability: String, cuda: CUDAVersion) -> Verdict {
        var base = capability
        var suffix: Character?
        if let last = base.last, last == "a" || last == "f" {
            suffix = last
            base.removeLast()
        }
        let parts = base.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else {
            return .wrongForm(suggestion: numericForm(of: capability))
        }
        guard let entry = capabilities.first(where: { $0.capability == base }) else { return .unknownCapability }
        if cuda < entry.first { return .tooNew(first: entry.first) }
        if let last = entry.last, cuda > last { return .dropped(last: last) }
        if let suffix {
            let major = Int(parts[0]) ?? 0
            if suffix == "a" && major < 9 { return .badSuffix("the 'a' suffix exists only for capability 9.0 and newer") }
            if suffix == "f" && (major < 10 || cuda < CUDAVersion(12, 9)) {
                return .badSuffix("the 'f' suffix needs capability 10.0 or newer and CUDA 12.9 or newer")
            }
        }
        return .supported
    }

    /// Capabilities `cuda` supports, in ascending order (for messages).
    public static func supported(by cuda: CUDAVersion) -> [String] {
        capabilities.filter { cuda >= $0.first && ($0.last.map { cuda <= $0 } ?? true) }.map(\.capability)
    }

    /// `sm_90` / `compute_90` / `90` / `sm90` → `9.0`; `sm_100a` → `10.0a`.
    static func numericForm(of text: String) -> String? {
        var digits = text.lowercased()
        for prefix in ["sm_", "compute_", "sm", "compute"] where digits.hasPrefix(prefix) {
            digits.removeFirst(prefix.count)
            break
        }
        var suffix = ""
        if let last = digits.last, last == "a" || last == "f" {
            suffix = String(last)
            digits.removeLast()
        }
        guard (2...3).contains(digits.count), digits.allSatisfy(\.isNumber) else { return nil }
        return "\(digits.dropLast()).\(digits.suffix(1))\(suffix)"
    }
}
