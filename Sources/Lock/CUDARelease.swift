import Foundation
import Packaging
import Spec

/// Which Python distributions carry a CUDA major version, and how to read it: the table behind
/// `lock`'s CUDA constraints and the `plan`/`check` error for a closure entry built for another
/// CUDA release. A new CUDA release needs no code: the major comes from `cuda.version`.
///
/// Sources: NVIDIA's wheel naming (`nvidia-cublas-cu12`, `nvidia-nccl-cu13`; CUDA Python release
/// notes: `cuda-bindings`/`cuda-python` `12.x` target CUDA 12, `13.x` CUDA 13), CuPy's
/// (`cupy-cuda12x`, older `cupy-cuda117` = CUDA 11.7), and PyTorch's local versions (`+cu128`).
/// `cuda-core` is versioned `0.x` independently of CUDA; its CUDA major is that of the
/// `cuda-bindings` it pulls in (extras `cu12`/`cu13`), which the constraints cover.
public enum CUDARelease {
    /// How a distribution shows its CUDA major.
    public enum Carrier: Hashable, Sendable {
        /// The distribution's release major is the CUDA major (`cuda-bindings 12.9.4` → 12).
        case versionMajor(distribution: String)
        /// The name ends in `<suffix><major>` after `prefix` (`nvidia-…-cu12` → 12).
        case nameSuffix(prefix: String, suffix: String)
        /// The name is `<prefix><digits>[x]`: `x` after the major, or major and one minor digit (`cupy-cuda12x`, `cupy-cuda117`).
        case namePrefix(prefix: String)
    }

    /// The table, in the order rules are tried.
    public static let carriers: [Carrier] = [
        .versionMajor(distribution: "cuda-bindings"),
        .versionMajor(distribution: "cuda-python"),
        .nameSuffix(prefix: "nvidia-", suffix: "-cu"),
        .namePrefix(prefix: "cupy-cuda"),
    ]

    /// The CUDA major `cuda.version` names (`12.8` → 12), or `nil` when it is not `major.minor`.
    public static func major(of cudaVersion: String) -> Int? {
        cudaVersion.split(separator: ".").first.flatMap { Int($0) }
    }

    /// The CUDA major a distribution carries and why, or `nil` when it carries none.
    /// - Parameters: `name` (any spelling), `version` (PEP 440 text; a `+cuXYZ` local part counts).
    public static func carried(name: String, version: String) -> (major: Int, because: String)? {
        let normalized = MarkerEnvironment.normalizeName(name)
        for carrier in carriers {
            switch carrier {
            case .versionMajor(let distribution) where normalized == distribution:
                if let release = PEP440Version(version)?.release.first { return (release, "\(distribution) \(version) targets CUDA \(release)") }
            case .nameSuffix(let prefix, let suffix) where normalized.hasPrefix(prefix):
                if let range = normalized.range(of: suffix, options: .backwards), let major = Int(normalized[range.upperBound...]) {
                    return (major, "the name \(normalized) ends in '\(suffix)\(major)'")
                }
            case .namePrefix(let prefix) where normalized.hasPrefix(prefix):
                let rest = normalized.dropFirst(prefix.count)
                if rest.hasSuffix("x"), let major = Int(rest.dropLast()) { return (major, "the name \(normalized) names CUDA \(major)") }
                if rest.count >= 2, let digits = Int(rest) { return (digits / 10, "the name \(normalized) names CUDA \(digits / 10).\(digits % 10)") }
            default: continue
            }
        }
        // PyTorch-style local versions: 2.9.1+cu128 → CUDA 12.8.
        if let plus = version.firstIndex(of: "+") {
            for part in version[version.index(after: plus)...].split(whereSeparator: { $0 == "." || $0 == "-" || $0 == "_" }) where part.hasPrefix("cu") {
                if let digits = Int(part.dropFirst(2)), digits >= 10 { return (digits / 10, "its local version '+\(part)' names CUDA \(digits / 10).\(digits % 10)") }
            }
        }
        return nil
    }

    /// The requirements `lock` adds to the resolution's constraints for CUDA `major`
    /// (`cuda-bindings>=12,<13`, …), one per ``Carrier/versionMajor(distribution:)`` row.
    public static func constraints(major: Int) -> [String] {
        carriers.compactMap {
            if case .versionMajor(let distribution) = $0 { "\(distribution)>=\(major),<\(major + 1)" } else { nil }
        }
    }

    /// An error at `cuda.version` for every installed distribution that carries another CUDA major.
    /// - Parameter installed: `(name, version, where)`; `where` names its source (`closure`, `component`).
    public static func check(spec: Spec, installed: [(name: String, version: String, source: String)]) -> [Diagnostic] {
        guard let major = major(of: spec.cuda.version.value) else { return [] }
        var bag = DiagnosticBag(file: spec.path)
        for item in installed.sorted(by: { $0.name < $1.name }) {
            guard let carried = carried(name: item.name, version: item.version), carried.major != major else { continue }
            bag.error("\(item.name) \(item.version) (\(item.source)) is built for CUDA \(carried.major), but cuda.version is \(spec.cuda.version.value): \(carried.because)",
                      at: spec.cuda.version.location,
                      notes: [bag.note("re-lock: `sglang-forge lock` constrains the closure to CUDA \(major) (docs/lock.md, 'CUDA release')", at: nil)])
        }
        return bag.all
    }
}
