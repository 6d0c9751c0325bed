import CUDACompatibility
import Testing

/// NVIDIA's binary and PTX compatibility rules (CUDA C Programming Guide).
@Suite struct CompatibilityRulesTests {
    func runs(_ code: String, _ cc: String) -> Bool {
        CompatibilityRules.runs(DeviceCodeTarget(code)!, on: ComputeCapability(cc)!)
    }

    @Test func sassRunsOnTheSameMajorWithAnEqualOrHigherMinor() {
        #expect(runs("sm_80", "8.0") && runs("sm_80", "8.6") && runs("sm_80", "8.9"))
        #expect(!runs("sm_86", "8.0") && !runs("sm_80", "9.0") && !runs("sm_90", "10.0") && !runs("sm_75", "8.0"))
    }

    @Test func archSpecificCodeRunsOnlyOnThatCapability() {
        #expect(runs("sm_90a", "9.0") && !runs("sm_90a", "9.1") && !runs("sm_100a", "10.3") && !runs("compute_90a", "10.0"))
        #expect(runs("sm_100f", "10.3") && !runs("sm_100f", "12.0"))
    }

    @Test func ptxIsJITCompiledOnEveryLaterCapability() {
        #expect(runs("compute_80", "8.0") && runs("compute_80", "9.0") && runs("compute_80", "12.0") && !runs("compute_80", "7.5"))
    }

    @Test func coveragePrefersNativeCode() {
        let targets = ["sm_80", "compute_80", "sm_90a", "sm_100a"].map { DeviceCodeTarget($0)! }
        #expect(CompatibilityRules.coverage(of: targets, on: ComputeCapability("8.6")!) == .native(DeviceCodeTarget("sm_80")!))
        #expect(CompatibilityRules.coverage(of: targets, on: ComputeCapability("9.0")!) == .native(DeviceCodeTarget("sm_90a")!))
        #expect(CompatibilityRules.coverage(of: targets, on: ComputeCapability("12.0")!) == .jit(DeviceCodeTarget("compute_80")!))
        #expect(CompatibilityRules.coverage(of: targets, on: ComputeCapability("7.5")!) == .none)
    }

    @Test func targetsParseAndPrint() {
        for text in ["sm_61", "sm_90a", "compute_120a", "sm_100f", "compute_80"] { #expect(DeviceCodeTarget(text)?.description == text) }
        for bad in ["sm90", "sm_", "sm_9", "compute_x", "sm_90b"] { #expect(DeviceCodeTarget(bad) == nil, "\(bad)") }
        #expect(ComputeCapability("10.0")?.description == "10.0" && ComputeCapability("9") == nil)
    }

    @Test func driverRequirementsOfCUDA128() throws {
        let release = try #require(DriverRequirements.release("12.8"))
        #expect(DriverRequirements.fit(DriverVersion("580.159.03")!, for: release) == .full)
        #expect(DriverRequirements.fit(DriverVersion("570.26")!, for: release) == .full)
        #expect(DriverRequirements.fit(DriverVersion("550.54.15")!, for: release) == .minorVersionCompatibility(toolkitDriver: DriverVersion("570.26")!))
        #expect(DriverRequirements.fit(DriverVersion("520.61.05")!, for: release) == .tooOld(floor: DriverVersion("525.60.13")!))
        #expect(DriverVersion("570.124.06")! > DriverVersion("570.26")!)
    }
}
