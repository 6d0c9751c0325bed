import Foundation
import Lock
import Planner
import Spec
import Testing

/// `plan`/`check`: GPU targets without code in a pre-built component, from the lock's record.
@Suite struct DeviceCodePlanTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func mainText() throws -> String { try String(contentsOf: repo.appendingPathComponent("specs/main.yaml"), encoding: .utf8) }
    static func mainLock() throws -> LockFile { try LockCoder.decode(try Data(contentsOf: repo.appendingPathComponent("specs/main.lock"))) }

    static func diagnostics(_ text: String, lock: LockFile) throws -> [String] {
        let (spec, load) = SpecLoader.decode(Array(text.utf8), path: "specs/main.yaml")
        let loaded = try #require(spec, "\(load)")
        return Planner.plan(loaded, lock: lock).diagnostics.filter { $0.message.contains("GPU target") || $0.message.contains("runtime") }.map(\.description)
    }

    static func line(of key: String, in text: String) -> Int {
        (text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0 == key } ?? -1) + 1
    }

    @Test func theMainSpecIsCleanWithItsWaivers() throws {
        #expect(try Self.diagnostics(Self.mainText(), lock: Self.mainLock()) == [])
    }

    @Test func withoutTheWaiversEveryUncoveredTargetIsAnErrorAtItsEntry() throws {
        let text = try Self.mainText()
        let start = try #require(text.range(of: "    device-code-waivers:\n      - gpus: [sm80, sm86, sm89, sm90, sm120, all]\n"))
        let end = try #require(text.range(of: "and its JIT\n", range: start.upperBound..<text.endIndex))
        let unwaived = String(text[..<start.lowerBound] + text[end.upperBound...])
        let errors = try Self.diagnostics(unwaived, lock: Self.mainLock())
        let targets = ["sm80": "8.0", "sm86": "8.6", "sm89": "8.9", "sm90": "9.0", "sm120": "12.0", "all": "8.0, 8.6, 8.9, 9.0, 12.0"]
        #expect(errors == ["sm80", "sm86", "sm89", "sm90", "sm120", "all"].map { gpu in
            "specs/main.yaml:\(Self.line(of: "  \(gpu):", in: unwaived)):3: error: GPU target '\(gpu)': the pre-built component 'flashinfer-cubin' ships no device code for compute capability \(targets[gpu]!) (its wheel holds sm_100, sm_100a, sm_103a); exclude the target, or waive it in 'device-code-waivers' of 'flashinfer-cubin' with a reason"
        })
    }

    @Test func ptxOnlyIsAWarningAndAnotherCUDAMajorAnError() throws {
        var lock = try Self.mainLock()
        let index = try #require(lock.artifacts.firstIndex { $0.component == "sgl-kernel" })
        lock.artifacts[index].deviceCode = LockedDeviceCode(targets: ["compute_80": LockedTarget(files: 1, kernels: nil), "sm_90a": LockedTarget(files: 1, kernels: 3)],
                                                            cudaRuntimeMajors: [13], files: 1)
        let text = try Self.mainText()
        let found = try Self.diagnostics(text, lock: lock)
        #expect(found.contains("specs/main.yaml:\(Self.line(of: "  sgl-kernel:", in: text)):3: error: component 'sgl-kernel': its wheel links the CUDA 13 runtime (libcudart.so.13), but the spec builds for CUDA 12.8"))
        #expect(found.contains("specs/main.yaml:\(Self.line(of: "  sm86:", in: text)):3: warning: GPU target 'sm86': the pre-built component 'sgl-kernel' has only PTX for compute capability 8.6 (compute_80): the driver JIT-compiles it at first start"))
        #expect(!found.contains { $0.contains("'sm90'") })
    }

    @Test func cubinsWithoutKernelsAreNoCode() throws {
        var lock = try Self.mainLock()
        let index = try #require(lock.artifacts.firstIndex { $0.component == "sgl-kernel" })
        var code = try #require(lock.artifacts[index].deviceCode)
        code.targets = ["sm_80": LockedTarget(files: 1, kernels: 0), "sm_90a": LockedTarget(files: 1, kernels: 7)]
        lock.artifacts[index].deviceCode = code
        let found = try Self.diagnostics(Self.mainText(), lock: lock)
        #expect(found.contains { $0.contains("error: GPU target 'sm80': the pre-built component 'sgl-kernel' ships no device code for compute capability 8.0 (its wheel holds sm_90a)") })
    }
}
