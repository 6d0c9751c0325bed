import Foundation

/// Reads what `cuobjdump` (CUDA 13.5, from PyPI `nvidia-cuda-cuobjdump`) printed for a fixture,
/// recorded beside it by `scripts/make-device-code-fixtures.sh`, or runs it when installed.
enum CuobjdumpOracle {
    /// `sm_90a` / `compute_80` for every `ELF file N: name.sm_90a.cubin` and `PTX file N:
    /// name.sm_80.ptx` line of `cuobjdump --list-elf --list-ptx`, with their counts.
    static func targets(fromListing text: String) -> [String: Int] {
        var result: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let isELF = line.hasPrefix("ELF file"), isPTX = line.hasPrefix("PTX file")
            guard isELF || isPTX else { continue }
            let parts = line.split(separator: ".")
            guard parts.count >= 3 else { continue }
            let arch = String(parts[parts.count - 2]) // sm_90a
            result[isELF ? arch : "compute_" + arch.dropFirst(3), default: 0] += 1
        }
        return result
    }

    /// Entry kernels of the cubins in `cuobjdump -symbols` output: `FUNC … ENTRY` lines outside
    /// `Fatbin ptx code` blocks.
    static func entryKernels(fromSymbols text: String) -> Int {
        var inPTX = false
        var count = 0
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Fatbin ptx code") { inPTX = true }
            if line.hasPrefix("Fatbin elf code") { inPTX = false }
            if !inPTX, line.hasPrefix("FUNC"), line.split(separator: " ").contains("ENTRY") { count += 1 }
        }
        return count
    }

    /// `sm=90a` of `cuobjdump -elf`'s `64-bit ELF: … sm=90a, …` line.
    static func cubinArchitecture(fromELF text: String) -> String? {
        guard let range = text.range(of: "sm=") else { return nil }
        return "sm_" + text[range.upperBound...].prefix { $0 != "," }
    }

    /// The `cuobjdump` to run: `$CUOBJDUMP`, else one on `PATH`.
    static var executable: String? {
        if let path = ProcessInfo.processInfo.environment["CUOBJDUMP"], FileManager.default.isExecutableFile(atPath: path) { return path }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/cuobjdump"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs `cuobjdump arguments…`; its standard output and error together.
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable!)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
