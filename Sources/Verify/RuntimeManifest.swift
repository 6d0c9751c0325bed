import Foundation

/// The part of a runtime manifest (`share/sglang-forge/runtime.json`, schema
/// `sglang-forge/runtime` 1, written by every backend; docs/backends/runtime-manifest.md) that
/// `verify` compares an installation with.
public struct RuntimeManifest: Decodable, Sendable {
    public var schema: String
    public var schemaVersion: Int
    public var variant: Variant
    public var cuda: CUDA
    public var glibc: Glibc?
    public var components: [Component]
    /// Every distribution the runtime installs (components and the locked Python closure).
    public var distributions: [Distribution]

    public struct Variant: Decodable, Sendable {
        public var name: String
        public var gpu: GPU
    }

    public struct GPU: Decodable, Sendable {
        public var target: String
        /// `["9.0"]`.
        public var capabilities: [String]
    }

    public struct CUDA: Decodable, Sendable {
        /// `12.8`.
        public var version: String
        public var minDriver: String
    }

    public struct Glibc: Decodable, Sendable {
        public var minimum: String?
    }

    /// One component as the manifest lists it.
    public struct Component: Decodable, Sendable {
        public var name: String
        public var version: String
        /// `wheel` or `source`.
        public var kind: String
    }

    /// One installed distribution.
    public struct Distribution: Decodable, Sendable {
        /// PEP 503 normalised name.
        public var name: String
        public var version: String
        /// `component` or `closure`.
        public var origin: String
    }

    /// The manifest's compute capabilities.
    public var capabilities: [String] { variant.gpu.capabilities }

    /// The closure's distributions (`origin: closure`), by normalised name.
    public var closure: [String: String] {
        Dictionary(distributions.filter { $0.origin != "component" }.map { ($0.name, $0.version) }, uniquingKeysWith: { a, _ in a })
    }

    /// Decodes `data`. - Throws: ``VerifyError`` when it is not a runtime manifest.
    public static func decode(_ data: Data, path: String) throws(VerifyError) -> RuntimeManifest {
        struct Header: Decodable { var schema: String; var schemaVersion: Int }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw VerifyError(message: "\(path): not a runtime manifest (no 'schema' and 'schemaVersion')")
        }
        guard header.schema == "sglang-forge/runtime", header.schemaVersion == 1 else {
            throw VerifyError(message: "\(path): schema '\(header.schema)' version \(header.schemaVersion) is not 'sglang-forge/runtime' version 1")
        }
        do { return try JSONDecoder().decode(RuntimeManifest.self, from: data) } catch {
            throw VerifyError(message: "\(path): not a runtime manifest: \(error)")
        }
    }
}

/// A problem that stops `verify` before it can compare anything (unreadable manifest or prefix).
public struct VerifyError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
