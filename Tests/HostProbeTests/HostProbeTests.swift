import CUDACompatibility
import Foundation
import HostProbe
import Testing

/// The host facts `select` and `verify` start from: `/proc/cpuinfo` flags, `nvidia-smi` CSV,
/// glibc's version, and what the probe reports on a machine without an NVIDIA GPU.
@Suite struct HostProbeTests {
    @Test func cpuFlagsComeFromTheFirstFlagsLine() {
        let cpuinfo = "processor\t: 0\nflags\t\t: fpu avx2 avx512bw\nbugs\t: x\nprocessor\t: 1\nflags\t\t: fpu\n"
        #expect(HostProbe.cpuFlags(fromCPUInfo: cpuinfo) == ["fpu", "avx2", "avx512bw"])
        #expect(HostProbe.cpuFlags(fromCPUInfo: "processor\t: 0\n").isEmpty)
        #expect(HostProbe.cpuFlags(fromCPUInfo: "flags without a colon\n").isEmpty)
    }

    @Test func nvidiaSMIRowsWithFourFieldsAreGPUs() {
        let csv = "0, NVIDIA H200, 580.159.03, 9.0\r\n1, NVIDIA H200, 580.159.03, 9.0\nNo devices were found\n2, Tesla T4, 550.54.15\n"
        let (driver, gpus) = HostProbe.parseNvidiaSMI(csv)
        #expect(driver == DriverVersion("580.159.03"))
        #expect(gpus == [
            HostFacts.GPU(index: 0, name: "NVIDIA H200", capability: ComputeCapability("9.0")!),
            HostFacts.GPU(index: 1, name: "NVIDIA H200", capability: ComputeCapability("9.0")!),
        ])
        let (noDriver, none) = HostProbe.parseNvidiaSMI("")
        #expect(noDriver == nil && none.isEmpty)
    }

    /// Oracle: `getconf GNU_LIBC_VERSION` prints `glibc 2.36` on this machine's glibc.
    @Test func glibcVersionAgreesWithGetconf() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/getconf")
        process.arguments = ["GNU_LIBC_VERSION"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let expected = try #require(output.split(separator: " ").last).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(HostProbe.glibcVersion() == expected)
    }

    /// The probe never fails: what it could not learn is in `problems`. Without an NVIDIA driver
    /// (CI and this machine) it names both sources it tried.
    @Test func probeReportsWhyItFoundNoGPU() throws {
        let facts = HostProbe.probe()
        #expect(facts.glibc == HostProbe.glibcVersion())
        #expect(facts.cpuFeatures.contains("fpu"), "x86-64 /proc/cpuinfo lists fpu")
        if facts.gpus.isEmpty {
            #expect(facts.driver == nil && facts.gpuSource == .none)
            #expect(facts.problems.contains { $0.hasPrefix("NVML:") })
            #expect(facts.problems.contains { $0.hasPrefix("nvidia-smi:") })
        } else {
            #expect(facts.driver != nil)
        }
    }
}
