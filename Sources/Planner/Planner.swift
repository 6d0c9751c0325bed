import CUDACompatibility
import Hashes
import Lock
import Packaging
import Spec

/// Turns a decoded ``Spec`` into a checked ``BuildPlan``.
///
/// Stages: index the spec's tables → check references, versions, capabilities, pins and wheel
/// tags → build the dependency graph (cycle check) → expand the GPU × ISA matrix with exclusions
/// and overrides → render names and descriptions. Every problem is collected; the plan is
/// returned only when there is no error. Pure: no disk, clock or environment access.
public enum Planner {
    /// Plans `spec`.
    /// - Returns: the plan (`nil` when there are errors) and every diagnostic, sorted by position.
    public static func plan(_ spec: Spec) -> (plan: BuildPlan?, diagnostics: [Diagnostic]) {
        plan(spec, lock: nil)
    }

    /// Plans `spec` with the artifacts of `lock` (which the caller has checked is fresh, see
    /// ``LockFreshness``): index wheels get their URL, hash, size and tags from the lock.
    /// - Returns: the plan (`nil` when there are errors) and every diagnostic, sorted by position.
    public static func plan(_ spec: Spec, lock: LockFile?) -> (plan: BuildPlan?, diagnostics: [Diagnostic]) {
        plan(spec, inputs: PlanInputs(lock: lock))
    }

    /// Plans `spec` with everything besides the spec that the plan carries (``PlanInputs``), so
    /// that the plan comes out whole: no later stage patches it.
    /// - Returns: the plan (`nil` when there are errors) and every diagnostic, sorted by position.
    public static func plan(_ spec: Spec, inputs: PlanInputs) -> (plan: BuildPlan?, diagnostics: [Diagnostic]) {
        var context = PlanContext(spec: spec)
        context.lock = inputs.lock
        var plan = context.run()
        plan.pythonClosure = inputs.pythonClosure
        for index in plan.components.indices {
            if let closure = inputs.buildClosures[plan.components[index].name] { plan.components[index].buildClosure = closure }
        }
        let diagnostics = context.bag.sorted
        return (context.bag.hasErrors ? nil : plan, diagnostics)
    }
}

/// What a plan carries besides the spec, each read from disk by the caller (the planner is pure):
/// the lock's artifacts, the hashed Python closure, and the source components' hashed build
/// requirements.
public struct PlanInputs: Sendable {
    /// The lock (already checked fresh against the spec), or `nil`.
    public var lock: LockFile?
    /// The hashed runtime Python closure (from the lock, or `emit --python-closure`), or `nil`.
    public var pythonClosure: PlannedPythonClosure?
    /// Source component name → its hashed build requirements (from the lock, or
    /// `emit --build-requirements`).
    public var buildClosures: [String: PlannedPythonClosure]

    /// Creates the inputs.
    public init(lock: LockFile? = nil, pythonClosure: PlannedPythonClosure? = nil, buildClosures: [String: PlannedPythonClosure] = [:]) {
        self.lock = lock
        self.pythonClosure = pythonClosure
        self.buildClosures = buildClosures
    }
}

/// The working state of one planning run.
struct PlanContext {
    let spec: Spec
    var bag: DiagnosticBag
    let gpus: [String: GPUTarget]
    let isas: [String: ISA]
    let libraries: [String: SystemLibrary]
    let components: [String: Component]
    var cuda: CUDAVersion?
    var target: TargetEnvironment?
    var python: PythonVersion?
    var glibc: GlibcVersion?
    var parsedCUDA: CUDAVersion?
    var minDriver: DriverVersion?
    var lock: LockFile?

    init(spec: Spec) {
        self.spec = spec
        bag = DiagnosticBag(file: spec.path)
        gpus = Dictionary(spec.gpus.map { ($0.name.value, $0) }, uniquingKeysWith: { a, _ in a })
        isas = Dictionary(spec.isas.map { ($0.name.value, $0) }, uniquingKeysWith: { a, _ in a })
        libraries = Dictionary(spec.systemLibraries.map { ($0.name.value, $0) }, uniquingKeysWith: { a, _ in a })
        components = Dictionary(spec.components.map { ($0.name.value, $0) }, uniquingKeysWith: { a, _ in a })
    }

