import CUDACompatibility
import Foundation
import Packaging

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
        /// `12.8`; decoding fails for anything but `major.minor`.
        public var version: CUDAVersion
        public var minDriver: String
    }

    public struct Glibc: Decodable, Sendable {
        /// The highest glibc an installed wheel needs (`2.28`); decoding fails for anything but `major.minor`.
        public var minimum: GlibcVersion?
    }

    /// One component as the manifest lists it.
    public struct Component: Decodable, Sendable {
        public var name: String
        public var version: String
        /// `wheel` or `source`.
        public var kind: ComponentKind
    }

    /// One installed distribution.
    public struct Distribution: Decodable, Sendable {
        /// PEP 503 normalised name.
        public var name: String
        public var version: String
        /// `component` or `closure`.
        public var origin: Origin
    }

    /// How a component is installed (the manifest's `components[].kind`).
    public enum ComponentKind: String, CaseIterable, Decodable, Sendable {
        /// A pinned wheel: installed exactly at ``Component/version``.
        case wheel
        /// Built from source: the installed version may carry a local label the manifest does not.
        case source

        /// Decodes `wheel` or `source`.
        /// - Throws: `DecodingError.dataCorrupted` naming the unknown value and the known ones.
        public init(from decoder: any Decoder) throws {
            self = try decodeClosed(decoder, what: "component kind")
        }
    }

    /// Why a distribution is installed (the manifest's `distributions[].origin`).
    public enum Origin: String, CaseIterable, Decodable, Sendable {
        /// It is a component.
        case component
        /// It comes from the locked Python closure.
        case closure

        /// Decodes `component` or `closure`.
        /// - Throws: `DecodingError.dataCorrupted` naming the unknown value and the known ones.
        public init(from decoder: any Decoder) throws {
            self = try decodeClosed(decoder, what: "distribution origin")
        }
    }

    /// The manifest's compute capabilities.
    public var capabilities: [String] { variant.gpu.capabilities }

    /// The closure's distributions (`origin: closure`), by normalised name.
    public var closure: [String: String] {
        Dictionary(distributions.filter { $0.origin == .closure }.map { ($0.name, $0.version) }, uniquingKeysWith: { a, _ in a })
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

/// Reads one case of a closed set of JSON words, or fails with
/// `unknown <what> 'x'; expected one of: a, b`.
private func decodeClosed<T: RawRepresentable & CaseIterable>(_ decoder: any Decoder, what: String) throws -> T where T.RawValue == String {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let value = T(rawValue: text) else {
        throw DecodingError.dataCorruptedError(
            in: container, debugDescription: "unknown \(what) '\(text)'; expected one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return value
}

/// A problem that stops `verify` before it can compare anything (unreadable manifest or prefix).
public struct VerifyError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
