import Lock
import Packaging
import Spec

/// What the closure resolution is asked, derived from the spec and the locked components; pure.
///
/// - Roots: every `python-deps` entry; every applicable Requires-Dist line of every locked
///   component wheel (markers evaluated for the target, no extras), whatever its
///   `requires-dist` policy (that policy only decides what the installed wheel keeps); and a
///   `name==version` stand-in for each source component (the source-built torch's runtime
///   dependencies are those of its PyPI wheel).
/// - Left out: requirements on components (the pins decide, checked by ``ConsistencyCheck``),
///   waived requirements, and requirements on `lock.unprovided-requirements` packages, which are
///   also excluded from the whole resolution.
/// - Constraints: every component's pin (URL pins are not on the index) and the CUDA release's
///   (``CUDARelease/constraints(major:)``).
public struct ClosureRequest: Hashable, Sendable {
    /// Where a requirement given to the resolver comes from, for located errors.
    public enum Origin: Hashable, Sendable {
        /// A `python-deps` entry of a component.
        case pythonDep(component: String, at: SourceLocation)
        /// A Requires-Dist line of a component's wheel (located at the component's version).
        case requiresDist(component: String, version: String, filename: String, at: SourceLocation)
        /// A source component's stand-in.
        case sourceBuild(component: String, at: SourceLocation)
        /// A component's pin.
        case pin(component: String, at: SourceLocation)
        /// The CUDA release's constraint.
        case cuda(version: String, at: SourceLocation)

        /// Where it is written in the spec.
        public var location: SourceLocation {
            switch self {
            case .pythonDep(_, let at), .requiresDist(_, _, _, let at), .sourceBuild(_, let at), .pin(_, let at), .cuda(_, let at): at
            }
        }

        /// A note's text: where the requirement comes from.
        public func describe(_ line: String) -> String {
            switch self {
            case .pythonDep(let c, _): "'\(line)' is a python-deps entry of component '\(c)'"
            case .requiresDist(let c, let v, let f, _): "\(c) \(v) requires '\(line)' (Requires-Dist of \(f))"
            case .sourceBuild(let c, _): "the source-built \(c) stands in as '\(line)'"
            case .pin(let c, _): "the spec pins component '\(c)' as '\(line)'"
            case .cuda(let v, _): "cuda.version \(v) adds the constraint '\(line)'"
            }
        }
    }

    /// One requirement line for uv and where it comes from.
    public struct Line: Hashable, Sendable {
        /// PEP 508 text without markers (`transformers==4.57.1`, `uvicorn[standard]`).
        public var text: String
        /// Its origin.
        public var origin: Origin
        /// The PEP 503 normalised name it constrains.
        public var name: String
    }

    /// One requirements file given to uv.
    public struct Input: Hashable, Sendable {
        /// Its name (`python-deps.in`, `sglang.requires-dist.in`, `source-builds.in`); it appears
        /// in uv's `# via -r …` annotations.
        public var file: String
        /// Its lines.
        public var lines: [Line]
    }

    /// Input files, sorted by name.
    public var inputs: [Input]
    /// The constraints file's lines.
    public var constraints: [Line]
    /// Names excluded from the resolution (uv `--excludes`).
    public var excludes: [String]
    /// Names exempt from the upload bound (uv `--exclude-newer-package NAME=false`) and not
    /// emitted (`--no-emit-package`): every component.
    public var components: [String]

    /// Every line with its origin, inputs first.
    public var allLines: [Line] { inputs.flatMap(\.lines) + constraints }

    /// Builds the request for `spec` with the locked component wheels `artifacts`.
    public static func make(spec: Spec, artifacts: [LockedArtifact], target: TargetEnvironment) -> ClosureRequest {
        let normalize = MarkerEnvironment.normalizeName
        let environment = MarkerEnvironment.linuxCPython(target)
        let components = Dictionary(spec.components.map { (normalize($0.name.value), $0) }, uniquingKeysWith: { a, _ in a })
        let unprovided = Set(spec.lock.unprovidedRequirements.map { normalize($0.package.value) })
        var inputs: [Input] = []

        var deps: [String: Line] = [:]
        for c in spec.components {
            for d in c.pythonDeps where deps[normalize(d.name.value)] == nil && components[normalize(d.name.value)] == nil {
                deps[normalize(d.name.value)] = Line(text: d.name.value, origin: .pythonDep(component: c.name.value, at: d.name.location), name: normalize(d.name.value))
            }
        }
        if !deps.isEmpty { inputs.append(Input(file: "python-deps.in", lines: deps.values.sorted { $0.name < $1.name })) }

        for artifact in artifacts.sorted(by: { $0.component < $1.component }) {
            guard let c = spec.components.first(where: { $0.name.value == artifact.component }), let lines = artifact.requiresDist else { continue }
            let waived = c.waivers.compactMap { try? Requirement(parsing: $0.requirement.value) }
            var out: [Line] = []
            for line in lines {
                guard let r = try? Requirement(parsing: line), r.applies(in: environment) else { continue }
                let name = r.normalizedName
                if name == normalize(c.name.value) || components[name] != nil || unprovided.contains(name) { continue }
                if waived.contains(where: { $0.normalizedName == name && $0.specifier == r.specifier && $0.url == r.url }) { continue }
                var text = r.name
                if !r.extras.isEmpty { text += "[\(r.extras.joined(separator: ","))]" }
                if let url = r.url { text += " @ \(url)" } else { text += r.specifier.clauses.map(\.description).joined(separator: ",") }
                out.append(Line(text: text, origin: .requiresDist(component: c.name.value, version: artifact.version, filename: artifact.filename, at: c.version.location), name: name))
            }
            if !out.isEmpty { inputs.append(Input(file: "\(c.name.value).requires-dist.in", lines: out)) }
        }

        let sources = spec.components.filter { $0.kind.value == .source }.sorted { $0.name.value < $1.name.value }.map {
            Line(text: "\($0.name.value)==\($0.version.value)", origin: .sourceBuild(component: $0.name.value, at: $0.version.location), name: normalize($0.name.value))
        }
        if !sources.isEmpty { inputs.append(Input(file: "source-builds.in", lines: sources)) }

        var constraints = spec.components.filter { $0.url == nil }.sorted { $0.name.value < $1.name.value }.map {
            Line(text: "\($0.name.value)==\($0.version.value)", origin: .pin(component: $0.name.value, at: $0.version.location), name: normalize($0.name.value))
        }
        if let major = CUDARelease.major(of: spec.cuda.version.value) {
            constraints += CUDARelease.constraints(major: major).map {
                Line(text: $0, origin: .cuda(version: spec.cuda.version.value, at: spec.cuda.version.location), name: normalize(String($0.prefix { $0 != ">" && $0 != "<" && $0 != "=" })))
            }
        }
        return ClosureRequest(inputs: inputs.sorted { $0.file < $1.file }, constraints: constraints, excludes: unprovided.sorted(),
                              components: spec.components.map { normalize($0.name.value) }.sorted())
    }
}
