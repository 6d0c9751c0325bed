import CUDACompatibility

/// What `select` and `verify` need to know about a host. Gathered by ``HostProbe``; built by
/// hand in tests.
public struct HostFacts: Codable, Hashable, Sendable {
    /// The NVIDIA driver version, when a driver answered.
    public var driver: DriverVersion?
    /// Every GPU, in device order.
    public var gpus: [GPU]
    /// CPU feature flags as `/proc/cpuinfo` names them (`avx2`, `avx512bw`).
    public var cpuFeatures: Set<String>
    /// glibc version (`2.36`), when known.
    public var glibc: String?
    /// Where the GPU facts came from.
    public var gpuSource: GPUSource
    /// Why a source gave nothing (`NVML: libnvidia-ml.so.1 not found`), in the order tried.
    public var problems: [String]

    public init(driver: DriverVersion?, gpus: [GPU], cpuFeatures: Set<String>, glibc: String?, gpuSource: GPUSource, problems: [String] = []) {
        self.driver = driver
        self.gpus = gpus
        self.cpuFeatures = cpuFeatures
        self.glibc = glibc
        self.gpuSource = gpuSource
        self.problems = problems
    }

    /// One GPU.
    public struct GPU: Codable, Hashable, Sendable {
        /// Device index.
        public var index: Int
        /// Marketing name (`NVIDIA H200`).
        public var name: String
        /// Compute capability (`9.0`).
        public var capability: ComputeCapability

        public init(index: Int, name: String, capability: ComputeCapability) {
            self.index = index
            self.name = name
            self.capability = capability
        }
    }

    /// Which probe found the GPUs.
    public enum GPUSource: String, Codable, Hashable, Sendable {
        /// NVML (`libnvidia-ml.so.1`, loaded at run time).
        case nvml
        /// `nvidia-smi --query-gpu`.
        case nvidiaSMI = "nvidia-smi"
        /// Given by the user or a test.
        case injected
        /// No source answered.
        case none
    }
}
