import CUDACompatibility
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Gathers ``HostFacts`` from the running host: NVML first, `nvidia-smi --query-gpu` when NVML
/// cannot be loaded, CPU flags from `/proc/cpuinfo`, glibc from `gnu_get_libc_version()`.
public enum HostProbe {
    /// Probes this host. Never throws: what could not be found is `nil`/empty, with the reason in
    /// ``HostFacts/problems``.
    public static func probe() -> HostFacts {
        var problems: [String] = []
        var driver: DriverVersion?
        var gpus: [HostFacts.GPU] = []
        var source = HostFacts.GPUSource.none
        switch NVML.probe() {
        case .success(let (d, g)):
            driver = d
            gpus = g
            source = .nvml
        case .failure(let failure):
            problems.append(failure.message)
            switch nvidiaSMI() {
            case .success(let (d, g)):
                driver = d
                gpus = g
                source = .nvidiaSMI
            case .failure(let f):
                problems.append(f.message)
            }
        }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if cpuinfo.isEmpty { problems.append("cannot read /proc/cpuinfo") }
        return HostFacts(driver: driver, gpus: gpus, cpuFeatures: cpuFlags(fromCPUInfo: cpuinfo), glibc: glibcVersion(), gpuSource: source, problems: problems)
    }

    /// The `flags` of the first processor in `/proc/cpuinfo` text.
    public static func cpuFlags(fromCPUInfo text: String) -> Set<String> {
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    /// Parses `nvidia-smi --query-gpu=index,name,driver_version,compute_cap --format=csv,noheader`.
    public static func parseNvidiaSMI(_ text: String) -> (DriverVersion?, [HostFacts.GPU]) {
        var driver: DriverVersion?
        var gpus: [HostFacts.GPU] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 4, let index = Int(fields[0]), let capability = ComputeCapability(fields[3]) else { continue }
            driver = driver ?? DriverVersion(fields[2])
            gpus.append(HostFacts.GPU(index: index, name: fields[1], capability: capability))
        }
        return (driver, gpus)
    }

    private static func nvidiaSMI() -> Result<(DriverVersion?, [HostFacts.GPU]), ProbeFailure> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["nvidia-smi", "--query-gpu=index,name,driver_version,compute_cap", "--format=csv,noheader"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return .failure(ProbeFailure("nvidia-smi: cannot run (\(error))")) }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return .failure(ProbeFailure("nvidia-smi: not found or failed (exit \(process.terminationStatus))")) }
        let parsed = parseNvidiaSMI(String(decoding: data, as: UTF8.self))
        if parsed.1.isEmpty { return .failure(ProbeFailure("nvidia-smi: listed no GPU")) }
        return .success(parsed)
    }

    /// `gnu_get_libc_version()` (`2.36`); `nil` off glibc.
    public static func glibcVersion() -> String? {
        #if canImport(Glibc)
        // Declared in <gnu/libc-version.h>, which the Glibc module does not export: found with
        // dlsym(RTLD_DEFAULT) in the already loaded libc.
        typealias Version = @convention(c) () -> UnsafePointer<CChar>?
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gnu_get_libc_version"),
              let text = unsafeBitCast(symbol, to: Version.self)() else { return nil }
        return String(cString: text)
        #else
        return nil
        #endif
    }
}
