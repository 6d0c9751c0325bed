import BackendCore
import Hashes
import Planner

/// The plan-dependent Nix files, built as ``NixExpr`` values: the data tables the shared builders
/// read (`runtime.nix`, `components.nix`, `variants.nix`, `cpu-isa.nix`), `flake.nix`, and the
/// flox layout's `flox.nix` and per-variant files. Every value comes from the plan.
struct NixTables {
    let plan: BuildPlan

    /// Source components the backend can build: those with a recipe in the pinned nixpkgs that
    /// `custom-torch.nix` knows how to specialise.
    static let sourceComponents: Set<String> = ["torch"]

    /// Everything that stops the plan from becoming Nix, each located in the spec.
    static func problems(in plan: BuildPlan) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        if plan.nixpkgs.narHash == nil {
            problems.append(plan.error("nixpkgs has no 'tarball-hash': the Nix backend cannot pin nixpkgs (flake.lock narHash, fetchTarball sha256) without it; record the NAR hash of the revision's GitHub tarball (`nix flake prefetch \(plan.nixpkgs.flakeRef)`)", at: plan.nixpkgs.declaredAt))
        }
        let libraries = Dictionary(plan.systemLibraries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        // Every plan digest is SRI-expressible (sha256/sha512), which `fetchurl` takes; the shared
        // check gives the rest: a pinned artifact, a plain URL.
        problems += PinnedArtifacts.wheels(plan, backend: "Nix").problems.map { $0.diagnostic(in: plan) }
        for component in plan.components {
            switch component.kind {
            case .wheel:
                break
            case .source where !sourceComponents.contains(component.name):
                problems.append(plan.error("the Nix backend can build source component '\(component.name)' only if it is one of \(sourceComponents.sorted().joined(separator: ", ")) (a recipe of the pinned nixpkgs it specialises per variant)", at: component.declaredAt))
            case .source:
                break
            }
            for name in component.links {
                guard let library = libraries[name] else {
                    problems.append(plan.error("component '\(component.name)' links unknown library '\(name)'", at: component.declaredAt))
                    continue
                }
                switch library.provider {
                case .cuda, .driver: break
                case .system where library.nixpkgs != nil: break
                case .system:
                    problems.append(plan.error("system library '\(name)' (linked by '\(component.name)') has no nixpkgs attribute", at: component.declaredAt))
                }
            }
        }
        let needsClosure = plan.components.filter { !$0.pythonDeps.isEmpty }
        if plan.pythonClosure == nil, let first = needsClosure.first {
            problems.append(plan.error("component '\(first.name)' needs Python packages from the runtime package set, but the plan has no locked Python closure: the Nix backend installs the lock's wheels, not nixpkgs' Python packages; run `sglang-forge lock`", at: first.declaredAt))
        }
        problems += RuntimeManifest.problems(plan)
        for variable in plan.environment {
            if case .failure(let reasons) = EnvironmentTemplate.parse(variable.value) {
                let known = EnvironmentPlaceholder.allCases.map(\.token).joined(separator: ", ")
                problems += reasons.map { reason in
                    switch reason {
                    case .unknownPlaceholder(let field):
                        plan.error("environment variable \(variable.name) uses '{\(field)}', which the Nix backend cannot resolve (known: \(known))", at: nil)
                    case .unbalancedBrace:
                        plan.error("environment variable \(variable.name): \(reason) in its value (known placeholders: \(known))", at: nil)
                    }
                }
            }
        }
        return problems
    }

    /// The default package: the variant that runs on the most GPUs (most compute capabilities);
    /// ties go to the earlier variant in matrix order, so the broadest ISA listed first wins
    /// (`all-avx2` for specs/main.yaml).
    var defaultVariant: String {
        var best = plan.variants[0]
        for variant in plan.variants.dropFirst() where variant.capabilities.count > best.capabilities.count { best = variant }
        return best.name
    }

    // MARK: data tables

