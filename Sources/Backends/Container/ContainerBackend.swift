import BackendCore
import Planner

/// The container backend: OCI build files from a ``BuildPlan``.
///
/// Layouts:
/// - `bake` (default): one multi-stage `Containerfile` for every variant, parameterised by build
///   args; `docker-bake.hcl` with one target per variant (args, tags, OCI labels), a
///   `<variant>-torch-wheel` target per variant that exports only the torch wheel, and groups
///   (`default` = every variant, one per GPU target, `torch-wheels`); `requirements/*.txt`; a
///   `.dockerignore`.
/// - `per-variant`: `<variant>/Containerfile` with the variant's values written in, plus its own
///   `requirements/` and `.dockerignore`, for builders without Bake (`podman build`, `buildah`).
///
/// Stages of the Containerfile: `build-base` (the builder image — glibc at most `runtime.glibc` —,
/// compilers, the CPython of `tarball.python`, torch's hashed build requirements), `torch-source`,
/// `torch-build` (the wheel in `/wheels/`), `torch-wheel` (`FROM scratch`, the wheel at `/`; its
/// name, Bake target and output directory are ``SourceWheelExport``, the contract with the
/// tarball backend), `runtime` (the base image).
///
/// Sources of the formats: the Dockerfile reference (https://docs.docker.com/reference/dockerfile/),
/// the Bake file reference (https://docs.docker.com/build/bake/reference/), the OCI image-spec
/// pre-defined annotations (https://github.com/opencontainers/image-spec/blob/main/annotations.md),
/// pip's hash-checking mode (https://pip.pypa.io/en/stable/topics/secure-installs/).
///
/// Errors (every one reported, located in the spec): no `container:` section, or a base or builder
/// image without a digest; a wheel without a pinned artifact; the torch source without URL and
/// hash; torch without `build-requires`, or with build requirements the plan carries no hashes for
/// (``PlannedComponent/buildClosure``, from the lock), or a package there without a hash; no
/// `tarball.python`; a source component other than `torch`; `python-deps` without a hashed Python
/// closure in the plan.
public struct ContainerBackend: Backend {
    /// `bake` (the default) and `per-variant`.
    public static let layouts = ["bake", "per-variant"]

    /// The backend; it holds no state.
    public init() {}

    /// The plan checked for the container backend: ``ContainerInputs``, the layout and every
    /// variant's runtime manifest (shared with the other backends, copied into the image).
    public struct Inputs {
        let plan: BuildPlan
        let layout: String
        let checked: ContainerInputs
        let manifests: [(variant: PlannedVariant, manifest: String)]
    }

    /// Checks `plan`; see the type's documentation for the errors. Every problem is reported.
    public func check(_ plan: BuildPlan, layout: String) -> Result<Inputs, EmitError> {
        ContainerInputs.check(plan).flatMap { checked in
            RuntimeManifest.checkedManifests(plan).map { Inputs(plan: plan, layout: layout, checked: checked, manifests: $0) }
        }
    }

    /// Renders every file of checked inputs, sorted by path; see the type's documentation for the files.
    public func render(_ inputs: Inputs) -> [GeneratedFile] {
        let plan = inputs.plan
        let renderer = ContainerRenderer(plan: plan, inputs: inputs.checked)
        var files: [GeneratedFile]
        if inputs.layout == "per-variant" {
            files = inputs.manifests.flatMap { variant, manifest in
                renderer.supportFiles(prefix: "\(variant.name)/", manifest: "runtime.json") + [
                    GeneratedFile(path: "\(variant.name)/Containerfile", contents: renderer.containerfile(for: variant)),
                    GeneratedFile(path: "\(variant.name)/runtime.json", contents: manifest),
                ]
            }
        } else {
            files = renderer.supportFiles(prefix: "", manifest: ContainerInputs.Paths.manifests) + [
                GeneratedFile(path: "Containerfile", contents: renderer.containerfile(for: nil)),
                GeneratedFile(path: "docker-bake.hcl", contents: renderer.bakeFile()),
            ]
            files += inputs.manifests.map { GeneratedFile(path: "\(ContainerInputs.Paths.manifests)/\($0.variant.name).json", contents: $0.manifest) }
        }
        return files.sorted { $0.path < $1.path }
    }
}

