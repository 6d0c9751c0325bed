import CUDACompatibility
import DeviceCode
import Lock

extension LockedDeviceCode {
    /// The lock's summary of a wheel's files: targets with member and kernel counts, CUDA
    /// runtime majors, members with device code.
    public init(_ files: [DeviceCodeFile]) {
        var targets: [String: LockedTarget] = [:]
        for file in files {
            for target in file.targets {
                let kernels = target.kind == .ptx ? nil : file.kernels(of: target)
                let key = target.description
                if let old = targets[key] {
                    targets[key] = LockedTarget(files: old.files + 1, kernels: old.kernels.flatMap { a in kernels.map { a + $0 } })
                } else {
                    targets[key] = LockedTarget(files: 1, kernels: kernels)
                }
            }
        }
        self.init(targets: targets, cudaRuntimeMajors: Array(Set(files.flatMap(\.cudaRuntimeMajors))).sorted(),
                  files: files.filter { !$0.entries.isEmpty }.count)
    }
}