    /// `runtime.nix`: the runtime, its interpreter and CUDA package set, libraries, environment.
    var runtime: NixExpr {
        let r = plan.runtime
        var bindings: [NixBinding] = [.assign("name", .string(r.name)), .assign("component", .string(r.component)), .assign("version", .string(r.version))]
        if let summary = r.summary { bindings.append(.assign("summary", .string(summary))) }
        if let homepage = r.homepage { bindings.append(.assign("homepage", .string(homepage))) }
        if let license = r.license { bindings.append(.assign("license", .string(license), comments: ["SPDX identifier (lib.getLicenseFromSpdxId)."])) }
        bindings += [
            .assign("platform", .string(r.platform.rawValue), comments: ["Nix system double."]),
            .assign("python", .string(r.python.nixAttribute), comments: ["nixpkgs interpreter attribute (CPython \(r.python.version))."]),
            .assign("cudaPackages", .string(r.cuda.nixPackageSet), comments: ["nixpkgs CUDA package set (CUDA \(r.cuda.version), NVIDIA driver \(r.cuda.minDriver) or newer)."]),
            .assign("entryPoint", .string(r.entryPoint)),
            .assign("defaultVariant", .string(defaultVariant), comments: ["packages.default: the variant that runs on the most GPUs."]),
            .assign("environment", .list(plan.environment.map { variable in
                var fields: [NixBinding] = [.assign("name", .string(variable.name)), .assign("value", .string(variable.value))]
                if let why = variable.why { fields.append(.assign("why", .string(why))) }
                return .attrs(fields)
            }), comments: ["Runtime environment of the entry point; variant.nix resolves the value templates."], blankLineBefore: true),
            .assign("libraries", .attrs(plan.systemLibraries.map(library)), comments: ["System libraries the wheels link, by provider: cuda (cudaPackages.<attribute>),", "system (pkgs.<attributePath>), driver (left to the NVIDIA driver, never linked at build time)."], blankLineBefore: true),
        ]
        return .attrs(bindings)
    }

    func library(_ l: PlannedLibrary) -> NixBinding {
        var fields: [NixBinding] = [.assign("provider", .string(l.provider.rawValue))]
        switch l.provider {
        case .cuda: fields.append(.assign("attribute", .string(l.name)))
        case .system: fields.append(.assign("attributePath", .list((l.nixpkgs ?? "").split(separator: ".").map { .string(String($0)) })))
        case .driver: break
        }
        fields.append(.assign("sonames", .list(l.sonames.map(NixExpr.string))))
        return .assign(l.name, .attrs(fields))
    }

    /// `components.nix`: every component, in spec order; wheels with their pinned artifact.
    var components: NixExpr {
        .attrs(plan.components.map { c in
            var fields: [NixBinding] = [.assign("kind", .string(c.kind.rawValue)), .assign("name", .string(c.name)), .assign("version", .string(c.version))]
            if let artifact = c.artifact, c.kind == .wheel {
                fields.append(.assign("src", .attrs([
                    .assign("url", .string(artifact.url)),
                    .assign("hash", .string(artifact.digest.sri)),
                    .assign("name", .string(artifact.filename)),
                ]), comments: ["Declared at \(plan.spec):\(artifact.declaredAt)."]))
            }
            if c.kind == .wheel {
                fields += [
                    .assign("links", .list(c.links.map(NixExpr.string)), comments: ["Libraries its ELF files link (runtime.nix libraries), for autoPatchelfHook."]),
                    .assign("importCheck", .bool(c.importCheck)),
                    .assign("importName", .string(c.importName)),
                ]
            }
            fields.append(.assign("description", .string(c.note.map { "\(c.name) \(c.version): \($0)" } ?? "\(c.name) \(c.version)")))
            return .assign(c.name, .attrs(fields))
        })
    }

    /// `closure.nix`: every package of the locked Python closure with the wheel the lock chose
    /// for the target (the file the container and tarball backends install), by PEP 503 name.
    /// Packages that are also components are left out (the component's pin is installed).
    var closure: NixExpr {
        let components = Set(plan.components.map(\.name))
        let packages = (plan.pythonClosure?.packages ?? []).filter { !components.contains($0.normalizedName) }
        return .attrs(packages.compactMap { package in
            guard let wheel = package.wheel else { return nil }
            return .assign(package.normalizedName, .attrs([
                .assign("version", .string(package.version)),
                .assign("src", .attrs([
                    .assign("url", .string(wheel.url)),
                    .assign("hash", .string(wheel.digest.sri)),
                    .assign("name", .string(wheel.filename)),
                ])),
            ]))
        })
    }