/// Renders the files of one checked plan.
struct ContainerRenderer {
    let plan: BuildPlan
    let inputs: ContainerInputs
    typealias Paths = ContainerInputs.Paths

    /// Every stage that runs commands uses bash with pipefail (a failing `curl` must fail the pipe).
    static let shell = ["/bin/bash", "-o", "pipefail", "-c"]
    /// The runtime user's numeric id (numeric, so `USER` resolves without the image's passwd).
    static let uid = 10001

    var header: String { GeneratedFile.header(comment: "#", specPath: plan.spec) }
    var python: String { "python\(plan.runtime.python.version)" }
    var version: String { plan.runtime.version }

    /// The build args of one variant, in a fixed order: the names the Containerfile declares
    /// and `docker-bake.hcl` sets.
    func buildArgs(_ variant: PlannedVariant) -> [(String, String)] {
        var args: [(String, String)] = [
            ("VARIANT", variant.name),
            ("DESCRIPTION", variant.description),
            ("GPU", variant.gpu),
            ("TORCH_CUDA_ARCH_LIST", variant.torchCudaArchList),
            ("ISA", variant.isa),
            ("ISA_FLAGS", variant.isaFlags.joined(separator: " ")),
            ("MAX_JOBS", String(variant.maxJobs)),
        ]
        args += variant.buildEnv.map { ($0.name, $0.value) }
        return args
    }

    // MARK: requirements, .dockerignore

    var hasClosure: Bool { inputs.closure != nil }

    func supportFiles(prefix: String, manifest: String) -> [GeneratedFile] {
        var files = [
            GeneratedFile(path: prefix + ".dockerignore", contents: header + """
                # The build context holds only what the Containerfile copies.
                *
                !\(Paths.requirements)
                !\(manifest)

                """),
            GeneratedFile(path: prefix + "\(Paths.requirements)/wheels.txt", contents: wheelsFile()),
        ]
        if let closure = inputs.closure {
            files.append(GeneratedFile(path: prefix + "\(Paths.requirements)/python-closure.txt", contents: closureFile(closure)))
        }
        files.append(GeneratedFile(path: prefix + torchBuildRequirementsFile, contents: buildRequirementsFile()))
        return files
    }

    func wheelsFile() -> String {
        var text = header + """
            # The wheels identical in every variant, pinned by URL and hash, for
            # `pip install --require-hashes --no-deps` (torch is built per variant and installed apart).

            """
        for (component, artifact) in inputs.wheels {
            text += PipRequirement.direct(component, artifact) + "\n"
        }
        return text
    }

    /// The build-context path of torch's hashed build requirements.
    var torchBuildRequirementsFile: String { "\(Paths.requirements)/\(inputs.torch.name)-build.txt" }

    func buildRequirementsFile() -> String {
        let closure = inputs.torchBuildRequirements
        return closure.requirementsText(preamble: header + """
            # The build requirements of \(inputs.torch.name) \(inputs.torch.version) at exact versions with their hashes (from \(SafeText.oneLine(closure.source))),
            # for `pip install --require-hashes --no-deps --only-binary=:all:` in the build-base stage.

            """)
    }

    func closureFile(_ closure: PlannedPythonClosure) -> String {
        closure.requirementsText(preamble: header + """
            # The runtime Python package set at exact versions with their hashes (from \(SafeText.oneLine(closure.source))),
            # for `pip install --require-hashes --no-deps`.

            """)
    }

    // MARK: Containerfile

