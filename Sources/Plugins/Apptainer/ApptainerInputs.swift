import BackendCore
import PluginKit

/// The facts of a plan the Apptainer backend renders, checked: the base image pinned by digest,
/// the torch source and every wheel pinned by a hash pip and `sha…sum` know, the Python closure
/// present for every `python-deps`, no line breaks in values that reach a definition file.
/// ``check(_:)`` reports every problem at once as plugin diagnostics (the host locates them).
struct ApptainerInputs {
    /// `name:tag@sha256:…`, and the two parts apart for the labels.
    let baseImage: String
    let baseName: String
    let baseDigest: String
    /// The image the torch wheel is built on, `name:tag@sha256:…` (the spec's builder, else the
    /// base), and its glibc when the spec states it (checked in the build).
    let builderImage: String
    let builderGlibc: String?
    /// The relocatable CPython the wheel is built with (`tarball.python`, the runtime's ABI).
    let buildPython: PlannedDownload
    /// torch's hashed build requirements (from the lock).
    let torchBuildRequirements: PlannedPythonClosure
    /// The source-built `torch` component and its pinned source tarball.
    let torch: PlannedComponent
    let torchSource: PlannedArtifact
    /// Wheel components and their pinned artifacts, in spec order (the same in every variant).
    let wheels: [(component: PlannedComponent, artifact: PlannedArtifact)]
    /// The hashed Python closure, when the plan has one.
    let closure: PlannedPythonClosure?
    /// Debian packages of the `system` libraries some component links, sorted.
    let debianPackages: [String]
    /// The runtime environment as `%environment` lines' values (double-quoted bodies).
    let environment: [(name: String, quotedValue: String)]

    /// Where things live in the image, and the values of the plan's environment placeholders.
    /// `{cache}` is under the user's cache directory: a SIF image is read-only at run time and
    /// Apptainer binds `$HOME` by default.
    enum Paths {
        static let cudaHome = "/usr/local/cuda"
        static let prefix = "/opt/sglang"
        static let torchSource = "/src/pytorch"
        static let wheels = "/wheels"
        static let torchWheelMount = "/tmp/torch-wheel"
        static let buildPython = "/opt/python"
        static let buildRequirements = "/opt/build-requirements"
        static let requirements = "requirements"
        static let cacheExpansion = "${XDG_CACHE_HOME:-${HOME}/.cache}/sglang"
    }

