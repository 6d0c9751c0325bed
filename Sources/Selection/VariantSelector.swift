import CUDACompatibility
import HostProbe
import Lock
import Planner

/// `select`: which variant of a plan fits a host, and why each other one does not. Pure: host
/// facts come in as ``HostFacts``.
///
/// A variant fits when: there is a GPU; the driver serves the plan's CUDA release (NVIDIA's
/// minimum per release, or the minor-version-compatibility floor of its major, see
/// ``DriverRequirements``) and is at least the spec's `cuda.min-driver`; the variant's GPU code
/// (SASS for each of its capabilities, as torch is built per variant) runs on every GPU of the
/// host (``CompatibilityRules``); every pre-built component recorded in the lock has code for
/// every GPU; and the CPU has every feature its ISA's flags require (``CPUFeatureMap``).
/// Among fitting variants the best is the one whose GPU target lists the GPUs' capability
/// exactly and the fewest capabilities (an exact target before the fat `all` build), then the
/// ISA with the most flags (the widest the CPU fully supports), then plan order.
public struct VariantSelector {
    public let plan: BuildPlan
    public let lock: LockFile?
    /// `device-code-waivers` of the spec (component → GPU target → reason, see
    /// ``DeviceCodeCoverage/waivers(of:)``): a waived gap is a warning, not a reason.
    public let waivers: [String: [String: String]]

    public init(plan: BuildPlan, lock: LockFile?, waivers: [String: [String: String]] = [:]) {
        self.plan = plan
        self.lock = lock
        self.waivers = waivers
    }

    /// One variant's verdict.
    public struct Verdict: Hashable, Sendable {
        public var variant: String
        /// Empty when the variant fits.
        public var reasons: [String]
        /// Caveats of a fitting variant (PTX JIT, minor-version compatibility).
        public var warnings: [String]
        public var fits: Bool { reasons.isEmpty }
    }

    /// The outcome.
    public struct Outcome: Sendable {
        /// The best fitting variant, if any.
        public var best: String?
        /// Every variant, best first among the fitting ones, then the others in plan order.
        public var verdicts: [Verdict]
        /// Problems of the host as a whole (no GPU, no driver), each also in every verdict.
        public var hostProblems: [String]
    }

    /// Judges every variant on `host`.
    public func select(on host: HostFacts) -> Outcome {
        var hostProblems: [String] = []
        var hostWarnings: [String] = []
        if host.gpus.isEmpty {
            hostProblems.append("no NVIDIA GPU found" + (host.problems.isEmpty ? "" : " (\(host.problems.joined(separator: "; ")))"))
        }
        let cuda = plan.runtime.cuda
        if let driver = host.driver {
            if let release = DriverRequirements.release(cuda.version.description) {
                switch DriverRequirements.fit(driver, for: release) {
                case .full: break
                case .minorVersionCompatibility(let needed):
                    hostWarnings.append("driver \(driver) is older than CUDA \(cuda.version)'s own driver \(needed): runs under CUDA minor-version compatibility (no JIT of newer PTX)")
                case .tooOld(let floor):
                    hostProblems.append("driver \(driver) is too old for CUDA \(cuda.version): NVIDIA's minimum is \(floor) (minor-version compatibility), \(release.toolkitDriver) for the full release")
                }
            }
            if driver < cuda.minDriver {
                hostProblems.append("driver \(driver) is older than the spec's cuda.min-driver \(cuda.minDriver)")
            }
        } else if !host.gpus.isEmpty {
            hostProblems.append("the NVIDIA driver version is unknown")
        }
        let underMinorCompat = hostWarnings.contains { $0.contains("minor-version compatibility") }
        let isas = Dictionary(plan.isas.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

        var verdicts: [Verdict] = []
        var scores: [String: (Int, Int, Int)] = [:]
        for (position, variant) in plan.variants.enumerated() {
            var reasons = hostProblems
            var warnings = hostWarnings
            let sass = variant.capabilities.compactMap(ComputeCapability.init).map { DeviceCodeTarget(.sass, GPUArchitecture(major: $0.major, minor: $0.minor)) }
            var exact = !host.gpus.isEmpty
            for gpu in host.gpus {
                switch CompatibilityRules.coverage(of: sass, on: gpu.capability) {
                case .native(let t):
                    if t.architecture.capability != gpu.capability { exact = false }
                case .jit, .none:
                    exact = false
                    reasons.append("compute capability \(gpu.capability) of GPU \(gpu.index) (\(gpu.name)) is not targeted: the variant builds for \(variant.capabilities.joined(separator: ", "))")
                }
            }
            if let lock {
                let gpuCapabilities = Array(Set(host.gpus.map(\.capability.description))).sorted()
                for cell in DeviceCodeCoverage.cells(capabilities: gpuCapabilities, lock: lock) {
                    switch cell.coverage {
                    case .none:
                        if let reason = waivers[cell.component]?[variant.gpu] {
                            warnings.append("'\(cell.component)' has no kernels for \(cell.capability) (waived: \(reason))")
                        } else {
                            reasons.append("the pre-built component '\(cell.component)' has no kernels for compute capability \(cell.capability)")
                        }
                    case .jit(let t):
                        if underMinorCompat {
                            reasons.append("the pre-built component '\(cell.component)' has only PTX (\(t)) for compute capability \(cell.capability), which an older driver under minor-version compatibility cannot JIT-compile")
                        } else {
                            warnings.append("'\(cell.component)' has only PTX (\(t)) for \(cell.capability): JIT-compiled at first start")
                        }
                    case .native: break
                    }
                }
            }
            let flags = isas[variant.isa]?.flags ?? variant.isaFlags
            let (needed, unknown) = CPUFeatureMap.required(by: flags)
            let missing = needed.filter { !host.cpuFeatures.contains($0) }
            if !missing.isEmpty {
                reasons.append("the CPU lacks \(missing.joined(separator: ", ")) that ISA '\(variant.isa)' (\(flags.joined(separator: " "))) requires")
            }
            if !unknown.isEmpty { warnings.append("cannot check the CPU for \(unknown.joined(separator: " "))") }
            verdicts.append(Verdict(variant: variant.name, reasons: reasons, warnings: warnings))
            scores[variant.name] = (exact ? 0 : 1, variant.capabilities.count * 100 - flags.count, position)
        }
        let fitting = verdicts.filter(\.fits).sorted { scores[$0.variant]! < scores[$1.variant]! }
        let others = verdicts.filter { !$0.fits }
        return Outcome(best: fitting.first?.variant, verdicts: fitting + others, hostProblems: hostProblems)
    }
}