    /// The Containerfile: for every variant through build args (`variant == nil`), or for one
    /// variant with its values written in.
    func containerfile(for variant: PlannedVariant?) -> String {
        var w = DockerfileWriter()
        w.raw(header)
        w.comment("")
        if let variant {
            w.comment("\(variant.description).")
            w.comment("Build: podman build --target runtime --tag \(variant.name):\(version) .   (in this directory)")
        } else {
            w.comment("\(plan.runtime.name) \(version) for CUDA \(plan.runtime.cuda.version), every variant from this one file: docker-bake.hcl")
            w.comment("sets each variant's build args (TORCH_CUDA_ARCH_LIST, ISA_FLAGS, MAX_JOBS, …).")
        }
        w.comment("""
            Stages:
              build-base    the builder base (glibc \(inputs.builderGlibc ?? "?")), compilers, ccache, CPython \(inputs.buildPython.version) and torch's hashed build requirements
              torch-source  the PyTorch \(inputs.torch.version) source release, checked against its hash
              torch-build   the torch wheel for the variant's compute capabilities and CPU ISA, in \(Paths.wheels)/
              \(inputs.torchWheel.stage)   FROM scratch, only the torch wheel (exported by the \(inputs.torchWheel.bakeTarget(variant: "<variant>")) bake targets)
              runtime       Python \(plan.runtime.python.version), the pinned wheels, the torch wheel, the runtime environment
            Needs BuildKit (docker buildx) or Buildah/Podman: RUN --mount for the compiler cache and the wheel.
            DL3008 (apt versions) is ignored: the base image is pinned by digest, and the Ubuntu archive drops
            superseded package versions, so exact apt pins would break rebuilds (docs/backends/container.md).
            """)
        w.comment("hadolint global ignore=DL3008")
        w.blank()
        buildBase(&w)
        w.blank()
        torchSource(&w)
        w.blank()
        torchBuild(&w, variant)
        w.blank()
        w.comment("Only the wheel: `docker buildx bake \(inputs.torchWheel.bakeTarget(variant: "<variant>"))` exports it to \(inputs.torchWheel.outputDirectory(variant: "<variant>")).")
        w.from("scratch", as: inputs.torchWheel.stage)
        w.copy(["\(Paths.wheels)/"], to: "/", from: "torch-build")
        w.blank()
        runtime(&w, variant)
        return w.text
    }

    private func buildBase(_ w: inout DockerfileWriter) {
        let python = inputs.buildPython
        let (algorithm, hex) = (python.digest.algorithm.rawValue, python.digest.hex)
        let archive = "/tmp/" + python.filename
        let interpreter = "\(Paths.buildPython)/bin/\(self.python)"
        let requirements = "\(Paths.buildRequirements)/\(inputs.torch.name)-build.txt"
        w.comment("""
            The builder base: its glibc must not be newer than the oldest target host's (\(plan.runtime.glibc.target)), or the torch wheel would
            need newer GLIBC_ symbols. Compilers and ccache from its archive; Python, CMake, Ninja and every other build
            requirement pinned by hash (nothing from the distribution's Python packages).
            """)
        w.from(inputs.builderImage, as: "build-base")
        w.shell(Self.shell)
        var setup: [ShellCommand] = []
        if let glibc = inputs.builderGlibc {
            // The spec states the builder's glibc; refuse an image that has another one.
            setup.append(ShellCommand("glibc=$(getconf GNU_LIBC_VERSION | cut -d ' ' -f 2)"))
            setup.append(ShellCommand("if", "[", "\"$glibc\"", "!=", .word(glibc), "];", "then", "echo",
                                      .quoted("the builder image has glibc $glibc, the spec states ", .text(glibc), " (container.builder-glibc)"),
                                      ">&2;", "exit", "1;", "fi"))
        }
        let packages = ["ca-certificates", "ccache", "curl", "g++", "gcc", "git", "make"].sorted()
        setup += [
            ShellCommand("apt-get", "update"),
            ShellCommand("apt-get", "install", "--yes", "--no-install-recommends", .words(packages)),
            ShellCommand("rm", "-rf", "/var/lib/apt/lists/*"),
        ]
        w.run(setup)
        w.comment("CPython \(python.version) (\(python.filename)), the interpreter the tarball backend ships: one CPython ABI (\(plan.runtime.python.tag)) for the wheel and every runtime.")
        w.run(Self.fetchAndUnpack(url: python.url, algorithm: algorithm, hex: hex, archive: archive, into: Paths.buildPython) + [
            ShellCommand(.word(interpreter), "-c", .word("import sys; assert sys.version.split()[0] == '\(python.version)', sys.version")),
        ])
        w.env([("PATH", .expanding("\(Paths.buildPython)/bin:${PATH}"))])
        w.copy([torchBuildRequirementsFile], to: "\(Paths.buildRequirements)/")
        w.comment("torch's build requirements (its pyproject.toml [build-system] requires), resolved by the lock: hashes required, wheels only.")
        w.run([ShellCommand(.word(interpreter), "-m", "pip", "install", "--no-cache-dir", "--require-hashes", "--no-deps", "--only-binary=:all:", "-r", .word(requirements))])
    }

