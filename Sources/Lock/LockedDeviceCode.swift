import CUDACompatibility

/// `deviceCode` of a locked wheel: what CUDA device code its members hold, as read by
/// `sglang-forge audit` (docs/audit.md). Written by `lock --device-code`; kept from the previous
/// lock for a wheel with the same sha256.
public struct LockedDeviceCode: Codable, Hashable, Sendable {
    /// Every device-code target of the wheel with the number of members holding it and their
    /// entry kernels, keyed by `sm_90a` / `compute_80`. Kernels are `null` for PTX and when a
    /// payload could not be read.
    public var targets: [String: LockedTarget]
    /// CUDA runtime majors the wheel's ELF members link (`libcudart.so.12` → 12), ascending.
    public var cudaRuntimeMajors: [Int]
    /// Members with device code (shared objects, cubins, fatbins).
    public var files: Int

    public init(targets: [String: LockedTarget], cudaRuntimeMajors: [Int], files: Int) {
        self.targets = targets
        self.cudaRuntimeMajors = cudaRuntimeMajors
        self.files = files
    }

    /// ``targets``' keys, parsed and sorted (unparsable keys are left out).
    public var parsedTargets: [DeviceCodeTarget] { targets.keys.compactMap(DeviceCodeTarget.init).sorted() }

    /// The targets that can serve a GPU, i.e. without SASS entries holding no kernels.
    public var runnableTargets: [DeviceCodeTarget] {
        parsedTargets.filter { t in t.kind == .ptx || targets[t.description]?.kernels != 0 }
    }
}

/// One target of ``LockedDeviceCode``.
public struct LockedTarget: Codable, Hashable, Sendable {
    /// Members holding code for it.
    public var files: Int
    /// Entry kernels over all of them; `null` when unknown (PTX, unreadable payloads).
    public var kernels: Int?

    public init(files: Int, kernels: Int?) {
        self.files = files
        self.kernels = kernels
    }
}