    /// Checks `plan`.
    /// - Returns: the inputs, or `nil` and every problem (error diagnostics).
    static func check(_ plan: BuildPlan) -> (ApptainerInputs?, [PluginDiagnostic]) {
        var problems: [PluginDiagnostic] = []
        func error(_ message: String, component: String? = nil, variant: String? = nil) {
            problems.append(PluginDiagnostic(.error, message, variant: variant, component: component))
        }
        func singleLine(_ value: String, _ what: String, component: String? = nil, variant: String? = nil) {
            if !SafeText.isSingleLine(value) { error("\(what) contains a line break or a control character, which an Apptainer definition file cannot hold", component: component, variant: variant) }
        }

        var baseName = "", baseDigest = ""
        if let container = plan.container {
            baseName = container.baseImage
            if let digest = container.baseDigest { baseDigest = digest } else {
                error("base image '\(container.baseImage)' is not pinned by digest; add 'base-digest: sha256:…' under 'container:'; the Apptainer backend never bootstraps from an unpinned image")
            }
            singleLine(container.baseImage, "the base image")
        } else {
            error("the spec has no 'container:' section; the Apptainer backend bootstraps from 'container.base-image' (a CUDA \(plan.runtime.cuda.version) devel image) pinned by 'container.base-digest'")
        }

        var builderImage = ""
        if let build = plan.container?.buildImage {
            if let digest = build.digest { builderImage = "\(build.image)@\(digest)" } else if plan.container?.builder != nil {
                error("builder image '\(build.image)' is not pinned by digest; add 'builder-digest: sha256:…' under 'container:'")
            }
        }
        let buildPython = plan.tarball?.python
        if let buildPython {
            if !plan.runtime.python.version.includes(buildPython.version) {
                error("'tarball.python' is CPython \(buildPython.version), but runtime.python is \(plan.runtime.python.version); the torch wheel must be built with the runtime's Python")
            }
            singleLine(buildPython.url, "the tarball.python URL")
        } else {
            error("the torch build stage installs the relocatable CPython pinned in 'tarball.python' (the runtime's ABI, as the container backend does), but the spec pins none")
        }

        var torch: PlannedComponent?, torchSource: PlannedArtifact?, torchBuildRequirements: PlannedPythonClosure?
        var wheels: [(PlannedComponent, PlannedArtifact)] = []
        for component in plan.components {
            if component.perVariant {
                guard component.name == "torch" else {
                    error("the Apptainer backend builds only 'torch' from source; pin a wheel for it instead", component: component.name)
                    continue
                }
                torch = component
                if let closure = component.buildClosure {
                    if closure.packages.contains(where: { $0.sha256.isEmpty }) {
                        error("a build requirement of 'torch' has no hash; pip's --require-hashes refuses it: run `sglang-forge lock`", component: component.name)
                    } else {
                        torchBuildRequirements = closure
                    }
                } else {
                    error("the build requirements of 'torch' have no hashes in the plan (declare 'build-requires' and run `sglang-forge lock`); the Apptainer backend never installs build requirements unpinned", component: component.name)
                }
                if let artifact = component.artifact {
                    // Every plan digest is sha256 or sha512 (``HashAlgorithm``), which `sha256sum --check` and pip take.
                    torchSource = artifact
                    singleLine(artifact.url, "the torch source URL", component: component.name)
                } else {
                    error("source component 'torch' \(component.version) has no pinned source tarball; add 'url:' (the release tarball with submodules) and its 'hash:'; the Apptainer backend never builds from an unverified download", component: component.name)
                }
            } else if let artifact = component.artifact {
                singleLine(artifact.url, "the wheel URL", component: component.name)
                wheels.append((component, artifact))
            } else {
                error("wheel '\(component.name)' \(component.version) has no pinned artifact (URL and hash); run `sglang-forge lock`, or pin it with 'url:' and 'hash:'; the Apptainer backend never installs an unhashed wheel", component: component.name)
            }
        }
        if torch == nil && !plan.components.contains(where: { $0.name == "torch" }) {
            error("the spec has no source component 'torch'; the Apptainer backend builds torch from source for each variant")
        }

        let closureNames = Set(plan.pythonClosure?.packages.map(\.normalizedName) ?? [])
        for component in plan.components where !component.pythonDeps.isEmpty {
            let names = component.pythonDeps.map(\.normalizedName)
            if plan.pythonClosure == nil {
                error("needs \(names.count) Python package\(names.count == 1 ? "" : "s") from the runtime package set, but the plan has no hashed Python closure; run `sglang-forge lock`, or pass `--python-closure FILE`", component: component.name)
            } else {
                let missing = names.filter { !closureNames.contains($0) }
                if !missing.isEmpty { error("the Python closure lacks \(missing.joined(separator: ", "))", component: component.name) }
            }
        }

        for variant in plan.variants {
            if !isFileName(variant.name) {
                error("the variant name is not usable as a file name (letters, digits, '.', '-' and '_'); change the 'variants.name' template", variant: variant.name)
            }
            singleLine(variant.description, "the description", variant: variant.name)
            for setting in variant.buildEnv { singleLine(setting.value, "build-env \(setting.name)", variant: variant.name) }
        }
        for value in [plan.runtime.homepage, plan.runtime.license, plan.runtime.summary].compactMap({ $0 }) { singleLine(value, "runtime metadata '\(value.prefix(20))…'") }

        var environment: [(String, String)] = []
        for variable in plan.environment {
            singleLine(variable.value, "the environment variable \(variable.name)")
            switch expand(variable.value) {
            case .success(let value): environment.append((variable.name, value))
            case .failure(let placeholder): error("the environment variable \(variable.name) uses the placeholder \(placeholder), which this backend does not know")
            }
        }

        for problem in RuntimeManifest.problems(plan) { error(problem.message) }

        guard problems.isEmpty, let torch, let torchSource, let buildPython, let torchBuildRequirements else { return (nil, problems) }
        let linked = Set(plan.components.flatMap(\.links))
        let debian = Set(plan.systemLibraries.filter { $0.provider == .system && linked.contains($0.name) }.compactMap(\.debian))
        return (ApptainerInputs(
            baseImage: "\(baseName)@\(baseDigest)", baseName: baseName, baseDigest: baseDigest,
            builderImage: builderImage, builderGlibc: plan.container?.buildImage.glibc?.description, buildPython: buildPython,
            torchBuildRequirements: torchBuildRequirements, torch: torch, torchSource: torchSource, wheels: wheels, closure: plan.pythonClosure,
            debianPackages: debian.sorted(), environment: environment
        ), [])
    }

    struct UnknownPlaceholder: Error { var name: String }

    /// A plan environment template (`docs/plan-schema.md`) as the body of a double-quoted shell
    /// string: literal text escaped, placeholders replaced by image paths or, for `{cache}`, an
    /// expansion evaluated when the container starts.
    static func expand(_ template: String) -> Result<String, UnknownPlaceholder> {
        let values = [
            "cuda.home": Paths.cudaHome, "cuda.include": Paths.cudaHome + "/include", "cuda.lib": Paths.cudaHome + "/lib64",
            "prefix": Paths.prefix,
        ]
        var out = ""
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            out += DefinitionWriter.doubleQuotedBody(String(rest[..<open]))
            guard let close = rest[open...].firstIndex(of: "}") else { return .failure(UnknownPlaceholder(name: String(rest[open...]))) }
            let name = String(rest[rest.index(after: open)..<close])
            if name == "cache" {
                out += Paths.cacheExpansion
            } else if let value = values[name] {
                out += DefinitionWriter.doubleQuotedBody(value)
            } else {
                return .failure(UnknownPlaceholder(name: "{\(name)}"))
            }
            rest = rest[rest.index(after: close)...]
        }
        return .success(out + DefinitionWriter.doubleQuotedBody(String(rest)))
    }

    static func isFileName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
        }
    }
}
