import Packaging
import Planner

extension RuntimeManifest {
    /// The JSON document of ``RuntimeManifest/render(_:variant:)``; field meanings are in
    /// docs/backends/runtime-manifest.md.
    struct Document: Encodable {
        struct Runtime: Encodable { var name, component, version, entryPoint, platform: String; var summary, homepage, license: String? }
        struct GPU: Encodable { var target, architecture, torchCudaArchList: String; var capabilities: [String] }
        struct ISA: Encodable { var name, label: String; var flags: [String] }
        struct Setting: Encodable { var name, value: String; var reason: String? }
        struct Variant: Encodable { var name, description: String; var gpu: GPU; var isa: ISA; var buildEnv: [Setting]; var maxJobs: Int }
        struct Python: Encodable { var version, tag: String }
        struct CUDA: Encodable { var version, localTag, minDriver: String }
        struct Glibc: Encodable { var target: String; var minimum: String?; var minimumFrom: [String] }
        struct Component: Encodable { var name, version, kind: String; var filename, sha256: String?; var build: String? }
        struct Variable: Encodable { var name, value: String; var why: String? }
        struct Library: Encodable { var name, provider: String; var sonames: [String]; var from: [String: String] }
        struct Backend: Encodable { var python, installer, cudaToolkit, torchCudaLibraries: String }

        var schema = RuntimeManifest.schemaName
        var schemaVersion = RuntimeManifest.schemaVersion
        var runtime: Runtime
        var variant: Variant
        var python: Python
        var cuda: CUDA
        var glibc: Glibc
        var components: [Component]
        var distributions: [Distribution]
        var environment: [Variable]
        var systemLibraries: [Library]
        var backends: [String: Backend]

        init(plan: BuildPlan, variant v: PlannedVariant) {
            let r = plan.runtime
            runtime = Runtime(name: r.name, component: r.component, version: r.version, entryPoint: r.entryPoint, platform: r.platform.rawValue,
                              summary: r.summary, homepage: r.homepage, license: r.license)
            let gpu = plan.gpus.first { $0.name == v.gpu }
            let isa = plan.isas.first { $0.name == v.isa }
            variant = Variant(
                name: v.name, description: v.description,
                gpu: GPU(target: v.gpu, architecture: gpu?.architecture ?? v.gpu, torchCudaArchList: v.torchCudaArchList, capabilities: v.capabilities),
                isa: ISA(name: v.isa, label: isa?.label ?? v.isa, flags: v.isaFlags),
                buildEnv: v.buildEnv.map { Setting(name: $0.name, value: $0.value, reason: $0.reason) }, maxJobs: v.maxJobs)
            python = Python(version: r.python.version.description, tag: r.python.tag)
            cuda = CUDA(version: r.cuda.version.description, localTag: r.cuda.localTag, minDriver: r.cuda.minDriver.description)
            let installed = RuntimeManifest.distributions(plan)
            distributions = installed
            glibc = Self.glibc(plan, installed)
            components = plan.components.map { c in
                Component(name: c.name, version: c.version, kind: c.kind.rawValue,
                          filename: c.kind == .wheel ? c.artifact?.filename : nil, sha256: c.kind == .wheel ? c.artifact?.digest.hex : nil,
                          build: c.perVariant ? "built from source for this variant (\(v.torchCudaArchList), \(v.isa))" : nil)
            }
            environment = plan.environment.map { Variable(name: $0.name, value: $0.value, why: $0.why) }
            systemLibraries = Self.libraries(plan, installed)
            backends = Self.backends(plan)
        }

        /// The highest glibc any installed wheel needs, and which distributions need it.
        static func glibc(_ plan: BuildPlan, _ installed: [Distribution]) -> Glibc {
            var needs: [(String, GlibcVersion)] = []
            for c in plan.components where c.kind == .wheel {
                if let g = c.artifact?.requiresGlibc { needs.append((RuntimeManifest.normalized(c.name), g)) }
            }
            for p in plan.pythonClosure?.packages ?? [] where installed.contains(where: { $0.name == p.normalizedName && $0.origin == .closure }) {
                if let g = p.wheel?.requiresGlibc { needs.append((p.normalizedName, g)) }
            }
            var minimum: GlibcVersion?
            var from: [String] = []
            for (name, g) in needs {
                if let current = minimum {
                    if g < current { continue }
                    if g == current { from.append(name); continue }
                }
                minimum = g
                from = [name]
            }
            return Glibc(target: plan.runtime.glibc.target.description, minimum: minimum?.description, minimumFrom: from.sorted())
        }

