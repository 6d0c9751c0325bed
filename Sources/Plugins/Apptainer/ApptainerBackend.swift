import BackendCore
import Planner
import PluginKit

/// The Apptainer (Singularity) backend, a plugin built on the kit: for every variant one
/// multi-stage definition file `<variant>.def`, plus the shared `requirements/` files it copies.
///
/// Stages of each definition:
/// - `torch-build`: from the digest-pinned CUDA base image, the build tools, the PyTorch source
///   release checked against its pinned hash, and the torch wheel built for the variant's
///   compute capabilities (`TORCH_CUDA_ARCH_LIST`), ISA flags (`CFLAGS`/`CXXFLAGS`) and build
///   environment, in `/wheels`;
/// - `runtime`: from the same pinned base, Python's venv with exactly the wheels of the container
///   backend (`requirements/wheels.txt` and the hashed closure, `pip --require-hashes --no-deps`)
///   and the variant's torch wheel; the runtime environment in `%environment`, `sglang` as
///   `%runscript`, OCI and build-fact labels in `%labels`.
///
/// Build and run, in the output directory: `apptainer build X.sif X.def`, `apptainer run --nv X.sif …`.
/// Format source: the Apptainer user guide, "Definition Files" and "Multi-Stage Builds"
/// (https://apptainer.org/docs/user/latest/definition_files.html). Errors are reported as
/// diagnostics naming the component or variant, like the container backend's.
public enum ApptainerBackend {
    /// What `--describe` answers.
    public static let description = PluginDescription(
        name: "apptainer",
        description: "Apptainer/Singularity definition files: per variant a torch build stage and a runtime stage from the pinned CUDA base (for HPC clusters without Docker)",
        layouts: ["definitions"]
    )

    /// A plan environment template (`docs/plan-schema.md`) as the body of a double-quoted shell
    /// string for `%environment`: literal text escaped, `{cache}` as
    /// `${XDG_CACHE_HOME:-${HOME}/.cache}/sglang` (the image is read-only at run time), other
    /// placeholders as image paths. Returns `nil` for an unknown placeholder.
    public static func environmentValue(template: String) -> String? {
        guard case .success(let parsed) = EnvironmentTemplate.parse(template) else { return nil }
        return String(ApptainerInputs.value(parsed).text.dropFirst().dropLast())
    }

    /// Renders the response to `request`: files sorted by path, or error diagnostics and no files.
    public static func respond(to request: PluginRequest) -> PluginResponse {
        var problems: [PluginDiagnostic] = []
        for (key, value) in request.options.sorted(by: { $0.key < $1.key }) {
            if key == "layout" {
                if !(description.layouts ?? []).contains(value) { problems.append(PluginDiagnostic(.error, "the apptainer backend has no layout '\(value)'; layouts: definitions")) }
            } else {
                problems.append(PluginDiagnostic(.error, "the apptainer backend has no option '\(key)'"))
            }
        }
        let (checked, diagnostics) = ApptainerInputs.check(request.plan)
        problems += diagnostics
        guard problems.isEmpty, let inputs = checked else { return PluginResponse(diagnostics: problems) }
        let renderer = DefinitionRenderer(plan: request.plan, inputs: inputs)
        var files = renderer.requirementFiles()
        for (variant, manifest) in inputs.manifests {
            files.append(PluginFile(path: "\(variant.name).def", contents: renderer.definition(for: variant)))
            files.append(PluginFile(path: DefinitionRenderer.manifestPath(variant), contents: manifest))
        }
        return PluginResponse(files: files.sorted { $0.path < $1.path })
    }
}

/// Renders the files of one checked plan.
struct DefinitionRenderer {
    let plan: BuildPlan
    let inputs: ApptainerInputs
    typealias Paths = ApptainerInputs.Paths

    var header: String { GeneratedFile.header(comment: "#", specPath: plan.spec) }
    var python: String { "python\(plan.runtime.python.version)" }
    var version: String { plan.runtime.version }