    mutating func run() -> BuildPlan {
        checkRuntime()
        checkGPUs()
        let environment = checkEnvironment()
        let plannedComponents = spec.components.map { plan(component: $0) }
        checkFamilies()
        let graph = buildGraph()
        let variants = expandMatrix(graph: graph)
        checkDeviceCode(variants: variants)
        let tarball = plannedTarball()
        if let closure = lock?.closure {
            // A closure entry built for another CUDA major is an error at cuda.version (docs/lock.md).
            bag.append(contentsOf: CUDARelease.check(spec: spec, installed: closure.wheels.map { (name: $0.name, version: $0.version, source: "closure") }))
        }
        let container = plannedContainer()
        var result = BuildPlan(
            schema: BuildPlan.schemaName,
            schemaVersion: BuildPlan.currentSchemaVersion,
            spec: spec.path,
            runtime: plannedRuntime(components: plannedComponents),
            nixpkgs: plannedNixpkgs(),
            build: PlannedBuild(
                maxJobs: spec.build.maxJobs.value,
                systemFeatures: spec.build.systemFeatures.map(\.value),
                diskGB: spec.build.diskGB?.value,
                memoryGB: spec.build.memoryGB?.value,
                env: spec.build.env.map { PlannedEnvironmentSetting(name: $0.name.value, value: $0.value.value, reason: nil) }
            ),
            environment: environment,
            isas: spec.isas.map { PlannedISA(name: $0.name.value, label: $0.label.value, flags: $0.flags.map(\.value), cpus: $0.cpus?.value) },
            gpus: spec.gpus.map {
                PlannedGPU(name: $0.name.value, architecture: $0.architecture.value, capabilities: $0.capabilities.map(\.value),
                           examples: $0.examples.map(\.value), note: $0.note?.value)
            },
            systemLibraries: spec.systemLibraries.map {
                PlannedLibrary(name: $0.name.value, sonames: $0.sonames.map(\.value), provider: $0.provider.value,
                               nixpkgs: $0.nixpkgs?.value, debian: $0.debian?.value, pypi: $0.pypi?.value)
            },
            components: plannedComponents,
            graph: graph.nodes,
            variants: variants,
            container: container
        )
        result.tarball = tarball
        return result
    }

    /// Reports an unknown name with a suggestion from `candidates`.
    mutating func unknown(_ what: String, _ name: Located<String>, candidates: some Sequence<String>, defined: String) {
        let list = Array(candidates)
        let hint = Suggestions.closest(to: name.value, in: list).map { "; did you mean '\($0)'?" }
            ?? (list.isEmpty ? "; '\(defined)' defines none" : "; '\(defined)' defines: \(list.joined(separator: ", "))")
        bag.error("unknown \(what) '\(name.value)'\(hint)", at: name.location)
    }

    // MARK: runtime, CUDA, nixpkgs