    /// Downloads `url` to `archive`, checks its digest, unpacks it into `directory` (one level
    /// stripped) and removes it.
    static func fetchAndUnpack(url: String, algorithm: String, hex: String, archive: String, into directory: String) -> [ShellCommand] {
        [
            ShellCommand("curl", "--fail", "--silent", "--show-error", "--location", "--output", .word(archive), .word(url)),
            ShellCommand("echo", .word("\(hex)  \(archive)"), "|", .joined([.word(algorithm), "sum"]), "--check", "--strict"),
            ShellCommand("mkdir", "-p", .word(directory)),
            ShellCommand("tar", "--extract", "--gzip", "--file", .word(archive), "--directory", .word(directory), "--strip-components=1"),
            ShellCommand("rm", .word(archive)),
        ]
    }

    private func torchSource(_ w: inout DockerfileWriter) {
        let source = inputs.torchSource
        let (algorithm, hex) = (source.digest.algorithm.rawValue, source.digest.hex)
        let tarball = "/tmp/" + source.filename
        w.comment("PyTorch \(inputs.torch.version) source (with submodules), verified before it is unpacked; shared by every variant.")
        w.from("build-base", as: "torch-source")
        w.shell(Self.shell)
        w.run(Self.fetchAndUnpack(url: source.url, algorithm: algorithm, hex: hex, archive: tarball, into: Paths.torchSource))
    }

