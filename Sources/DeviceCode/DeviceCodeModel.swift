import CUDACompatibility

/// How a fatbin entry's payload is stored.
public enum PayloadCompression: String, Hashable, Sendable, Codable, CaseIterable {
    case none
    /// LZ4 block format (fatbin entry flag `0x2000`; CUDA 11–12 `nvcc` and `fatbinary --compress`).
    case lz4
    /// A zstd frame (flag `0x8000`; `fatbinary --compress-mode` of CUDA 12.8+, payload magic `28 b5 2f fd`).
    case zstd
}

/// One piece of device code: a cubin (SASS) or a PTX text, inside a fatbin container or as a
/// `.cubin` file of its own.
public struct DeviceCodeEntry: Hashable, Sendable, Codable {
    /// `sm_90a` / `compute_80`.
    public var target: DeviceCodeTarget
    /// How the payload is stored.
    public var compression: PayloadCompression
    /// Payload size in bytes as stored (compressed size when compressed).
    public var size: Int
    /// Number of entry kernels (`__global__` functions: `STT_FUNC` symbols with `STO_CUDA_ENTRY`)
    /// of a cubin; `nil` for PTX and for a payload that could not be read (see ``note``).
    public var kernels: Int?
    /// Why ``kernels`` is unknown, when it is.
    public var note: String?

    public init(target: DeviceCodeTarget, compression: PayloadCompression, size: Int, kernels: Int?, note: String? = nil) {
        self.target = target
        self.compression = compression
        self.size = size
        self.kernels = kernels
        self.note = note
    }
}

/// What kind of file held the device code.
public enum DeviceCodeFileKind: String, Hashable, Sendable, Codable {
    /// A host ELF (shared object or executable) with `.nv_fatbin` sections.
    case elf
    /// A cubin on its own (ELF with `e_machine` EM_CUDA).
    case cubin
    /// A bare fatbin container file (`nvcc -fatbin`, `fatbinary --create`).
    case fatbin
}

/// The device code of one file.
public struct DeviceCodeFile: Hashable, Sendable, Codable {
    /// The path as given (`wheel.whl!member` inside a wheel).
    public var path: String
    public var kind: DeviceCodeFileKind
    /// Fatbin containers found (0 for a cubin, or a host ELF with no device code).
    public var containers: Int
    /// Every entry, in file order.
    public var entries: [DeviceCodeEntry]
    /// `DT_NEEDED` of a host ELF, in order.
    public var needed: [String]

    public init(path: String, kind: DeviceCodeFileKind, containers: Int, entries: [DeviceCodeEntry], needed: [String]) {
        self.path = path
        self.kind = kind
        self.containers = containers
        self.entries = entries
        self.needed = needed
    }

    /// The CUDA runtime majors the file links, from `libcudart.so.N` in its `DT_NEEDED` entries
    /// (the CUDA runtime's soname carries its major: `libcudart.so.12`, `.13`).
    public var cudaRuntimeMajors: [Int] {
        Array(Set(needed.compactMap { name -> Int? in
            guard name.hasPrefix("libcudart.so.") else { return nil }
            return Int(name.dropFirst("libcudart.so.".count).prefix { $0.isNumber })
        })).sorted()
    }

    /// The distinct targets, sorted.
    public var targets: [DeviceCodeTarget] { Array(Set(entries.map(\.target))).sorted() }

    /// Entry kernels per SASS target, summed over the file's cubins (`nil` when any is unknown).
    public func kernels(of target: DeviceCodeTarget) -> Int? {
        var total = 0
        for e in entries where e.target == target {
            guard let k = e.kernels else { return nil }
            total += k
        }
        return total
    }
}
