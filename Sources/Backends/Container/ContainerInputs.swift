import BackendCore
import Planner

/// The facts of a plan the container backend renders, checked: every artifact pinned by hash,
/// the base image pinned by digest, the Python closure present. Built by ``ContainerInputs/check(_:)``,
/// which reports every problem at once, each located in the spec.
struct ContainerInputs {
    /// `name:tag@sha256:…`.
    let baseImage: String
    /// `name:tag` and `sha256:…` apart, for the OCI `base.name` / `base.digest` annotations.
    let baseName: String
    let baseDigest: String
    /// The builder base, `name:tag@sha256:…`: the image torch is built on (glibc at most the target's).
    let builderImage: String
    /// Its glibc as the spec states it (`2.35`); the build stage checks the image has exactly it.
    let builderGlibc: String?
    /// The pinned relocatable CPython of the build stage (the spec's `tarball.python`, the
    /// interpreter the tarball backend ships), so the wheel's ABI matches the runtime's.
    let buildPython: PlannedDownload
    /// The source-built `torch` component and its hash-pinned source tarball.
    let torch: PlannedComponent
    let torchSource: PlannedArtifact
    /// torch's build requirements at exact versions with their hashes (from the lock).
    let torchBuildRequirements: PlannedPythonClosure
    /// What the torch wheel is exported as (stage, Bake target, output directory).
    var torchWheel: SourceWheelExport { SourceWheelExport(component: torch.name) }
    /// Wheel components with their pinned artifacts, in spec order: identical for every variant.
    let wheels: [(component: PlannedComponent, artifact: PlannedArtifact)]
    /// The Python closure (may be empty when no component lists `python-deps`).
    let closure: PlannedPythonClosure?
    /// Debian packages of the `system` libraries some component links, sorted, without duplicates
    /// (`cuda` libraries come with the base image; `driver` ones from the host at run time).
    let debianPackages: [String]
    /// Names of every variable of the variants' build environments, in first-use order.
    let buildEnvNames: [ShellName]
    /// Runtime environment with the templates filled for the image layout.
    let environment: [(name: String, value: String)]

    /// Where things live inside the images (values of the plan's environment placeholders).
    enum Paths {
        static let cudaHome = "/usr/local/cuda"
        static let prefix = "/opt/sglang"
        static let cache = "/var/cache/sglang"
        static let torchSource = "/src/pytorch"
        static let ccache = "/root/.cache/ccache"
        static let wheels = "/wheels"
        static let requirements = "requirements"
        /// Where the build stages unpack the pinned CPython.
        static let buildPython = "/opt/python"
        /// Where the build stages keep their hashed requirements files.
        static let buildRequirements = "/opt/build-requirements"
        /// The bake layout's runtime manifests, `<dir>/<variant>.json`.
        static let manifests = "manifests"
    }

