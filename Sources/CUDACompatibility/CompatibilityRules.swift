/// Which device code a GPU of a given compute capability can run, after NVIDIA's rules.
///
/// Source: NVIDIA CUDA C Programming Guide, "Binary Compatibility" and "PTX Compatibility"
/// (section "Application Compatibility" in the CUDA 12 guide; "Compute Capabilities" for the
/// `a`/`f` suffixes):
/// - SASS for `sm_XY` runs on any GPU of compute capability `X.Z` with `Z ≥ Y` (same major only).
/// - SASS for `sm_XYa` runs only on compute capability exactly `X.Y`.
/// - SASS for `sm_XYf` runs on the family of `X.Y`: the same major with `Z ≥ Y`.
/// - PTX for `compute_XY` is JIT-compiled by the driver on any compute capability `≥ X.Y`.
/// - PTX for `compute_XYa` only on exactly `X.Y`; `compute_XYf` on the same major, `Z ≥ Y`.
public enum CompatibilityRules {
    /// Whether `code` can run (natively, or after JIT for PTX) on `capability`.
    public static func runs(_ code: DeviceCodeTarget, on capability: ComputeCapability) -> Bool {
        let arch = code.architecture
        switch (code.kind, arch.suffix) {
        case (_, .archSpecific):
            return arch.capability == capability
        case (.sass, _), (.ptx, .familySpecific):
            return arch.major == capability.major && capability.minor >= arch.minor
        case (.ptx, .none):
            return capability >= arch.capability
        }
    }

    /// The best code among `targets` for `capability`: the newest SASS that runs, else the newest
    /// PTX that can be JIT-compiled, else none.
    public static func coverage(of targets: some Sequence<DeviceCodeTarget>, on capability: ComputeCapability) -> Coverage {
        var sass: DeviceCodeTarget?
        var ptx: DeviceCodeTarget?
        for target in targets where runs(target, on: capability) {
            switch target.kind {
            case .sass: if sass.map({ $0 < target }) ?? true { sass = target }
            case .ptx: if ptx.map({ $0 < target }) ?? true { ptx = target }
            }
        }
        if let sass { return .native(sass) }
        if let ptx { return .jit(ptx) }
        return .none
    }
}

/// How one compute capability is served by a set of device code.
public enum Coverage: Hashable, Sendable, CustomStringConvertible {
    /// Machine code that runs as is.
    case native(DeviceCodeTarget)
    /// Only PTX: the driver JIT-compiles it at first load (slow first start; needs a driver at
    /// least as new as the PTX's toolkit, so not under minor-version compatibility).
    case jit(DeviceCodeTarget)
    /// Nothing: the first kernel launch fails with "no kernel image is available".
    case none

    /// `native` / `jit` / `none`, the JSON word.
    public var word: String {
        switch self {
        case .native: "native"
        case .jit: "jit"
        case .none: "none"
        }
    }

    /// `native (sm_90a)`, `PTX JIT only (compute_80)`, `no code`.
    public var description: String {
        switch self {
        case .native(let t): "native (\(t))"
        case .jit(let t): "PTX JIT only (\(t))"
        case .none: "no code"
        }
    }
}