    // MARK: requirements

    /// `requirements/wheels.txt` and `requirements/python-closure.txt`: the same requirement
    /// lines as the container backend's, so both install the same wheel set.
    func requirementFiles() -> [PluginFile] {
        var wheels = header + """
            # The wheels identical in every variant, pinned by URL and hash, for
            # `pip install --require-hashes --no-deps` (torch is built per variant and installed apart).

            """
        for (component, artifact) in inputs.wheels {
            wheels += PipRequirement.direct(component, artifact) + "\n"
        }
        var files = [PluginFile(path: "\(Paths.requirements)/wheels.txt", contents: wheels)]
        if let closure = inputs.closure {
            files.append(PluginFile(path: "\(Paths.requirements)/python-closure.txt", contents: closure.requirementsText(preamble: header + """
                # The runtime Python package set at exact versions with their hashes (from \(SafeText.oneLine(closure.source))),
                # for `pip install --require-hashes --no-deps`.

                """)))
        }
        let build = inputs.torchBuildRequirements
        files.append(PluginFile(path: torchBuildRequirementsFile, contents: build.requirementsText(preamble: header + """
            # The build requirements of \(inputs.torch.name) \(inputs.torch.version) at exact versions with their hashes (from \(SafeText.oneLine(build.source))),
            # for `pip install --require-hashes --no-deps --only-binary=:all:` in the torch-build stage.

            """)))
        return files
    }

    /// torch's hashed build requirements, as the container backend names them.
    var torchBuildRequirementsFile: String { "\(Paths.requirements)/\(inputs.torch.name)-build.txt" }

    /// Where a variant's runtime manifest (the shared `runtime.json`) is written.
    static func manifestPath(_ variant: PlannedVariant) -> String { "manifests/\(variant.name).json" }

    var requirementPaths: [String] {
        ["\(Paths.requirements)/wheels.txt"] + (inputs.closure == nil ? [] : ["\(Paths.requirements)/python-closure.txt"])
    }

    // MARK: definition

