#if canImport(Glibc)
import Glibc
#endif
import CUDACompatibility

/// NVML, the NVIDIA Management Library, opened at run time with `dlopen("libnvidia-ml.so.1")`
/// so that the binary runs on machines without a driver. Functions and signatures: NVIDIA NVML
/// API Reference (`nvmlInit_v2`, `nvmlSystemGetDriverVersion`, `nvmlDeviceGetCount_v2`,
/// `nvmlDeviceGetHandleByIndex_v2`, `nvmlDeviceGetName`, `nvmlDeviceGetCudaComputeCapability`,
/// `nvmlShutdown`; `NVML_SUCCESS` is 0).
enum NVML {
    private typealias Init = @convention(c) () -> Int32
    private typealias DriverVersionFn = @convention(c) (UnsafeMutablePointer<CChar>?, UInt32) -> Int32
    private typealias Count = @convention(c) (UnsafeMutablePointer<UInt32>?) -> Int32
    private typealias Handle = @convention(c) (UInt32, UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    private typealias Name = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, UInt32) -> Int32
    private typealias Capability = @convention(c) (OpaquePointer?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> Int32

    /// The driver version and GPUs. - Returns: `.failure` with a sentence when NVML is missing or fails.
    static func probe() -> Result<(DriverVersion?, [HostFacts.GPU]), ProbeFailure> {
        #if canImport(Glibc)
        guard let library = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL) else {
            return .failure(ProbeFailure("NVML: cannot load libnvidia-ml.so.1 (\(dlerror().map { String(cString: $0) } ?? "not found"))"))
        }
        defer { dlclose(library) }
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            dlsym(library, name).map { unsafeBitCast($0, to: type) }
        }
        guard let initialize = symbol("nvmlInit_v2", as: Init.self), let shutdown = symbol("nvmlShutdown", as: Init.self),
              let driverVersion = symbol("nvmlSystemGetDriverVersion", as: DriverVersionFn.self),
              let count = symbol("nvmlDeviceGetCount_v2", as: Count.self),
              let handle = symbol("nvmlDeviceGetHandleByIndex_v2", as: Handle.self),
              let name = symbol("nvmlDeviceGetName", as: Name.self),
              let capability = symbol("nvmlDeviceGetCudaComputeCapability", as: Capability.self) else {
            return .failure(ProbeFailure("NVML: libnvidia-ml.so.1 lacks a needed function"))
        }
        let status = initialize()
        guard status == 0 else { return .failure(ProbeFailure("NVML: nvmlInit_v2 failed with status \(status)")) }
        defer { _ = shutdown() }
        var buffer = [CChar](repeating: 0, count: 96)
        let driver = driverVersion(&buffer, UInt32(buffer.count)) == 0 ? DriverVersion(String(cString: buffer)) : nil
        var n: UInt32 = 0
        guard count(&n) == 0 else { return .failure(ProbeFailure("NVML: nvmlDeviceGetCount_v2 failed")) }
        var gpus: [HostFacts.GPU] = []
        for i in 0..<n {
            var device: OpaquePointer?
            guard handle(i, &device) == 0 else { continue }
            var nameBuffer = [CChar](repeating: 0, count: 96)
            _ = name(device, &nameBuffer, UInt32(nameBuffer.count))
            var major: Int32 = 0, minor: Int32 = 0
            guard capability(device, &major, &minor) == 0 else { continue }
            gpus.append(HostFacts.GPU(index: Int(i), name: String(cString: nameBuffer), capability: ComputeCapability(major: Int(major), minor: Int(minor))))
        }
        return .success((driver, gpus))
        #else
        return .failure(ProbeFailure("NVML: only probed on Linux"))
        #endif
    }
}

/// Why one probe gave nothing.
struct ProbeFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
