import Foundation

/// The part of a runtime manifest (`share/sglang-forge/runtime.json`, schema
/// `sglang-forge/tarball-runtime` 1, written by the tarball backend; docs/backends/tarball.md)
/// that `verify` compares an installation with.
public struct RuntimeManifest: Decodable, Sendable {
    public var schema: String
    public var schemaVersion: Int
    /// The variant's name.
    public var variant: String
    /// `cuda.version` (`12.8`) and `cuda.localTag` (`cu128`).
    public var cuda: [String: String]
    /// `gpu.target`, `gpu.capabilities` (`["9.0"]`).
    public var gpu: [String: [String]]
    /// `python.version` (`3.12.14`).
    public var python: [String: String]
    public var minimumGlibc: String?
    public var minimumDriver: String
    public var components: [Component]

    /// One component as the manifest lists it.
    public struct Component: Decodable, Sendable {
        public var name: String
        public var version: String
        /// `wheel` or `source`.
        public var kind: String
    }

    /// The manifest's compute capabilities.
    public var capabilities: [String] { gpu["capabilities"] ?? [] }

    /// Decodes `data`. - Throws: ``VerifyError`` when it is not a runtime manifest.
    public static func decode(_ data: Data, path: String) throws(VerifyError) -> RuntimeManifest {
        let manifest: RuntimeManifest
        do { manifest = try JSONDecoder().decode(RuntimeManifest.self, from: data) } catch {
            throw VerifyError(message: "\(path): not a runtime manifest: \(error)")
        }
        guard manifest.schema == "sglang-forge/tarball-runtime", manifest.schemaVersion == 1 else {
            throw VerifyError(message: "\(path): schema '\(manifest.schema)' version \(manifest.schemaVersion) is not 'sglang-forge/tarball-runtime' version 1")
        }
        return manifest
    }
}

/// A problem that stops `verify` before it can compare anything (unreadable manifest or prefix).
public struct VerifyError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