        /// Every declared system library and, per backend, where the runtime gets it.
        static func libraries(_ plan: BuildPlan, _ installed: [Distribution]) -> [Library] {
            let base = plan.container.map { "\($0.baseImage)@\($0.baseDigest?.prefixedHex ?? "?")" } ?? "the container base image"
            let set = plan.runtime.cuda.nixPackageSet
            let bundled = Dictionary(plan.tarball?.libraries.map { ($0.library, $0) } ?? [], uniquingKeysWith: { a, _ in a })
            return plan.systemLibraries.map { l in
                var from: [String: String] = [:]
                let wheel = l.pypi.flatMap { name in installed.first { $0.name == RuntimeManifest.normalized(name) } }
                switch l.provider {
                case .driver:
                    for backend in backendNames { from[backend] = "the host's NVIDIA driver (never bundled)" }
                case .cuda:
                    from["container"] = "the base image \(base) (/usr/local/cuda)"
                    from["nix"] = wheel.map { "the environment's \($0.name) \($0.version) wheel (autoPatchelf finds it first), else nixpkgs \(set).\(l.name)" }
                        ?? "nixpkgs \(set).\(l.name)"
                    if let entry = bundled[l.name] {
                        from["tarball"] = "bundled: \(entry.download.filename) (\(entry.download.version))"
                    } else {
                        from["tarball"] = wheel.map { "the prefix's \($0.name) \($0.version) wheel" } ?? "not bundled"
                    }
                case .system:
                    from["container"] = l.debian.map { "Debian/Ubuntu package \($0) (apt, in the image)" } ?? "not installed"
                    from["nix"] = l.nixpkgs.map { "nixpkgs \($0)" } ?? "not provided"
                    if let entry = bundled[l.name] {
                        from["tarball"] = "bundled: \(entry.download.filename) (\(entry.download.version))"
                    } else {
                        from["tarball"] = "the host's"
                    }
                }
                return Library(name: l.name, provider: l.provider.rawValue, sonames: l.sonames, from: from)
            }
        }

        static let backendNames = ["container", "nix", "tarball"]

        /// What differs between the backends: the CUDA toolkit the JIT uses (`{cuda.home}`) and
        /// the CUDA libraries (cuDNN, NCCL, cuBLAS…) the source-built torch links.
        static func backends(_ plan: BuildPlan) -> [String: Backend] {
            let base = plan.container.map { "\($0.baseImage)@\($0.baseDigest?.prefixedHex ?? "?")" } ?? "the container base image"
            let set = plan.runtime.cuda.nixPackageSet
            let nixpkgs = "\(plan.nixpkgs.owner)/\(plan.nixpkgs.repo)@\(plan.nixpkgs.rev)"
            let standalone = plan.tarball?.python.map { "\($0.filename) (CPython \($0.version), sha256 \($0.digest.hex))" } ?? "a relocatable CPython (tarball.python)"
            let python = plan.runtime.python
            return [
                "container": Backend(
                    python: "python\(python.version) from the base image's Ubuntu archive (apt)",
                    installer: "pip install --require-hashes --no-deps into the virtual environment /opt/sglang",
                    cudaToolkit: "the base image \(base), /usr/local/cuda",
                    torchCudaLibraries: "the CUDA libraries and cuDNN of the base image \(base), which torch is built against and runs with"),
                "nix": Backend(
                    python: "nixpkgs \(nixpkgs) \(python.nixAttribute)",
                    installer: "fetchurl by URL and SRI sha256, pip install --no-deps --no-index into one environment per variant, autoPatchelfHook",
                    cudaToolkit: "nixpkgs \(nixpkgs) \(set).cudatoolkit",
                    torchCudaLibraries: "nixpkgs \(nixpkgs) \(set) (the torch recipe's cuDNN, NCCL, cuBLAS and other CUDA libraries)"),
                "tarball": Backend(
                    python: standalone,
                    installer: "pip install --require-hashes --no-deps into the relocatable prefix",
                    cudaToolkit: "the host's, $CUDA_HOME (default /usr/local/cuda); not bundled",
                    torchCudaLibraries: "the torch wheel of the container backend's build (against \(base)), its run paths relinked into the prefix"),
            ]
        }
    }
}