    private mutating func checkRuntime() {
        let runtime = spec.runtime
        if components[runtime.component.value] == nil {
            unknown("component", runtime.component, candidates: spec.components.map(\.name.value), defined: "components")
        }
        if let cuda = CUDAVersion(spec.cuda.version.value) {
            if CUDASupport.knownReleases.contains(cuda) {
                self.cuda = cuda
            } else {
                bag.error("CUDA \(cuda) is not a CUDA toolkit release sglang-forge knows; known releases: \(CUDASupport.knownReleases.map(\.description).joined(separator: ", "))", at: spec.cuda.version.location)
            }
        }
        // The loader checked these forms; a value that still does not parse is an error here, so
        // that the placeholders `plannedRuntime` uses for it never reach a returned plan.
        python = PythonVersion(runtime.python.value)
        if python == nil {
            bag.error("'python' must be a CPython version 'major.minor' such as '3.12', found '\(runtime.python.value)'", at: runtime.python.location)
        }
        glibc = GlibcVersion(runtime.glibc.value)
        if glibc == nil {
            bag.error("'glibc' must be a version 'major.minor' such as '2.35', found '\(runtime.glibc.value)'", at: runtime.glibc.location)
        }
        parsedCUDA = CUDAVersion(spec.cuda.version.value)
        if parsedCUDA == nil {
            bag.error("CUDA 'version' must be 'major.minor' such as '12.8', found '\(spec.cuda.version.value)'", at: spec.cuda.version.location)
        }
        minDriver = DriverVersion(spec.cuda.minDriver.value)
        if minDriver == nil {
            bag.error("'min-driver' must be a driver version such as '550' or '570.26', found '\(spec.cuda.minDriver.value)'", at: spec.cuda.minDriver.location)
        }
        if let python, let glibc {
            if python.major != 3 || python.minor < 8 {
                bag.error("Python \(python) is not supported; sglang-forge targets CPython 3.8 or newer", at: runtime.python.location)
            }
            target = TargetEnvironment(pythonMajor: python.major, pythonMinor: python.minor, architecture: runtime.platform.value.wheelArchitecture, glibc: glibc)
        }
        if !Names.isCommandName(runtime.entryPoint.value) {
            bag.error("'entry-point' must be a command name such as 'sglang', found '\(runtime.entryPoint.value)'", at: runtime.entryPoint.location)
        }
        if spec.nixpkgs.tarballHash == nil {
            bag.warning("nixpkgs has no 'tarball-hash': the Nix backend cannot write flake.lock's narHash until it is recorded", at: spec.nixpkgs.rev.location)
        }
    }

    /// The placeholder for a `min-driver` that did not parse (reported; the plan is not returned).
    private static let noDriver: DriverVersion = {
        guard let zero = DriverVersion("0") else { preconditionFailure("'0' is a driver version") }
        return zero
    }()

    private func plannedRuntime(components planned: [PlannedComponent]) -> PlannedRuntime {
        let runtime = spec.runtime
        // Placeholders only where `checkRuntime` reported an error (the plan is then not returned).
        let python = self.python ?? PythonVersion(major: 0, minor: 0)
        let cudaVersion = parsedCUDA ?? CUDAVersion(0, 0)
        var minimum: GlibcVersion?
        var from: [String] = []
        var unknown: [String] = []
        for component in planned where component.kind == .wheel {
            guard let artifact = component.artifact else { unknown.append(component.name); continue }
            guard let glibc = artifact.requiresGlibc else { continue }
            if minimum == nil || glibc > minimum! { minimum = glibc; from = [component.name] } else if glibc == minimum { from.append(component.name) }
        }
        return PlannedRuntime(
            name: runtime.name.value,
            component: runtime.component.value,
            version: components[runtime.component.value]?.version.value ?? "",
            summary: runtime.summary?.value,
            homepage: runtime.homepage?.value,
            license: runtime.license?.value,
            platform: runtime.platform.value,
            python: PythonTarget(version: python, tag: "cp" + python.compact, nixAttribute: "python" + python.compact),
            cuda: CUDATarget(
                version: cudaVersion,
                minDriver: minDriver ?? Self.noDriver,
                localTag: cudaVersion.localTag,
                nixPackageSet: "cudaPackages_\(cudaVersion.major)_\(cudaVersion.minor)"
            ),
            glibc: GlibcRequirement(target: glibc ?? GlibcVersion(major: 0, minor: 0), minimum: minimum, minimumFrom: from, unknown: unknown),
            entryPoint: runtime.entryPoint.value
        )
    }

