import BackendCore
import Planner
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
    /// The runtime environment: names and their values as double-quoted shell words.
    let environment: [(name: ShellName, value: ShellCommand.Argument)]
    /// Each variant's build environment (spec `build-env`), by variant name, with checked names.
    let buildEnv: [String: [(ShellName, String)]]
    /// Every variant's runtime manifest, in plan order.
    let manifests: [(variant: PlannedVariant, manifest: String)]

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
            if DefinitionWriter.hasBootstrap(value) { error("\(what) contains 'bootstrap:', which starts a new stage in a definition file", component: component, variant: variant) }
        }

        var baseName = "", baseDigest = ""
        if let container = plan.container {
            baseName = container.baseImage
            if let digest = container.baseDigest { baseDigest = digest.prefixedHex } else {
                error("base image '\(container.baseImage)' is not pinned by digest; add 'base-digest: sha256:…' under 'container:'; the Apptainer backend never bootstraps from an unpinned image")
            }
            singleLine(container.baseImage, "the base image")
        } else {
            error("the spec has no 'container:' section; the Apptainer backend bootstraps from 'container.base-image' (a CUDA \(plan.runtime.cuda.version) devel image) pinned by 'container.base-digest'")
        }

        var builderImage = ""
        if let build = plan.container?.buildImage {
            if let digest = build.digest { builderImage = "\(build.image)@\(digest.prefixedHex)" } else if plan.container?.builder != nil {
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
        let pinned = PinnedArtifacts.wheels(plan, backend: "Apptainer")
        for problem in pinned.problems { error(problem.message, component: problem.component) }
        for component in plan.components where component.perVariant {
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
                torchSource = artifact
                for problem in PinnedArtifacts.check(artifact, of: component.name, backend: "Apptainer") { error(problem.message, component: component.name) }
            } else {
                error("source component 'torch' \(component.version) has no pinned source tarball; add 'url:' (the release tarball with submodules) and its 'hash:'; the Apptainer backend never builds from an unverified download", component: component.name)
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

        var buildEnv: [String: [(ShellName, String)]] = [:]
        for variant in plan.variants {
            if !isFileName(variant.name) {
                error("the variant name is not usable as a file name (letters, digits, '.', '-' and '_'); change the 'variants.name' template", variant: variant.name)
            }
            singleLine(variant.description, "the description", variant: variant.name)
            for setting in variant.buildEnv {
                singleLine(setting.value, "build-env \(setting.name)", variant: variant.name)
                if let name = ShellName(setting.name) {
                    buildEnv[variant.name, default: []].append((name, setting.value))
                } else {
                    error("build-env '\(SafeText.oneLine(setting.name))' is not a shell variable name ([A-Za-z_][A-Za-z0-9_]*)", variant: variant.name)
                }
            }
        }
        for value in [plan.runtime.homepage, plan.runtime.license, plan.runtime.summary].compactMap({ $0 }) { singleLine(value, "runtime metadata '\(SafeText.oneLine(String(value.prefix(20))))…'") }
        for image in [baseName, builderImage] where !image.isEmpty && !PinnedArtifacts.isPlainURL(image) {
            error("the image reference '\(SafeText.oneLine(image))' holds whitespace or a control character; 'From:' takes one plain token")
        }

        var environment: [(ShellName, ShellCommand.Argument)] = []
        for variable in plan.environment {
            singleLine(variable.value, "the environment variable \(SafeText.oneLine(variable.name))")
            guard let name = ShellName(variable.name) else {
                error("the environment variable '\(SafeText.oneLine(variable.name))' is not a shell variable name ([A-Za-z_][A-Za-z0-9_]*)")
                continue
            }
            switch EnvironmentTemplate.parse(variable.value) {
            case .success(let template): environment.append((name, value(template)))
            case .failure(let reasons): for reason in reasons { error("the environment variable \(variable.name): \(reason), which this backend does not know") }
            }
        }

        var manifests: [(variant: PlannedVariant, manifest: String)] = []
        switch RuntimeManifest.checkedManifests(plan) {
        case .success(let rendered): manifests = rendered
        case .failure(let failure): for problem in failure.diagnostics { error(problem.message) }
        }

        let linked = Set(plan.components.flatMap(\.links))
        let debian = Set(plan.systemLibraries.filter { $0.provider == .system && linked.contains($0.name) }.compactMap(\.debian))
        for package in debian.sorted() where !SafeText.isSingleLine(package) || DefinitionWriter.hasBootstrap(package) {
            error("the Debian package name '\(SafeText.oneLine(package))' contains a line break, a control character or 'bootstrap:', which an Apptainer definition file cannot hold")
        }
        guard problems.isEmpty, let torch, let torchSource, let buildPython, let torchBuildRequirements else { return (nil, problems) }
        return (ApptainerInputs(
            baseImage: "\(baseName)@\(baseDigest)", baseName: baseName, baseDigest: baseDigest,
            builderImage: builderImage, builderGlibc: plan.container?.buildImage.glibc?.description, buildPython: buildPython,
            torchBuildRequirements: torchBuildRequirements, torch: torch, torchSource: torchSource, wheels: pinned.wheels, closure: plan.pythonClosure,
            debianPackages: debian.sorted(), environment: environment, buildEnv: buildEnv, manifests: manifests
        ), [])
    }

    /// An environment template as one double-quoted shell word: literal text escaped,
    /// placeholders replaced by image paths or, for `{cache}`, an expansion evaluated when the
    /// container starts (``Paths/cacheExpansion``).
    static func value(_ template: EnvironmentTemplate) -> ShellCommand.Argument {
        .doubleQuoted(template.map(literal: { ShellCommand.DoubleQuotedPart.text($0) }, placeholder: { placeholder in
            switch placeholder {
            case .cudaHome: .text(Paths.cudaHome)
            case .cudaInclude: .text(Paths.cudaHome + "/include")
            case .cudaLib: .text(Paths.cudaHome + "/lib64")
            case .cache: "${XDG_CACHE_HOME:-${HOME}/.cache}/sglang"
            case .prefix: .text(Paths.prefix)
            }
        }))
    }

    static func isFileName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
        }
    }
}
