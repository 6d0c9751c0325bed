import CUDACompatibility
import Lock
import Spec

/// What the pre-built wheels of a lock serve on each compute capability, from each artifact's
/// ``LockedDeviceCode`` and NVIDIA's rules (``CompatibilityRules``). Pure.
public enum DeviceCodeCoverage {
    /// One compute capability × one component with device code.
    public struct Cell: Hashable, Sendable {
        /// The component (lock artifact).
        public var component: String
        /// The capability (`9.0`).
        public var capability: ComputeCapability
        /// How it is served.
        public var coverage: Coverage
    }

    /// The spec's `device-code-waivers`: component → GPU target → reason.
    public static func waivers(of spec: Spec) -> [String: [String: String]] {
        var result: [String: [String: String]] = [:]
        for c in spec.components {
            for w in c.deviceCodeWaivers { for gpu in w.gpus { result[c.name.value, default: [:]][gpu.value] = w.reason.value } }
        }
        return result
    }

    /// Components of `lock` that were audited and hold device code, sorted by name.
    public static func audited(_ lock: LockFile) -> [(component: String, code: LockedDeviceCode)] {
        lock.artifacts.compactMap { a in a.deviceCode.flatMap { $0.targets.isEmpty ? nil : (a.component, $0) } }
    }

    /// Every cell for `capabilities` (as written in the spec; unparsable ones are skipped).
    public static func cells(capabilities: [String], lock: LockFile) -> [Cell] {
        var result: [Cell] = []
        for (component, code) in audited(lock) {
            let targets = code.runnableTargets
            for text in capabilities {
                guard let capability = ComputeCapability(text) else { continue }
                result.append(Cell(component: component, capability: capability, coverage: CompatibilityRules.coverage(of: targets, on: capability)))
            }
        }
        return result
    }
}

extension PlanContext {
    /// For every GPU target the matrix builds: a component whose locked wheel ships no device
    /// code for one of its capabilities is an error at the GPU target's entry, unless the
    /// component's `device-code-waivers` name the target (with a reason); PTX-only coverage is a
    /// warning (JIT at first start). A wheel linking a CUDA runtime of another major than
    /// `cuda.version` is an error at the component.
    mutating func checkDeviceCode(variants: [PlannedVariant]) {
        guard let lock else { return }
        var waived: [String: [String: String]] = [:] // component → gpu → reason
        for c in spec.components {
            for w in c.deviceCodeWaivers {
                for gpu in w.gpus {
                    if gpus[gpu.value] == nil {
                        unknown("GPU target", gpu, candidates: spec.gpus.map(\.name.value), defined: "gpus")
                    }
                    waived[c.name.value, default: [:]][gpu.value] = w.reason.value
                }
            }
        }
        var seen = Set<String>()
        let built = variants.map(\.gpu).filter { seen.insert($0).inserted }
        let cudaMajor = spec.cuda.version.value.split(separator: ".").first.flatMap { Int($0) }
        for (component, code) in DeviceCodeCoverage.audited(lock) {
            let location = components[component]?.name.location
            if let cudaMajor, let other = code.cudaRuntimeMajors.first(where: { $0 != cudaMajor }) {
                bag.error("component '\(component)': its wheel links the CUDA \(other) runtime (libcudart.so.\(other)), but the spec builds for CUDA \(spec.cuda.version.value)", at: location)
            }
            for name in built {
                guard let gpu = gpus[name] else { continue }
                let cells = DeviceCodeCoverage.cells(capabilities: gpu.capabilities.map(\.value), lock: LockFile(
                    spec: lock.spec, inputs: lock.inputs, nixpkgs: lock.nixpkgs, artifacts: lock.artifacts.filter { $0.component == component }, closure: nil))
                let missing = cells.filter { $0.coverage == .none }.map(\.capability.description)
                let jit = cells.compactMap { cell -> String? in
                    if case .jit(let t) = cell.coverage { return "\(cell.capability) (\(t))" }
                    return nil
                }
                let shipped = code.runnableTargets.map(\.description).joined(separator: ", ")
                if !missing.isEmpty && waived[component]?[name] == nil {
                    bag.error("GPU target '\(name)': the pre-built component '\(component)' ships no device code for compute capability \(missing.joined(separator: ", ")) (its wheel holds \(shipped)); exclude the target, or waive it in 'device-code-waivers' of '\(component)' with a reason", at: gpu.name.location)
                } else if !jit.isEmpty {
                    bag.warning("GPU target '\(name)': the pre-built component '\(component)' has only PTX for compute capability \(jit.joined(separator: ", ")): the driver JIT-compiles it at first start", at: gpu.name.location)
                }
            }
        }
    }
}