    private func torchBuild(_ w: inout DockerfileWriter, _ variant: PlannedVariant?) {
        w.comment("""
            The torch wheel for one variant. TORCH_CUDA_ARCH_LIST is always set from the variant (never taken from
            the build host's GPUs); the ISA flags go to CFLAGS and CXXFLAGS; ccache lives in a BuildKit cache mount.
            """)
        w.from("torch-source", as: "torch-build")
        w.shell(Self.shell)
        var env: [(String, DockerfileValue)]
        if let variant {
            env = [
                ("TORCH_CUDA_ARCH_LIST", .literal(variant.torchCudaArchList)),
                ("CFLAGS", .literal(variant.isaFlags.joined(separator: " "))),
                ("CXXFLAGS", .literal(variant.isaFlags.joined(separator: " "))),
                ("MAX_JOBS", .literal(String(variant.maxJobs))),
                ("CMAKE_BUILD_PARALLEL_LEVEL", .literal(String(variant.maxJobs))),
            ]
            env += variant.buildEnv.map { ($0.name, .literal($0.value)) }
        } else {
            for name in ["TORCH_CUDA_ARCH_LIST", "ISA_FLAGS", "MAX_JOBS"] + inputs.buildEnvNames.map(\.name) { w.arg(name) }
            env = [
                ("TORCH_CUDA_ARCH_LIST", .expanding("${TORCH_CUDA_ARCH_LIST}")),
                ("CFLAGS", .expanding("${ISA_FLAGS}")),
                ("CXXFLAGS", .expanding("${ISA_FLAGS}")),
                ("MAX_JOBS", .expanding("${MAX_JOBS}")),
                ("CMAKE_BUILD_PARALLEL_LEVEL", .expanding("${MAX_JOBS}")),
            ]
        }
        env += [
            // CMake 4 (the build requirement `cmake>=3.27` admits it) refuses projects declaring
            // compatibility below 3.5, as some vendored third_party projects do; this is CMake 4.0's
            // documented override, ignored by older CMake.
            ("CMAKE_POLICY_VERSION_MINIMUM", .literal("3.5")),
            // python-build-standalone's sysconfig records the toolchain it was built with
            // (CC 'clang -pthread', CXX 'clang++ -pthread', an AR under its build's /tools/llvm);
            // setuptools compiles torch._C with those unless overridden, and derives LDSHARED
            // from CC but not LDCXXSHARED from CXX.
            ("CC", .literal("gcc")),
            ("CXX", .literal("g++")),
            ("LDCXXSHARED", .literal("g++ -shared")),
            ("AR", .literal("ar")),
            ("PYTORCH_BUILD_VERSION", .literal(inputs.torch.version)),
            ("PYTORCH_BUILD_NUMBER", .literal("1")),
            ("CCACHE_DIR", .literal(Paths.ccache)),
            ("CMAKE_C_COMPILER_LAUNCHER", .literal("ccache")),
            ("CMAKE_CXX_COMPILER_LAUNCHER", .literal("ccache")),
            ("CMAKE_CUDA_COMPILER_LAUNCHER", .literal("ccache")),
        ]
        w.env(env)
        w.workdir(Paths.torchSource)
        // Fail early, with a message, when a build arg was not passed (a plain `docker build`).
        var commands: [ShellCommand] = variant == nil ? [
            ShellCommand(":", "\"${TORCH_CUDA_ARCH_LIST:?must be set by docker-bake.hcl (--build-arg TORCH_CUDA_ARCH_LIST)}\""),
            ShellCommand(":", "\"${CXXFLAGS:?must be set by docker-bake.hcl (--build-arg ISA_FLAGS)}\""),
            ShellCommand(":", "\"${MAX_JOBS:?must be set by docker-bake.hcl (--build-arg MAX_JOBS)}\""),
        ] : [
            ShellCommand(":", "\"${TORCH_CUDA_ARCH_LIST:?must be set above}\""),
            ShellCommand(":", "\"${CXXFLAGS:?must be set above}\""),
            ShellCommand(":", "\"${MAX_JOBS:?must be set above}\""),
        ]
        if variant == nil {
            // An ARG the bake target does not set must not reach setup.py as an empty string
            // (torch reads USE_CUDNN="" as off): unset it instead.
            commands += inputs.buildEnvNames.map { ShellCommand("if", "[", "-z", .doubleQuoted([.valueOrEmpty($0)]), "];", "then", "unset", .joined([.name($0), ";"]), "fi") }
        }
        commands.append(ShellCommand(.word("\(Paths.buildPython)/bin/\(python)"), "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index", "--wheel-dir", .word(Paths.wheels), "."))
        w.run(commands, flags: ["--mount=type=cache,id=sglang-forge-ccache,target=\(Paths.ccache)"])
    }