    /// Checks `plan` for everything the container backend needs.
    /// - Returns: the inputs, or ``EmitError`` with every problem, located through the plan's
    ///   `declaredAt` values.
    static func check(_ plan: BuildPlan) -> Result<ContainerInputs, EmitError> {
        var problems: [Diagnostic] = []

        var baseName = "", baseDigest = ""
        if let container = plan.container {
            baseName = container.baseImage
            if let digest = container.baseDigest {
                baseDigest = digest.prefixedHex
            } else {
                problems.append(plan.error(
                    "base image '\(container.baseImage)' is not pinned by digest; add 'base-digest: sha256:…' under 'container:' (e.g. from `docker buildx imagetools inspect \(container.baseImage)`); the container backend never writes an unpinned FROM",
                    at: container.declaredAt))
            }
        } else {
            problems.append(plan.error(
                "the spec has no 'container:' section; the container backend needs 'container.base-image' (a CUDA \(plan.runtime.cuda.version) devel image) and 'container.base-digest'",
                at: nil))
        }

        var builderImage = ""
        if let build = plan.container?.buildImage {
            if let digest = build.digest {
                builderImage = "\(build.image)@\(digest.prefixedHex)"
            } else if plan.container?.builder != nil {
                problems.append(plan.error(
                    "builder image '\(build.image)' is not pinned by digest; add 'builder-digest: sha256:…' under 'container:' (e.g. from `docker buildx imagetools inspect \(build.image)`); the container backend never writes an unpinned FROM",
                    at: build.declaredAt))
            }
        }
        let buildPython = plan.tarball?.python
        if buildPython == nil {
            problems.append(plan.error(
                "the torch build stage installs the relocatable CPython pinned in 'tarball.python' (the interpreter the tarball backend ships, so the wheel's ABI matches the runtime's), but the spec pins none; add 'tarball.python' with a python-build-standalone \(plan.runtime.python.version) install_only archive, its url and hash",
                at: plan.tarball?.declaredAt))
        } else if let buildPython, !plan.runtime.python.version.includes(buildPython.version) {
            problems.append(plan.error(
                "'tarball.python' is CPython \(buildPython.version), but runtime.python is \(plan.runtime.python.version); the torch wheel must be built with the runtime's Python",
                at: buildPython.declaredAt))
        }

        var torch: PlannedComponent?
        var torchSource: PlannedArtifact?
        var torchBuildRequirements: PlannedPythonClosure?
        let pinned = PinnedArtifacts.wheels(plan, backend: "container")
        problems += pinned.problems.map { $0.diagnostic(in: plan) }
        for component in plan.components where component.perVariant {
            guard component.name == "torch" else {
                problems.append(plan.error(
                    "source component '\(component.name)': the container backend builds only 'torch' from source; pin a wheel for it instead",
                    at: component.declaredAt))
                continue
            }
            torch = component
            torchBuildRequirements = checkBuildRequirements(component, plan: plan, problems: &problems)
            if let artifact = component.artifact {
                torchSource = artifact
                problems += PinnedArtifacts.check(artifact, of: component.name, backend: "container").map { $0.diagnostic(in: plan) }
            } else {
                problems.append(plan.error(
                    "source component 'torch' \(component.version) has no pinned source tarball; add 'url:' (the release tarball with submodules, e.g. https://github.com/pytorch/pytorch/releases/download/v\(component.version)/pytorch-v\(component.version).tar.gz) and its 'hash:'; the container backend never builds from an unverified download",
                    at: component.declaredAt))
            }
        }
        if torch == nil {
            problems.append(plan.error("the spec has no source component 'torch'; the container backend builds torch from source for each variant", at: nil))
        }

        let closurePackages = Set(plan.pythonClosure?.packages.map(\.normalizedName) ?? [])
        for component in plan.components where !component.pythonDeps.isEmpty {
            let names = component.pythonDeps.map(\.normalizedName)
            guard let closure = plan.pythonClosure else {
                problems.append(plan.error(
                    "component '\(component.name)' needs \(names.count) Python package\(names.count == 1 ? "" : "s") from the runtime package set (\(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", …" : "")), but the plan has no hashed Python closure; run `sglang-forge lock`, or pass `--python-closure FILE` (a requirements file with `--hash` for every package)",
                    at: component.declaredAt))
                continue
            }
            let missing = names.filter { !closurePackages.contains($0) }
            if !missing.isEmpty {
                problems.append(plan.error(
                    "the Python closure (\(SafeText.oneLine(closure.source))) lacks \(missing.count) package\(missing.count == 1 ? "" : "s") that component '\(component.name)' needs: \(missing.joined(separator: ", "))",
                    at: component.declaredAt))
            }
        }

        for variant in plan.variants where !isBakeName(variant.name) {
            problems.append(plan.error("variant name '\(variant.name)' is not a Bake target name (letters, digits, '-' and '_'); change the 'variants.name' template", at: nil))
        }

        for image in [baseName, builderImage] where !image.isEmpty && !DockerfileWriter.isPlainToken(image) {
            problems.append(plan.error("the image reference '\(SafeText.oneLine(image))' holds whitespace, a quote or a control character; FROM takes one plain token", at: plan.container?.declaredAt))
        }
        var envNames: [ShellName] = []
        for variant in plan.variants {
            for setting in variant.buildEnv where !envNames.contains(where: { $0.name == setting.name }) {
                if let name = ShellName(setting.name) {
                    envNames.append(name)
                } else {
                    problems.append(plan.error("build-env variable '\(SafeText.oneLine(setting.name))' is not a shell variable name ([A-Za-z_][A-Za-z0-9_]*)", at: nil))
                }
            }
        }
        var environment: [(name: String, value: String)] = []
        for variable in plan.environment {
            switch EnvironmentTemplate.parse(variable.value) {
            case .success(let template): environment.append((variable.name, template.render(Self.imagePath)))
            case .failure(let reasons): problems += reasons.map { plan.error("the value of environment variable \(SafeText.oneLine(variable.name)): \($0)", at: nil) }
            }
        }

        problems += RuntimeManifest.problems(plan)
        guard problems.isEmpty, let torch, let torchSource, let buildPython, let torchBuildRequirements else {
            // Spec order: unlocated problems first, then by line and column (stable for equal positions).
            let ordered = problems.enumerated().sorted { a, b in
                let (la, lb) = (a.element.location, b.element.location)
                let ka = [la?.line ?? 0, la?.column ?? 0, a.offset], kb = [lb?.line ?? 0, lb?.column ?? 0, b.offset]
                return ka.lexicographicallyPrecedes(kb)
            }.map(\.element)
            return .failure(EmitError(ordered))
        }

        var debian: Set<String> = []
        let linked = Set(plan.components.flatMap(\.links))
        for library in plan.systemLibraries where library.provider == .system && linked.contains(library.name) {
            if let package = library.debian { debian.insert(package) }
        }
        return .success(ContainerInputs(
            baseImage: "\(baseName)@\(baseDigest)", baseName: baseName, baseDigest: baseDigest,
            builderImage: builderImage, builderGlibc: plan.container?.buildImage.glibc?.description, buildPython: buildPython,
            torch: torch, torchSource: torchSource, torchBuildRequirements: torchBuildRequirements,
            wheels: pinned.wheels, closure: plan.pythonClosure,
            debianPackages: debian.sorted(), buildEnvNames: envNames, environment: environment
        ))
    }

    /// What a placeholder stands for in the images.
    static func imagePath(_ placeholder: EnvironmentPlaceholder) -> String {
        switch placeholder {
        case .cudaHome: Paths.cudaHome
        case .cudaInclude: Paths.cudaHome + "/include"
        case .cudaLib: Paths.cudaHome + "/lib64"
        case .cache: Paths.cache
        case .prefix: Paths.prefix
        }
    }
}

/// Bake target and group names: `[A-Za-z0-9_-]+`.
func isBakeName(_ name: String) -> Bool {
    !name.isEmpty && name.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
    }
}