    /// `variants.nix`: the variant table, in matrix order.
    var variants: NixExpr {
        .attrs(plan.variants.map { v in
            var env: [(name: String, value: String, reason: String?)] = []
            for setting in v.buildEnv {
                if let index = env.firstIndex(where: { $0.name == setting.name }) { env[index] = (setting.name, setting.value, setting.reason) }
                else { env.append((setting.name, setting.value, setting.reason)) }
            }
            return .assign(v.name, .attrs([
                .assign("gpu", .string(v.gpu)),
                .assign("isa", .string(v.isa)),
                .assign("capabilities", .list(v.capabilities.map(NixExpr.string)), comments: ["torch gpuTargets (TORCH_CUDA_ARCH_LIST \(v.torchCudaArchList))."]),
                .assign("buildEnv", .attrs(env.map { .assign($0.name, .string($0.value), comments: $0.reason.map { [$0] } ?? []) })),
                .assign("maxJobs", .int(v.maxJobs)),
                .assign("systemFeatures", .list(v.systemFeatures.map(NixExpr.string))),
                .assign("description", .string(v.description)),
            ]))
        })
    }

    /// `cpu-isa.nix`: CPU ISA targets and their compiler flags.
    var cpuIsa: NixExpr {
        .attrs(plan.isas.map { isa in
            var fields: [NixBinding] = [.assign("label", .string(isa.label)), .assign("flags", .list(isa.flags.map(NixExpr.string)))]
            if let cpus = isa.cpus { fields.append(.assign("cpus", .string(cpus))) }
            return .assign(isa.name, .attrs(fields))
        })
    }

    // MARK: entry points

    /// `import nixpkgs { system = …; config = import <lib>/nixpkgs-config.nix; overlays = [ (import <lib>/overlay.nix) ]; }`
    func importNixpkgs(_ source: NixExpr, lib: String) -> NixExpr {
        .import(source, .attrs([
            .assign("system", .string(plan.runtime.platform.rawValue)),
            .assign("config", .import(.path(lib + "/nixpkgs-config.nix"))),
            .assign("overlays", .list([.import(.path(lib + "/overlay.nix"))])),
        ]))
    }

    /// `flake.nix`: the pinned input, and packages/checks/hydraJobs from `nix/lib/packages.nix`.
    var flake: NixExpr {
        let platform = plan.runtime.platform.rawValue
        return .attrs([
            .assign("description", .string(plan.runtime.summary ?? "\(plan.runtime.name) \(plan.runtime.version)")),
            .assign(path: ["inputs", "nixpkgs", "url"], .string(plan.nixpkgs.flakeRef), blankLineBefore: true),
            NixBinding(.assign(["outputs"], .lambda(.set(["self", "nixpkgs"], ellipsis: false), .letIn(
                [.assign("forge", .import(.path("./nix/lib/packages.nix"), .attrs([
                    .assign("pkgs", importNixpkgs(.variable("nixpkgs"), lib: "./nix/lib")),
                ])))],
                .attrs([
                    .assign(path: ["packages", platform], .select(.variable("forge"), ["packages"])),
                    .assign(path: ["checks", platform], .select(.variable("forge"), ["checks"])),
                    .inherit(from: .variable("forge"), ["hydraJobs"]),
                ])
            ))), blankLineBefore: true),
        ])
    }

    /// flox layout `lib/flox.nix`: the one nixpkgs of the flox layout, GitHub's tarball of the
    /// pinned revision checked against its NAR hash (`fetchTarball`'s `sha256` is the NAR hash of
    /// the unpacked tree, the same value as flake.lock's `narHash`).
    func floxEntry(narHash: Digest) -> NixExpr {
        let n = plan.nixpkgs
        return .letIn(
            [.assign("nixpkgs", .apply(.select(.variable("builtins"), ["fetchTarball"]), [.attrs([
                .assign("url", .string("https://github.com/\(n.owner)/\(n.repo)/archive/\(n.rev).tar.gz")),
                .assign("sha256", .string(narHash.sri)),
            ])]))],
            .import(.path("./packages.nix"), .attrs([.assign("pkgs", importNixpkgs(.variable("nixpkgs"), lib: "."))]))
        )
    }

    /// flox layout `<variant>.nix`: selects the variant; flox calls it with `callPackage`.
    func floxVariant(_ name: String) -> NixExpr {
        .lambda(.set([], ellipsis: false), .select(.import(.path("./lib/flox.nix")), ["packages", name]))
    }
}