    private func runtime(_ w: inout DockerfileWriter, _ variant: PlannedVariant?) {
        w.comment("The runtime. Everything up to the shared wheel layer is the same in every variant, so all images share those layers.")
        w.from(inputs.baseImage, as: "runtime")
        w.shell(Self.shell)
        w.run([
            ShellCommand("apt-get", "update"),
            ShellCommand("apt-get", "install", "--yes", "--no-install-recommends", .words((inputs.debianPackages + [python, "\(python)-venv"]).sorted())),
            ShellCommand("rm", "-rf", "/var/lib/apt/lists/*"),
        ])
        let jitDirectories = inputs.environment.filter { $0.name == "FLASHINFER_JIT_DIR" }.map(\.value)
        w.run([
            ShellCommand("useradd", "--create-home", "--uid", .word(String(Self.uid)), "--user-group", "--shell", "/bin/bash", .word(plan.runtime.name)),
            ShellCommand("mkdir", "-p", .words([Paths.cache] + jitDirectories)),
            ShellCommand("chown", "-R", .word("\(plan.runtime.name):\(plan.runtime.name)"), .word(Paths.cache)),
            ShellCommand(.word(python), "-m", "venv", .word(Paths.prefix)),
        ])
        var requirementFiles = ["\(Paths.requirements)/wheels.txt"]
        if hasClosure { requirementFiles.append("\(Paths.requirements)/python-closure.txt") }
        w.copy(requirementFiles, to: "\(Paths.prefix)/\(Paths.requirements)/")
        w.comment("One layer with every wheel that is identical across variants (hash-checked, no dependency resolution).")
        w.run([ShellCommand([.word("\(Paths.prefix)/bin/pip"), "install", "--no-cache-dir", "--require-hashes", "--no-deps"]
            + requirementFiles.flatMap { ["-r", ShellCommand.Argument.word("\(Paths.prefix)/\($0)")] })])
        if variant == nil {
            for name in ["VARIANT", "DESCRIPTION", "GPU", "TORCH_CUDA_ARCH_LIST", "ISA", "ISA_FLAGS"] { w.arg(name) }
        }
        w.comment("The variant's own torch wheel, built above; mounted, so it never lands in a layer.")
        let wheel = inputs.torchWheel
        w.run([ShellCommand(.word("\(Paths.prefix)/bin/pip"), "install", "--no-cache-dir", "--no-deps", "--no-index", .glob("/tmp/\(wheel.stage)/\(wheel.wheelGlob(version: inputs.torch.version))"))],
              flags: ["--mount=type=bind,from=\(wheel.stage),target=/tmp/\(wheel.stage)"])
        w.comment("The runtime manifest, the same bytes the Nix and tarball backends install.")
        w.copy([variant == nil ? "\(Paths.manifests)/${VARIANT}.json" : "runtime.json"], to: "\(Paths.prefix)/\(RuntimeManifest.installPath)")
        var env: [(String, DockerfileValue)] = [
            ("VIRTUAL_ENV", .literal(Paths.prefix)),
            ("PATH", .expanding("\(Paths.prefix)/bin:${PATH}")),
        ]
        env += inputs.environment.map { ($0.name, .literal($0.value)) }
        w.env(env)
        w.label(labels(variant))
        w.user("\(Self.uid):\(Self.uid)")
        w.workdir("/home/\(plan.runtime.name)")
        w.entrypoint([plan.runtime.entryPoint])
    }

    /// OCI annotations (as image labels) and the variant's build facts. With `variant == nil` the
    /// per-variant values refer to the build args.
    func labels(_ variant: PlannedVariant?) -> [(String, DockerfileValue)] {
        func value(_ arg: String, _ literal: (PlannedVariant) -> String) -> DockerfileValue {
            variant.map { .literal(literal($0)) } ?? .expanding("${\(arg)}")
        }
        return labelPairs(
            title: value("VARIANT", \.name), description: value("DESCRIPTION", \.description),
            gpu: value("GPU", \.gpu), capabilities: value("TORCH_CUDA_ARCH_LIST", \.torchCudaArchList),
            isa: value("ISA", \.isa), isaFlags: value("ISA_FLAGS") { $0.isaFlags.joined(separator: " ") },
            wrap: { .literal($0) })
    }

    /// The label set, shared by the Containerfile and the Bake file.
    func labelPairs<V>(title: V, description: V, gpu: V, capabilities: V, isa: V, isaFlags: V, wrap: (String) -> V) -> [(String, V)] {
        var pairs: [(String, V)] = [
            ("org.opencontainers.image.title", title),
            ("org.opencontainers.image.description", description),
            ("org.opencontainers.image.version", wrap(version)),
        ]
        if let license = plan.runtime.license { pairs.append(("org.opencontainers.image.licenses", wrap(license))) }
        if let homepage = plan.runtime.homepage {
            pairs.append(("org.opencontainers.image.url", wrap(homepage)))
            pairs.append(("org.opencontainers.image.source", wrap(homepage)))
        }
        pairs += [
            ("org.opencontainers.image.base.name", wrap(inputs.baseName)),
            ("org.opencontainers.image.base.digest", wrap(inputs.baseDigest)),
            ("dev.sglang-forge.gpu", gpu),
            ("dev.sglang-forge.capabilities", capabilities),
            ("dev.sglang-forge.isa", isa),
            ("dev.sglang-forge.isa-flags", isaFlags),
            ("dev.sglang-forge.cuda", wrap(plan.runtime.cuda.version.description)),
            ("dev.sglang-forge.min-driver", wrap(plan.runtime.cuda.minDriver.description)),
        ]
        return pairs
    }