    /// The nixpkgs pin: the spec's rev and tarball hash, with `lastModified` (and the narHash when
    /// the spec has none) from the lock when the lock pins the same rev.
    /// A lock narHash that is not an SRI sha256 string is an error at `nixpkgs.rev`.
    private mutating func plannedNixpkgs() -> PlannedNixpkgs {
        let pin = spec.nixpkgs
        let locked = lock?.nixpkgs.rev == pin.rev.value ? lock?.nixpkgs : nil
        var lockedNarHash: Digest?
        if let text = locked?.narHash {
            if let digest = try? Digest(parsing: text), digest.sri == text, digest.algorithm == .sha256 {
                lockedNarHash = digest
            } else {
                bag.error("the lock's nixpkgs narHash '\(text)' is not an SRI sha256 hash ('sha256-<base64>'); run `sglang-forge pin` or `sglang-forge lock`", at: pin.rev.location)
            }
        }
        return PlannedNixpkgs(
            owner: pin.owner.value, repo: pin.repo.value, rev: pin.rev.value,
            flakeRef: "github:\(pin.owner.value)/\(pin.repo.value)/\(pin.rev.value)",
            narHash: pin.tarballHash?.value ?? lockedNarHash,
            lastModified: locked?.lastModified,
            declaredAt: SpecLocation(pin.rev.location)
        )
    }

    // MARK: GPUs

    private mutating func checkGPUs() {
        for gpu in spec.gpus {
            var seen: [String: SourceLocation] = [:]
            for capability in gpu.capabilities {
                if let first = seen[capability.value] {
                    bag.error("compute capability \(capability.value) is listed twice in GPU target '\(gpu.name.value)'", at: capability.location,
                              notes: [bag.note("first listed here", at: first)])
                    continue
                }
                seen[capability.value] = capability.location
                guard let cuda else { continue }
                switch CUDASupport.check(capability.value, cuda: cuda) {
                case .supported: break
                case .wrongForm(let suggestion):
                    let hint = suggestion.map { "; write '\($0)'" } ?? ""
                    bag.error("compute capability '\(capability.value)' must be numeric 'major.minor' as TORCH_CUDA_ARCH_LIST and nixpkgs cudaCapabilities expect\(hint)", at: capability.location)
                case .unknownCapability:
                    bag.error("compute capability \(capability.value) does not exist; CUDA \(cuda) supports \(CUDASupport.supported(by: cuda).joined(separator: ", "))", at: capability.location)
                case .tooNew(let first):
                    bag.error("compute capability \(capability.value) needs CUDA \(first) or newer, but the spec uses CUDA \(cuda)", at: capability.location)
                case .dropped(let last):
                    bag.error("compute capability \(capability.value) was dropped after CUDA \(last); CUDA \(cuda) cannot target it", at: capability.location)
                case .badSuffix(let reason):
                    bag.error("compute capability '\(capability.value)': \(reason)", at: capability.location)
                }
            }
        }
    }

    // MARK: runtime environment

    /// Placeholders an environment value may use (``EnvironmentPlaceholder``); each backend fills them.
    static let environmentPlaceholders = EnvironmentPlaceholder.allCases.map(\.rawValue)

    private mutating func checkEnvironment() -> [PlannedEnvironmentVariable] {
        spec.environment.map { variable in
            if case .failure(let problems) = EnvironmentTemplate.parse(variable.value.value) {
                for problem in problems {
                    switch problem {
                    case .unknownPlaceholder(let field):
                        bag.error("unknown placeholder '{\(field)}' in the value of \(variable.name.value)" + Self.placeholderHint(field, Self.environmentPlaceholders), at: variable.value.location)
                    case .unbalancedBrace:
                        bag.error("unbalanced '{' or '}' in the value of \(variable.name.value)", at: variable.value.location)
                    }
                }
            }
            return PlannedEnvironmentVariable(name: variable.name.value, value: variable.value.value, why: variable.why?.value)
        }
    }
}

extension PlanContext {
    /// "; did you mean '{x}'?" when a placeholder is close to a known one, else the list of known ones.
    static func placeholderHint(_ field: String, _ known: [String]) -> String {
        if let close = Suggestions.closest(to: field, in: known) { return "; did you mean '{\(close)}'?" }
        return "; known placeholders: " + known.map { "{\($0)}" }.joined(separator: ", ")
    }
}

extension String {
    func replacingDots(with replacement: String) -> String {
        split(separator: ".", omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
