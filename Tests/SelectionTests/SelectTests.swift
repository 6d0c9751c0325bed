import CUDACompatibility
import Foundation
import HostProbe
import Lock
import Planner
import Selection
import Spec
import Testing

/// `select` on specs/main.yaml and its lock with injected host facts.
@Suite struct SelectTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func selector() throws -> VariantSelector {
        let (spec, _) = SpecLoader.load(path: repo.appendingPathComponent("specs/main.yaml").path)
        let (plan, lock) = try mainPlan()
        return VariantSelector(plan: plan, lock: lock, waivers: DeviceCodeCoverage.waivers(of: try #require(spec)))
    }

    static func mainPlan() throws -> (BuildPlan, LockFile) {
        let (spec, diagnostics) = SpecLoader.load(path: repo.appendingPathComponent("specs/main.yaml").path)
        let loaded = try #require(spec, "\(diagnostics)")
        let lock = try LockCoder.decode(try Data(contentsOf: repo.appendingPathComponent("specs/main.lock")))
        let (plan, planDiagnostics) = Planner.plan(loaded, lock: lock)
        return (try #require(plan, "\(planDiagnostics.map(\.description))"), lock)
    }

    static let avx2: Set<String> = ["sse4_2", "avx", "avx2", "fma", "f16c", "bmi2"]
    static let avx512 = avx2.union(["avx512f", "avx512dq", "avx512vl", "avx512bw", "avx512cd"])

    static func host(_ capabilities: [String], driver: String? = "580.65.06", cpu: Set<String> = avx512) -> HostFacts {
        HostFacts(driver: driver.flatMap(DriverVersion.init),
                  gpus: capabilities.enumerated().map { HostFacts.GPU(index: $0.offset, name: "GPU \($0.element)", capability: ComputeCapability($0.element)!) },
                  cpuFeatures: cpu, glibc: "2.35", gpuSource: .injected)
    }

    @Test func everySingleTargetVariantIsChosenOnItsGPUAndCPU() throws {
        let (plan, _) = try Self.mainPlan()
        let selector = try Self.selector()
        var checked = 0
        for variant in plan.variants where variant.capabilities.count == 1 {
            let cpu = variant.isa == "avx2" ? Self.avx2 : Self.avx512
            let outcome = selector.select(on: Self.host(variant.capabilities, cpu: cpu))
            #expect(outcome.best == variant.name, "\(variant.name): \(outcome.verdicts.first { $0.variant == variant.name }?.reasons ?? [])")
            checked += 1
        }
        #expect(checked == 12)
        #expect(plan.variants.count == 14)
        // flashinfer-cubin's gaps are waived in the spec: a warning on the chosen variant.
        let sm90 = selector.select(on: Self.host(["9.0"]))
        #expect(sm90.verdicts[0].warnings.contains { $0.hasPrefix("'flashinfer-cubin' has no kernels for 9.0 (waived: the wheel holds only the trtllm-gen cubins") })
    }

    @Test func theFatBuildServesHostsWithSeveralGPUKinds() throws {
        let outcome = try Self.selector().select(on: Self.host(["8.0", "9.0"]))
        #expect(outcome.best == "sglang-python312-cuda12_8-all-avx512")
        let sm90 = try #require(outcome.verdicts.first { $0.variant == "sglang-python312-cuda12_8-sm90-avx512" })
        #expect(sm90.reasons == ["compute capability 8.0 of GPU 0 (GPU 8.0) is not targeted: the variant builds for 9.0"])
    }

    @Test func anAVX2CPURejectsTheAVX512Variants() throws {
        let outcome = try Self.selector().select(on: Self.host(["9.0"], cpu: Self.avx2))
        #expect(outcome.best == "sglang-python312-cuda12_8-sm90-avx2")
        let avx512 = try #require(outcome.verdicts.first { $0.variant == "sglang-python312-cuda12_8-sm90-avx512" })
        #expect(avx512.reasons == ["the CPU lacks avx512f, avx512dq, avx512vl, avx512bw that ISA 'avx512' (-mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma) requires"])
    }

    @Test func noGPU() throws {
        var facts = Self.host([], driver: nil)
        facts.problems = ["NVML: cannot load libnvidia-ml.so.1 (not found)", "nvidia-smi: not found or failed (exit 127)"]
        let outcome = try Self.selector().select(on: facts)
        #expect(outcome.best == nil)
        #expect(outcome.hostProblems == ["no NVIDIA GPU found (NVML: cannot load libnvidia-ml.so.1 (not found); nvidia-smi: not found or failed (exit 127))"])
        #expect(outcome.verdicts.allSatisfy { $0.reasons.first == outcome.hostProblems.first })
    }

    @Test func oldDrivers() throws {
        let selector = try Self.selector()
        let tooOld = selector.select(on: Self.host(["9.0"], driver: "520.61.05"))
        #expect(tooOld.best == nil)
        #expect(tooOld.hostProblems == [
            "driver 520.61.05 is too old for CUDA 12.8: NVIDIA's minimum is 525.60.13 (minor-version compatibility), 570.26 for the full release",
            "driver 520.61.05 is older than the spec's cuda.min-driver 550",
        ])
        let belowSpec = selector.select(on: Self.host(["9.0"], driver: "535.104.05"))
        #expect(belowSpec.best == nil)
        #expect(belowSpec.hostProblems == ["driver 535.104.05 is older than the spec's cuda.min-driver 550"])
        let minorCompat = selector.select(on: Self.host(["9.0"], driver: "560.35.03"))
        #expect(minorCompat.best == "sglang-python312-cuda12_8-sm90-avx512")
        #expect(minorCompat.verdicts[0].warnings.contains("driver 560.35.03 is older than CUDA 12.8's own driver 570.26: runs under CUDA minor-version compatibility (no JIT of newer PTX)"))
    }

    @Test func gpusTheKernelWheelsDoNotServe() throws {
        let selector = try Self.selector()
        // T4: the sm75 targets are excluded, and 'all' builds torch for 7.5 but sgl-kernel has no 7.5 code.
        let t4 = selector.select(on: Self.host(["7.5"]))
        #expect(t4.best == nil)
        let all = try #require(t4.verdicts.first { $0.variant == "sglang-python312-cuda12_8-all-avx512" })
        #expect(all.reasons.contains("the pre-built component 'sgl-kernel' has no kernels for compute capability 7.5"))
        // B300 (10.3): torch's sm_100 runs there, sgl-kernel's sm_100a does not; the wheel's only
        // code for 10.3 is the PTX of its mscclpp libraries (coverage is the union over its files).
        let b300 = selector.select(on: Self.host(["10.3"]))
        #expect(b300.best == "sglang-python312-cuda12_8-sm100-avx512")
        #expect(b300.verdicts[0].warnings.contains("'sgl-kernel' has only PTX (compute_90) for 10.3: JIT-compiled at first start"))
    }

    /// Compiler ISA flags map to `/proc/cpuinfo` feature names (HostProbe's own parsing is in HostProbeTests).
    @Test func compilerISAFlagsMapToCPUFeatures() {
        #expect(CPUFeatureMap.required(by: ["-mavx512vnni", "-march=x86-64-v3", "-mfoo"]) == (["avx512_vnni"], ["-march=x86-64-v3", "-mfoo"]))
    }
}