    // MARK: docker-bake.hcl

    func bakeFile() -> String {
        var w = HCLWriter()
        w.raw(header)
        w.comment("""

            \(plan.variants.count) variants of \(plan.runtime.name) \(version), all from ./Containerfile (https://docs.docker.com/build/bake/reference/).
              docker buildx bake                          every variant (group "default")
              docker buildx bake <gpu>                    one GPU target, every ISA (groups \(gpuGroups.map(\.0).joined(separator: ", ")))
              docker buildx bake <variant>                one image
              docker buildx bake \(inputs.torchWheel.bakeTarget(variant: "<variant>"))    only the variant's torch wheel, into \(inputs.torchWheel.outputDirectory(variant: "<variant>"))
              REGISTRY=ghcr.io/acme/ docker buildx bake --push   tags prefixed with a registry
            """)
        w.blank()
        w.block("variable", "REGISTRY") { $0.attribute("default", .string("")) }
        w.blank()
        w.block("group", "default") { $0.attribute("targets", .list(plan.variants.map { .string($0.name) })) }
        for (gpu, variants) in gpuGroups {
            w.blank()
            w.block("group", gpu) { $0.attribute("targets", .list(variants.map { .string($0.name) })) }
        }
        w.blank()
        w.block("group", inputs.torchWheel.bakeGroup) { $0.attribute("targets", .list(plan.variants.map { .string(inputs.torchWheel.bakeTarget(variant: $0.name)) })) }
        w.blank()
        w.block("target", "_common") {
            $0.attribute("context", .string("."))
            $0.attribute("dockerfile", .string("Containerfile"))
            $0.attribute("platforms", .list([.string(ociPlatform)]))
        }
        for variant in plan.variants {
            let args = HCLValue.object(buildArgs(variant).map { (key: $0.0, value: .string($0.1)) })
            w.blank()
            w.comment(variant.description)
            w.block("target", variant.name) {
                $0.attribute("inherits", .list([.string("_common")]))
                $0.attribute("target", .string("runtime"))
                $0.attribute("args", args)
                let labels = labelPairs(
                    title: variant.name, description: variant.description, gpu: variant.gpu,
                    capabilities: variant.torchCudaArchList, isa: variant.isa,
                    isaFlags: variant.isaFlags.joined(separator: " "), wrap: { $0 })
                $0.attribute("labels", .object(labels.map { (key: $0.0, value: .string($0.1)) }))
                $0.attribute("tags", .list([.template("${REGISTRY}", literal: "\(variant.name):\(version)")]))
            }
            w.blank()
            w.block("target", inputs.torchWheel.bakeTarget(variant: variant.name)) {
                $0.attribute("inherits", .list([.string("_common")]))
                $0.attribute("target", .string(inputs.torchWheel.stage))
                $0.attribute("args", args)
                $0.attribute("output", .list([.string("type=local,dest=\(inputs.torchWheel.outputDirectory(variant: variant.name))")]))
            }
        }
        return w.text
    }

    /// GPU target → its variants, in matrix order; only names valid as Bake groups.
    var gpuGroups: [(String, [PlannedVariant])] {
        var order: [String] = []
        var groups: [String: [PlannedVariant]] = [:]
        for variant in plan.variants {
            if groups[variant.gpu] == nil { order.append(variant.gpu) }
            groups[variant.gpu, default: []].append(variant)
        }
        let variantNames = Set(plan.variants.map(\.name))
        return order.filter { isBakeName($0) && !["default", inputs.torchWheel.bakeGroup].contains($0) && !variantNames.contains($0) }
            .map { ($0, groups[$0] ?? []) }
    }

    /// The OCI platform of the plan's Nix system double.
    var ociPlatform: String {
        switch plan.runtime.platform {
        case .x86_64Linux: "linux/amd64"
        }
    }
}