    /// The definition file of one variant.
    func definition(for variant: PlannedVariant) -> String {
        var w = DefinitionWriter()
        w.raw(header)
        w.comment("""

            \(variant.description).
            Build, in this directory:  apptainer build \(variant.name).sif \(variant.name).def
            Run:                       apptainer run --nv \(variant.name).sif serve --model-path …
            Stages:
              torch-build  on \(inputs.builderImage.split(separator: "@").first ?? ""): CPython \(inputs.buildPython.version) and torch's build requirements
                           pinned by hash, PyTorch \(inputs.torch.version) from its source release (checked against its hash), built
                           into a wheel for compute capability \(variant.capabilities.joined(separator: ", ")) and \(variant.isa) (\(variant.isaFlags.joined(separator: " ")))
              runtime      Python \(plan.runtime.python.version), the pinned wheels, the torch wheel, the runtime environment and
                           \(RuntimeManifest.installPath) (the same bytes as every other backend's)
            """)
        w.blank()

        // Stage 1: the variant's torch wheel, built as the container backend builds it.
        let source = inputs.torchSource
        let algorithm = source.digest.algorithm.rawValue
        let tarball = "/tmp/" + source.filename
        let cpython = inputs.buildPython
        let archive = "/tmp/" + cpython.filename
        let interpreter = "\(Paths.buildPython)/bin/\(self.python)"
        let buildRequirements = "\(Paths.buildRequirements)/\(inputs.torch.name)-build.txt"
        let name = { (constant: String) in ShellName(derivedFrom: constant, suffix: "") }
        var buildEnv: [(ShellName, String)] = [
            (name("TORCH_CUDA_ARCH_LIST"), variant.torchCudaArchList),
            (name("CFLAGS"), variant.isaFlags.joined(separator: " ")),
            (name("CXXFLAGS"), variant.isaFlags.joined(separator: " ")),
            (name("MAX_JOBS"), String(variant.maxJobs)),
            (name("CMAKE_BUILD_PARALLEL_LEVEL"), String(variant.maxJobs)),
        ]
        buildEnv += inputs.buildEnv[variant.name] ?? []
        // The container backend's toolchain overrides (CMake 4 policy floor; python-build-standalone's
        // recorded clang toolchain replaced by the image's gcc), see its torch-build stage.
        buildEnv += [
            ("CMAKE_POLICY_VERSION_MINIMUM", "3.5"), ("CC", "gcc"), ("CXX", "g++"), ("LDCXXSHARED", "g++ -shared"), ("AR", "ar"),
            ("PYTORCH_BUILD_VERSION", inputs.torch.version), ("PYTORCH_BUILD_NUMBER", "1"),
        ].map { (name($0.0), $0.1) }
        var post: [ShellCommand] = []
        if let glibc = inputs.builderGlibc {
            // The spec states the builder's glibc; refuse an image that has another one.
            post.append(ShellCommand("{", "[", "\"$(getconf GNU_LIBC_VERSION)\"", "=", .word("glibc " + glibc), "]", "||", "{", "echo",
                                     .word("the builder image's glibc is not \(glibc), as the spec states (container.builder-glibc)"), ">&2;", "exit", "1;", "};", "}"))
        }
        func fetch(_ url: String, _ hex: String, _ algorithm: String, _ file: String, into directory: String) -> [ShellCommand] {
            [
                ShellCommand("curl", "--fail", "--silent", "--show-error", "--location", "--output", .word(file), .word(url)),
                ShellCommand("printf", "'%s  %s\\n'", .word(hex), .word(file), ">", .word(file + "." + algorithm)),
                ShellCommand(.joined([.word(algorithm), "sum"]), "--check", "--strict", .word(file + "." + algorithm)),
                ShellCommand("mkdir", "-p", .word(directory)),
                ShellCommand("tar", "--extract", "--gzip", "--file", .word(file), "--directory", .word(directory), "--strip-components=1"),
                ShellCommand("rm", .word(file), .word(file + "." + algorithm)),
            ]
        }
        post += [
            ShellCommand("apt-get", "update"),
            ShellCommand("apt-get", "install", "--yes", "--no-install-recommends", .words(["ca-certificates", "ccache", "curl", "g++", "gcc", "git", "make"].sorted())),
            ShellCommand("rm", "-rf", "/var/lib/apt/lists/*"),
        ]
        post += fetch(cpython.url, cpython.digest.hex, cpython.digest.algorithm.rawValue, archive, into: Paths.buildPython)
        post += [
            ShellCommand(.word(interpreter), "-c", .word("import sys; assert sys.version.split()[0] == '\(cpython.version)', sys.version")),
            ShellCommand(.word(interpreter), "-m", "pip", "install", "--no-cache-dir", "--require-hashes", "--no-deps", "--only-binary=:all:", "-r", .word(buildRequirements)),
        ]
        post += fetch(source.url, source.digest.hex, algorithm, tarball, into: Paths.torchSource)
        post += [
            ShellCommand(["export", .joined(["PATH=", .doubleQuoted([.text(Paths.buildPython), "/bin:${PATH}"])])] + buildEnv.map { ShellCommand.Argument.joined([.name($0.0), "=", .word($0.1)]) }),
            ShellCommand(.word(interpreter), "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index", "--wheel-dir", .word(Paths.wheels), .word(Paths.torchSource)),
            ShellCommand("rm", "-rf", .word(Paths.torchSource)),
        ]
        w.header("Bootstrap", "docker")
        w.header("From", inputs.builderImage)
        w.header("Stage", "torch-build")
        w.blank()
        w.files([(torchBuildRequirementsFile, buildRequirements)])
        w.section("post", DefinitionWriter.chain(post))

        // Stage 2: the runtime.
        w.header("Bootstrap", "docker")
        w.header("From", inputs.baseImage)
        w.header("Stage", "runtime")
        w.blank()
        w.files(from: "torch-build", [(Paths.wheels, Paths.torchWheelMount)])
        w.files(requirementPaths.map { ($0, "\(Paths.prefix)/\($0)") } + [(Self.manifestPath(variant), "\(Paths.prefix)/\(RuntimeManifest.installPath)")])
        w.section("post", DefinitionWriter.chain([
            ShellCommand("apt-get", "update"),
            ShellCommand("apt-get", "install", "--yes", "--no-install-recommends", .words((inputs.debianPackages + [python, "\(python)-venv"]).sorted())),
            ShellCommand("rm", "-rf", "/var/lib/apt/lists/*"),
            ShellCommand(.word(python), "-m", "venv", .word(Paths.prefix)),
            ShellCommand([.word("\(Paths.prefix)/bin/pip"), "install", "--no-cache-dir", "--require-hashes", "--no-deps"]
                + requirementPaths.flatMap { ["-r", ShellCommand.Argument.word("\(Paths.prefix)/\($0)")] }),
            ShellCommand(.word("\(Paths.prefix)/bin/pip"), "install", "--no-cache-dir", "--no-deps", "--no-index", .glob("\(Paths.torchWheelMount)/torch-\(inputs.torch.version)-*.whl")),
            ShellCommand("rm", "-rf", .word(Paths.torchWheelMount)),
        ]))
        var environment = [
            ShellCommand("export", .joined(["VIRTUAL_ENV=", .doubleQuoted([.text(Paths.prefix)])])),
            ShellCommand("export", .joined(["PATH=", .doubleQuoted([.text(Paths.prefix), "/bin:${PATH}"])])),
        ]
        environment += inputs.environment.map { ShellCommand("export", .joined([.name($0.name), "=", $0.value])) }
        w.section("environment", commands: environment)
        w.section("runscript", commands: [ShellCommand("exec", .word("\(Paths.prefix)/bin/\(plan.runtime.entryPoint)"), "\"$@\"")])
        w.labels(labels(variant).map { (key: $0.0, value: $0.1) })
        w.section("help", [
            variant.description + ".",
            "Runs `\(plan.runtime.entryPoint)`: apptainer run --nv \(variant.name).sif serve --model-path …",
            "Writable caches (FlashInfer JIT) go under ${XDG_CACHE_HOME:-$HOME/.cache}/sglang.",
        ])
        return String(w.text.dropLast()) // no blank line at the end of the file
    }

