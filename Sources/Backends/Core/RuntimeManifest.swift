import Foundation
import Hashes
import Packaging
import Planner

/// A variant's runtime manifest, `runtime.json`: the one description of what a built runtime
/// contains, rendered here once and embedded byte-for-byte by every backend (installed as
/// ``RuntimeManifest/installPath`` under the runtime's prefix: the Nix package's `$out`, the
/// image's `/opt/sglang`, the tarball's prefix).
///
/// Contents (JSON, keys sorted, two-space indentation, one trailing newline; format
/// `sglang-forge/runtime` version 1, documented in docs/backends/runtime-manifest.md):
/// the runtime and its entry point; the variant (GPU target, compute capabilities,
/// `TORCH_CUDA_ARCH_LIST`, CPU ISA and its compiler flags, build environment); CPython; CUDA
/// (release, local version label, minimum driver) and, per backend, where the CUDA toolkit, the
/// source-built torch's CUDA libraries and every declared system library come from; glibc (the
/// target hosts' oldest and the highest any installed wheel needs); the components; every Python
/// distribution installed from a wheel (name, version, sha256, file name, and whether it is a
/// component or from the closure); the runtime environment as backend-neutral templates
/// (docs/plan-schema.md).
///
/// The manifest holds no fact only one backend knows at emit time, so the three backends write
/// the same bytes; facts that genuinely differ between backends are listed per backend under
/// `backends`.
public enum RuntimeManifest {
    /// Where every backend installs the manifest, relative to the runtime's prefix.
    public static let installPath = "share/sglang-forge/runtime.json"
    /// The format name, `schema` in the file.
    public static let schemaName = "sglang-forge/runtime"
    /// The format version, `schemaVersion` in the file.
    public static let schemaVersion = 1

    /// The manifest of `variant` (one of `plan.variants`).
    ///
    /// - Returns: the file's contents (UTF-8 JSON, sorted keys, ending in a newline).
    /// - Throws: ``EmitError`` when a closure package admits several files and the lock chose
    ///   none (a lock older than wheel choice, or `--python-closure` with several hashes per
    ///   package): the manifest names each installed file by its sha256. Wheel components
    ///   without an artifact are left out (every backend reports them itself).
    public static func render(_ plan: BuildPlan, variant: PlannedVariant) throws(EmitError) -> String {
        let problems = self.problems(plan)
        if !problems.isEmpty { throw EmitError(problems) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Document(plan: plan, variant: variant))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Every variant's manifest, in `plan.variants` order, or the problems (``problems(_:)``):
    /// what a backend's check keeps in its inputs, so rendering cannot fail.
    public static func checkedManifests(_ plan: BuildPlan) -> Result<[(variant: PlannedVariant, manifest: String)], EmitError> {
        let problems = self.problems(plan)
        if !problems.isEmpty { return .failure(EmitError(problems)) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return .success(plan.variants.map { variant in
            let data = (try? encoder.encode(Document(plan: plan, variant: variant))) ?? Data("{}".utf8)
            return (variant, String(decoding: data, as: UTF8.self) + "\n")
        })
    }

    /// Why a manifest cannot be rendered for `plan` (empty when it can), each located in the spec.
    public static func problems(_ plan: BuildPlan) -> [Diagnostic] {
        // Wheel components without an artifact are each backend's own error already.
        var problems: [Diagnostic] = []
        if let closure = plan.pythonClosure {
            let undecided = closure.packages.filter { $0.installedSHA256 == nil }.map(\.normalizedName)
            if !undecided.isEmpty {
                problems.append(plan.error("\(undecided.count) of the \(closure.packages.count) packages of the Python closure (\(closure.source)) admit several files and the lock records none of them as the one installed (\(undecided.prefix(3).joined(separator: ", "))\(undecided.count > 3 ? ", …" : "")): every backend installs the same file, which `sglang-forge lock` chooses for the target; run it", at: nil))
            }
        }
        return problems
    }

    /// Every Python distribution the runtime installs from a wheel: the wheel components (their
    /// artifacts) and the closure's packages (their locked wheels), sorted by PEP 503 name. The
    /// source-built components (torch) are not in it: their wheel is built per variant.
    public static func distributions(_ plan: BuildPlan) -> [Distribution] {
        var result: [Distribution] = []
        for component in plan.components where component.kind == .wheel {
            guard let artifact = component.artifact else { continue }
            result.append(Distribution(name: normalized(component.name), version: component.version, sha256: artifact.digest.hex,
                                       filename: artifact.filename, url: artifact.url, origin: .component))
        }
        let components = Set(result.map(\.name))
        for package in plan.pythonClosure?.packages ?? [] where !components.contains(package.normalizedName) {
            guard let sha256 = package.installedSHA256 else { continue }
            result.append(Distribution(name: package.normalizedName, version: package.version, sha256: sha256.hex,
                                       filename: package.wheel?.filename, url: package.wheel?.url, origin: .closure))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// One installed distribution.
    public struct Distribution: Codable, Hashable, Sendable {
        /// PEP 503 normalised name.
        public var name: String
        /// Its version.
        public var version: String
        /// Lowercase hex SHA-256 of the wheel file.
        public var sha256: String
        /// The wheel's file name; `null` for a closure package given by its one hash only
        /// (`emit --python-closure FILE` without a lock).
        public var filename: String?
        /// Where it is downloaded from, when known (not in the manifest: a mirror may serve the
        /// same bytes).
        public var url: String?
        /// A spec component, or a package of the locked closure.
        public var origin: Origin

        /// Where a distribution comes from.
        public enum Origin: String, Codable, Hashable, Sendable {
            /// A wheel component of the spec.
            case component
            /// A package of the locked Python closure.
            case closure
        }

        enum CodingKeys: String, CodingKey { case name, version, sha256, filename, origin }
    }

    /// PEP 503 normalised name: runs of `-`, `_`, `.` become one `-`, lowercase.
    public static func normalized(_ name: String) -> String { PackageName.normalized(name) }
}

extension PlannedPythonPackage {
    /// The SHA-256 digest of the one file every backend installs: the lock's chosen wheel, or the
    /// only hash the closure lists; `nil` when the closure admits several files and no lock chose one.
    public var installedSHA256: Digest? {
        if let wheel { return wheel.digest }
        return sha256.count == 1 ? sha256[0] : nil
    }
}
