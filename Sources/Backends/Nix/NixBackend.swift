import BackendCore
import Hashes
import Planner

/// The Nix backend: one flake (or flox package tree) that builds every variant of the plan from
/// one pinned nixpkgs.
///
/// Layouts:
/// - `flake` (default): `flake.nix`, `flake.lock`, `nix/lib/*.nix`.
/// - `flox`: `.flox/pkgs/lib/*.nix` plus one `.flox/pkgs/<variant>.nix` per variant that only
///   selects the variant from the shared builders, for `flox build <variant>`.
///
/// Both layouts share the same builders (``NixLibrary``) and data tables (``NixTables``); see
/// `docs/backends/nix.md` for what each file is. Reads only the plan.
public struct NixBackend: Backend {
    /// `flake` (default) and `flox`.
    public static let layouts = ["flake", "flox"]

    /// Creates the backend.
    public init() {}

    /// The plan checked for Nix: the data tables, the pinned nixpkgs NAR hash, the layout and
    /// every variant's manifest.
    public struct Inputs {
        let plan: BuildPlan
        let layout: String
        let narHash: Digest
        let manifests: [(variant: PlannedVariant, manifest: String)]
    }

    /// Checks `plan`: every problem, located in the spec: a wheel without a pinned artifact
    /// (never an unhashed fetch), nixpkgs without a NAR hash, a source component other than
    /// `torch`, a linked system library without a nixpkgs attribute, an unknown value template
    /// in the runtime environment.
    public func check(_ plan: BuildPlan, layout: String) -> Result<Inputs, EmitError> {
        var problems = NixTables.problems(in: plan)
        var manifests: [(variant: PlannedVariant, manifest: String)] = []
        if problems.isEmpty {
            switch RuntimeManifest.checkedManifests(plan) {
            case .success(let rendered): manifests = rendered
            case .failure(let error): problems += error.diagnostics
            }
        }
        guard problems.isEmpty, let narHash = plan.nixpkgs.narHash else { return .failure(EmitError(problems)) }
        return .success(Inputs(plan: plan, layout: layout, narHash: narHash, manifests: manifests))
    }

    /// Renders the flake or flox tree of checked inputs.
    ///
    /// - Returns: every file, sorted by path; `.nix` files start with
    ///   ``GeneratedFile/header(comment:specPath:)``; `flake.lock` is JSON, which has no comments,
    ///   so it has no header.
    public func render(_ inputs: Inputs) -> [GeneratedFile] {
        let plan = inputs.plan, narHash = inputs.narHash
        let tables = NixTables(plan: plan)
        let renderer = NixRenderer()
        let header = GeneratedFile.header(comment: "#", specPath: plan.spec)

        var libFiles: [(String, String)] = [
            ("runtime.nix", renderer.file(tables.runtime, header: header)),
            ("components.nix", renderer.file(tables.components, header: header)),
            ("closure.nix", renderer.file(tables.closure, header: header)),
            ("variants.nix", renderer.file(tables.variants, header: header)),
            ("cpu-isa.nix", renderer.file(tables.cpuIsa, header: header)),
        ]
        libFiles += NixLibrary.files.map { ($0.name, header + $0.text) }
        // The runtime manifest of each variant, installed by variant.nix; JSON, so no header.
        for (variant, manifest) in inputs.manifests {
            libFiles.append(("manifests/\(variant.name).json", manifest))
        }

        var files: [GeneratedFile] = []
        switch inputs.layout {
        case "flox":
            libFiles.append(("flox.nix", renderer.file(tables.floxEntry(narHash: narHash), header: header)))
            files += libFiles.map { GeneratedFile(path: ".flox/pkgs/lib/\($0.0)", contents: $0.1) }
            for variant in plan.variants {
                files.append(GeneratedFile(path: ".flox/pkgs/\(variant.name).nix", contents: renderer.file(tables.floxVariant(variant.name), header: header)))
            }
        default:
            files += libFiles.map { GeneratedFile(path: "nix/lib/\($0.0)", contents: $0.1) }
            files.append(GeneratedFile(path: "flake.nix", contents: renderer.file(tables.flake, header: header)))
            files.append(GeneratedFile(path: "flake.lock", contents: FlakeLock(nixpkgs: plan.nixpkgs, narHash: narHash).json))
        }
        return files.sorted { $0.path < $1.path }
    }
}