    /// OCI annotations and the variant's build facts, the same keys and values as the container
    /// backend's image labels.
    func labels(_ variant: PlannedVariant) -> [(String, String)] {
        var pairs: [(String, String)] = [
            ("org.opencontainers.image.title", variant.name),
            ("org.opencontainers.image.description", variant.description),
            ("org.opencontainers.image.version", version),
        ]
        if let license = plan.runtime.license { pairs.append(("org.opencontainers.image.licenses", license)) }
        if let homepage = plan.runtime.homepage {
            pairs.append(("org.opencontainers.image.url", homepage))
            pairs.append(("org.opencontainers.image.source", homepage))
        }
        pairs += [
            ("org.opencontainers.image.base.name", inputs.baseName),
            ("org.opencontainers.image.base.digest", inputs.baseDigest),
            ("dev.sglang-forge.gpu", variant.gpu),
            ("dev.sglang-forge.capabilities", variant.torchCudaArchList),
            ("dev.sglang-forge.isa", variant.isa),
            ("dev.sglang-forge.isa-flags", variant.isaFlags.joined(separator: " ")),
            ("dev.sglang-forge.cuda", plan.runtime.cuda.version.description),
            ("dev.sglang-forge.min-driver", plan.runtime.cuda.minDriver.description),
        ]
        return pairs
    }
}
