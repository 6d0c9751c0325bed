import BackendCore
import LockReading
import Foundation
import ForgeTestSupport
import Lock
import NixBackend
import Planner
import Spec
import BackendTestSupport
import Testing

/// Tests of the Nix backend. Nix itself (Debian's `nix-bin`, Nix 2.8) is the oracle: every
/// emitted file is parsed with `nix-instantiate --parse`, and the generated flake is evaluated
/// offline against `Tests/Fixtures/nix/stub-nixpkgs` with `--override-input`.
@Suite("NixBackend") struct NixBackendTests {
    /// The real spec, with its lock and Python closure (real data: 160 closure wheels from PyPI).
    static let pinnedSpec = "specs/main.yaml"

    // MARK: writer

    @Test func stringsRoundTripThroughNix() throws {
        let samples = ["plain", "quote \" inside", "back\\slash", "${interpolation}", "$${double}", "\\${escaped}",
                       "line\nbreak", "tab\tand\rcr", "$", "ends with $", "{braces} $ {", "ünïcödé ✓", "''", "'' ${x} ''"]
        let text = NixRenderer().file(.list(samples.map(NixExpr.string)), header: "")
        let result = try Nix.run(["nix-instantiate", "--eval", "--strict", "--json", "-E", text])
        let decoded = try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8))
        #expect(decoded == samples)
    }

    @Test func quotingSnippets() {
        #expect(NixRenderer.quote("a\"b") == #""a\"b""#)
        #expect(NixRenderer.quote("a\\b") == #""a\\b""#)
        #expect(NixRenderer.quote("${x}") == #""\${x}""#)
        #expect(NixRenderer.quote("x\ny") == #""x\ny""#)
        #expect(NixRenderer.quote("$HOME") == #""$HOME""#)
        #expect(NixRenderer.attributeName("sglang-python312-cuda12_8-sm90-avx512") == "sglang-python312-cuda12_8-sm90-avx512")
        #expect(NixRenderer.attributeName("flashinfer.cubin") == #""flashinfer.cubin""#)
        #expect(NixRenderer.attributeName("in") == #""in""#)
        #expect(NixRenderer.attributeName("12_8") == #""12_8""#)
        #expect(NixRenderer.attributeName("x'") == "x'")
    }

    @Test func formattingSnippets() {
        let r = NixRenderer()
        #expect(r.file(.attrs([]), header: "") == "{ }\n")
        #expect(r.file(.list([]), header: "") == "[ ]\n")
        #expect(r.file(.attrs([.assign("a", .list([.string("x")]))]), header: "") == "{ a = [ \"x\" ]; }\n")
        #expect(r.file(.list([.import(.path("./o.nix"))]), header: "") == "[\n  (import ./o.nix)\n]\n")
        #expect(r.file(.apply(.variable("f"), [.attrs([.assign("a", .int(1))])]), header: "") == "f { a = 1; }\n")
        #expect(r.file(.attrs([.assign("a", .attrs([.assign("b", .int(1))]))]), header: "") == "{\n  a = {\n    b = 1;\n  };\n}\n")
        #expect(r.file(.attrs([.assign("a", .list([.string("x"), .string("y")]))]), header: "") == """
            {
              a = [
                "x"
                "y"
              ];
            }

            """)
        #expect(r.file(.attrs([.assign("USE_CUDNN", .string("0"), comments: ["why"]), .assign("b", .int(-1), blankLineBefore: true)]), header: "# h\n") == """
            # h
            {
              # why
              USE_CUDNN = "0";

              b = (-1);
            }

            """)
        #expect(r.file(.lambda(.set(["self", "nixpkgs"], ellipsis: false), .select(.variable("nixpkgs"), ["lib"])), header: "") == "{ self, nixpkgs }: nixpkgs.lib\n")
        #expect(r.file(.apply(.variable("f"), [.variable("x"), .attrs([.assign("a", .int(1)), .assign("b", .int(2))])]), header: "") == """
            f x {
              a = 1;
              b = 2;
            }

            """)
        #expect(r.file(.letIn([.assign("x", .import(.path("./a.nix")))], .variable("x")), header: "") == "let\n  x = import ./a.nix;\nin\nx\n")
        // A long string stays on its binding's line, as nixfmt leaves it.
        let long = String(repeating: "u", count: 120)
        #expect(r.file(.attrs([.assign("url", .string(long))]), header: "") == "{\n  url = \"\(long)\";\n}\n")
        #expect(r.file(.attrs([.assign("x", .attrs([.assign("url", .string(long))]))]), header: "") == "{\n  x = {\n    url = \"\(long)\";\n  };\n}\n")
    }

    // MARK: errors

    @Test func unpinnedWheelsAreErrorsAtTheirDeclaration() throws {
        // specs/main.yaml with two pins taken away.
        var plan = try PlanFixtures.plan(Self.pinnedSpec)
        plan.components[0].artifact = nil
        plan.components[4].artifact = nil
        for plan in [plan] {
            let unpinned = plan.components.filter { $0.kind == .wheel && $0.artifact == nil }
            for layout in NixBackend.layouts {
                do {
                    let files = try NixBackend().render(plan, layout: layout)
                    #expect(unpinned.isEmpty, "rendered \(files.count) files with unpinned wheels")
                } catch {
                    #expect(error.diagnostics.map(\.description) == unpinned.map { c in
                        "\(plan.spec):\(c.declaredAt): error: wheel '\(c.name)' \(c.version) has no pinned artifact (URL and hash): the Nix backend never installs an unhashed wheel; run `sglang-forge lock`, or pin it with 'url:' and 'hash:'"
                    })
                    #expect(!unpinned.isEmpty)
                }
            }
        }
        #expect(plan.components[0].name == "sglang" && plan.components[4].name == "flashinfer-cubin")
    }

    @Test func otherProblemsAreReportedTogether() throws {
        var plan = try PlanFixtures.plan(Self.pinnedSpec)
        plan.nixpkgs.narHash = nil
        plan.components[1].name = "triton"  // the source component
        // A non-SRI hash cannot be written into a plan any more: `PlannedArtifact.digest` is a `Digest`.
        plan.environment[0].value = "{cuda.bin}"
        do {
            _ = try NixBackend().render(plan, layout: "flake")
            Issue.record("expected an EmitError")
        } catch {
            let messages = error.diagnostics.map(\.description)
            #expect(messages.count == 3, "\(messages)")
            #expect(messages.contains { $0.hasPrefix("\(Self.pinnedSpec):\(plan.nixpkgs.declaredAt!): error: nixpkgs has no 'tarball-hash'") })
            #expect(messages.contains { $0.hasPrefix("\(Self.pinnedSpec):\(plan.components[1].declaredAt): error: the Nix backend can build source component 'triton'") })
            #expect(messages.contains { $0.contains("CUDA_HOME uses '{cuda.bin}'") })
        }
    }

    // MARK: emitted files

    @Test(arguments: ["flake", "flox"]) func everyFileParsesAndHasTheHeader(layout: String) throws {
        let files = try NixBackend().render(try PlanFixtures.plan(Self.pinnedSpec), layout: layout)
        let dir = try PlanFixtures.write(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        let header = GeneratedFile.header(comment: "#", specPath: Self.pinnedSpec)
        for file in files {
            if file.path.hasSuffix(".json") {
                // The runtime manifests: JSON, shared byte for byte with the other backends.
                #expect(file.path.contains("/manifests/"))
                _ = try JSONSerialization.jsonObject(with: Data(file.contents.utf8))
                continue
            }
            if file.path == "flake.lock" {
                let lock = try JSONSerialization.jsonObject(with: Data(file.contents.utf8)) as? [String: Any]
                #expect(lock?["version"] as? Int == 7)
                continue
            }
            #expect(file.path.hasSuffix(".nix"))
            #expect(file.contents.hasPrefix(header), "\(file.path)")
            _ = try Nix.run(["nix-instantiate", "--parse", dir.appendingPathComponent(file.path).path])
        }
        #expect(files.map(\.path) == files.map(\.path).sorted())
        #expect(files.count == (layout == "flake" ? 13 + 14 : 12 + 14 + 14))
    }

    @Test(arguments: ["flake", "flox"]) func exactlyOneNixpkgs(layout: String) throws {
        let plan = try PlanFixtures.plan(Self.pinnedSpec)
        // The runtime manifests name the nixpkgs revision as a fact; they pin nothing.
        let files = try NixBackend().render(plan, layout: layout).filter { !$0.path.hasSuffix(".json") }
        let all = files.map(\.contents).joined()
        #expect(!all.contains("<nixpkgs>"))
        #expect(!all.contains("currentSystem"))
        let pinning = files.filter { $0.contents.contains(plan.nixpkgs.rev) }.map(\.path)
        let imports = files.filter { $0.contents.contains("import nixpkgs") }.map(\.path)
        if layout == "flake" {
            #expect(!all.contains("fetchTarball"))
            #expect(pinning == ["flake.lock", "flake.nix"])
            #expect(imports == ["flake.nix"])
        } else {
            #expect(files.filter { $0.contents.contains("fetchTarball") }.map(\.path) == [".flox/pkgs/lib/flox.nix"])
            #expect(pinning == [".flox/pkgs/lib/flox.nix"])
            #expect(imports == [".flox/pkgs/lib/flox.nix"])
            #expect(files.first { $0.path == ".flox/pkgs/lib/flox.nix" }!.contents.contains("sha256 = \"\(plan.nixpkgs.narHash!)\";"))
        }
    }

    @Test func flakeLockPinsTheSpecRevision() throws {
        let plan = try PlanFixtures.plan(Self.pinnedSpec)
        let lock = try #require(try NixBackend().render(plan, layout: "flake").first { $0.path == "flake.lock" })
        let json = try JSONSerialization.jsonObject(with: Data(lock.contents.utf8)) as! [String: Any]
        let node = (json["nodes"] as! [String: Any])["nixpkgs"] as! [String: Any]
        let locked = node["locked"] as! [String: String]
        #expect(locked == ["type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": plan.nixpkgs.rev, "narHash": "sha256-0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMQ="])
        #expect(!lock.contents.hasPrefix("#"))
        #expect(!lock.contents.contains("lastModified"))

        // Once a lock file gives the commit time, flake.lock records it too.
        var withLastModified = plan
        withLastModified.nixpkgs.lastModified = 1_764_000_000
        let withTime = try #require(try NixBackend().render(withLastModified, layout: "flake").first { $0.path == "flake.lock" })
        #expect(withTime.contents.contains("""
                    "lastModified": 1764000000,
                    "narHash": "sha256-0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMQ=",
            """))
    }

    @Test func variantSelectionKeepsOneDefault() throws {
        let plan = try PlanFixtures.plan(Self.pinnedSpec).filtered(variants: ["*-sm90-*"])
        let flox = try NixBackend().render(plan, layout: "flox")
        #expect(flox.filter { !$0.path.hasPrefix(".flox/pkgs/lib/") }.map(\.path) == [
            ".flox/pkgs/sglang-python312-cuda12_8-sm90-avx2.nix", ".flox/pkgs/sglang-python312-cuda12_8-sm90-avx512.nix",
        ])
        let runtime = try #require(flox.first { $0.path == ".flox/pkgs/lib/runtime.nix" })
        #expect(runtime.contents.contains("  defaultVariant = \"sglang-python312-cuda12_8-sm90-avx2\";\n"))
    }

    // MARK: evaluation against the stub nixpkgs

    /// What `Fixtures/nix/inspect.nix` reports for one package.
    struct Facts: Decodable, Equatable {
        struct Torch: Decodable, Equatable {
            var version: String, gpuTargets: [String], cudaSupport: Bool, cudaVersion: String, magmaCudaVersion: String
            var env: [String: String], preBuild: String, ninjaFlags: [String], requiredSystemFeatures: [String]
            var USE_NCCL: String, topLevelUseCudnn: String?, variant: String
        }
        struct Env: Decodable, Equatable {
            var pname: String, installPhase: String, preFixup: String, autoPatchelfIgnoreMissingDeps: [String]
            var installCheckPhase: String, doInstallCheck: Bool, dontUnpack: Bool
            var srcs: [String], buildInputs: [String], nativeBuildInputs: [String]
        }
        struct Wheel: Decodable, Equatable {
            var pname: String, version: String, url: String, hash: String, fetcher: String, name: String
        }
        var name: String, description: String, platforms: [String], mainProgram: String, wrapper: String, manifest: String
        var torch: Torch
        var env: Env
        var wheels: [Wheel]
    }

    @Test func flakeEvaluatesAgainstTheStubNixpkgs() throws {
        let plan = try PlanFixtures.plan(Self.pinnedSpec)
        let dir = try PlanFixtures.write(try NixBackend().render(plan, layout: "flake"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let inspect = Fixtures.root.appendingPathComponent("nix/inspect.nix").path
        let result = try Nix.evalFlake(dir, attribute: "packages.x86_64-linux", apply: "import \(inspect)")
        // The lock was read and matched flake.nix: Nix only swapped the overridden input.
        #expect(result.stderr.contains("Updated input 'nixpkgs'"), "\(result.stderr)")
        #expect(result.stderr.contains("'github:NixOS/nixpkgs/\(plan.nixpkgs.rev)'"), "\(result.stderr)")
        let packages = try JSONDecoder().decode([String: Facts].self, from: Data(result.stdout.utf8))
        try checkFacts(packages, plan: plan)
        #expect(packages["default"] == packages["sglang-python312-cuda12_8-all-avx2"])

        // The job cap takes effect: run the evaluated preBuild (the cap, then the recipe's own
        // `export MAX_JOBS=$NIX_BUILD_CORES`) under the NIX_BUILD_CORES a builder may set.
        let preBuild = try #require(packages["sglang-python312-cuda12_8-sm90-avx512"]).torch.preBuild
        for (cores, expected) in [("64", "16"), ("0", "16"), ("8", "8"), ("16", "16")] {
            let shell = try Nix.run(["env", "NIX_BUILD_CORES=\(cores)", "bash", "-euc", preBuild + "echo \"$MAX_JOBS\""])
            #expect(shell.stdout == expected + "\n", "NIX_BUILD_CORES=\(cores)")
        }

        let hydra = try Nix.evalFlake(dir, attribute: "hydraJobs", apply: "builtins.mapAttrs (_: job: builtins.mapAttrs (_: drv: drv.name) job)")
        let jobs = try JSONDecoder().decode([String: [String: String]].self, from: Data(hydra.stdout.utf8))
        #expect(jobs == Dictionary(uniqueKeysWithValues: plan.variants.map { ($0.name, ["x86_64-linux": $0.name]) }))
        let checks = try Nix.evalFlake(dir, attribute: "checks.x86_64-linux", apply: "builtins.mapAttrs (_: c: c.buildCommand)")
        let commands = try JSONDecoder().decode([String: String].self, from: Data(checks.stdout.utf8))
        #expect(Set(commands.keys) == Set(plan.variants.map { "eval-\($0.name)" }))
        for variant in plan.variants {
            #expect(commands["eval-\(variant.name)"] == "echo /nix/store/00000000000000000000000000000000-\(variant.name).drv > $out\n")
        }
    }

    @Test func floxTreeEvaluatesToTheSameFacts() throws {
        let plan = try PlanFixtures.plan(Self.pinnedSpec)
        let flake = try PlanFixtures.write(try NixBackend().render(plan, layout: "flake"))
        let flox = try PlanFixtures.write(try NixBackend().render(plan, layout: "flox"))
        defer { for d in [flake, flox] { try? FileManager.default.removeItem(at: d) } }
        let stub = Fixtures.root.appendingPathComponent("nix/stub-nixpkgs").path
        let inspect = Fixtures.root.appendingPathComponent("nix/inspect.nix").path
        func facts(_ lib: URL) throws -> [String: Facts] {
            let expr = "import \(inspect) (import \(lib.path)/packages.nix { pkgs = import \(stub) { system = \"x86_64-linux\"; config = import \(lib.path)/nixpkgs-config.nix; overlays = [ (import \(lib.path)/overlay.nix) ]; }; }).packages"
            let result = try Nix.run(["nix-instantiate", "--eval", "--strict", "--json", "-E", expr])
            return try JSONDecoder().decode([String: Facts].self, from: Data(result.stdout.utf8))
        }
        let floxFacts = try facts(flox.appendingPathComponent(".flox/pkgs/lib"))
        try checkFacts(floxFacts, plan: plan)
        #expect(floxFacts == (try facts(flake.appendingPathComponent("nix/lib"))))
        // Each variant file only selects its variant from lib/flox.nix.
        for variant in plan.variants {
            let text = try String(contentsOf: flox.appendingPathComponent(".flox/pkgs/\(variant.name).nix"), encoding: .utf8)
            #expect(text.hasSuffix("{ }: (import ./lib/flox.nix).packages.\(variant.name)\n"))
        }
    }

    @Test func torchVersionOtherThanTheSpecStopsEvaluation() throws {
        let plan = try PlanFixtures.plan(Self.pinnedSpec)
        let dir = try PlanFixtures.write(try NixBackend().render(plan, layout: "flake"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let stub = Fixtures.root.appendingPathComponent("nix/stub-nixpkgs").path
        let lib = dir.appendingPathComponent("nix/lib").path
        let expr = "(import \(lib)/packages.nix { pkgs = import \(stub) { system = \"x86_64-linux\"; config = import \(lib)/nixpkgs-config.nix // { stubTorchVersion = \"2.8.0\"; }; overlays = [ (import \(lib)/overlay.nix) ]; }; }).packages.default.torch.name"
        let result = try Nix.run(["nix-instantiate", "--eval", "--strict", "-E", expr], allowFailure: true)
        #expect(result.stderr.contains("the pinned nixpkgs builds torch 2.8.0, but the spec asks for 2.9.1"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    func checkFacts(_ packages: [String: Facts], plan: BuildPlan) throws {
        #expect(packages.count == plan.variants.count + 1)
        #expect(plan.variants.count == 14)
        let wheels: [PlannedComponent] = plan.components.filter { $0.kind == .wheel }
        for variant in plan.variants {
            let facts = try #require(packages[variant.name])
            #expect(facts.name == variant.name)
            #expect(facts.description == variant.description)
            #expect(facts.platforms == ["x86_64-linux"])
            #expect(facts.mainProgram == "sglang")
            let torch = facts.torch
            #expect(torch.gpuTargets == variant.capabilities)
            #expect(torch.cudaSupport && torch.cudaVersion == "12.8" && torch.version == "2.9.1")
            // The overlay made the spec's CUDA the default, so the recipe's magma matches.
            #expect(torch.magmaCudaVersion == "12.8")
            #expect(torch.env["CFLAGS"] == variant.isaFlags.joined(separator: " "))
            #expect(torch.env["CXXFLAGS"] == variant.isaFlags.joined(separator: " "))
            #expect(torch.env["USE_CUDNN"] == (variant.gpu == "sm61" ? "0" : nil), "\(variant.name)")
            #expect(torch.topLevelUseCudnn == nil)
            #expect(torch.env["MAX_JOBS"] == "16" && torch.ninjaFlags == ["-j16"])
            // The cap comes before the recipe's own `export MAX_JOBS=$NIX_BUILD_CORES`.
            let cap = torch.preBuild.range(of: "export NIX_BUILD_CORES=16")
            let recipe = torch.preBuild.range(of: "export MAX_JOBS=$NIX_BUILD_CORES")
            #expect(cap != nil && recipe != nil && cap!.lowerBound < recipe!.lowerBound)
            #expect(torch.requiredSystemFeatures == ["big-parallel"])
            #expect(torch.USE_NCCL == "1")

            #expect(torch.variant == variant.name)

            // Every wheel of the plan, fetched by URL and SRI hash: the components' artifacts
            // and the closure's locked wheels (the files the other backends install).
            var expected: [String: (version: String, url: String, hash: String, file: String)] = [:]
            for package in plan.pythonClosure?.packages ?? [] {
                let wheel = try #require(package.wheel)
                expected[package.normalizedName] = (package.version, wheel.url, wheel.digest.sri, wheel.filename)
            }
            for component in wheels {
                let artifact = try #require(component.artifact)
                expected[component.name] = (component.version, artifact.url, artifact.digest.sri, artifact.filename)
            }
            #expect(facts.wheels.count == expected.count)
            #expect(Set(facts.wheels.map(\.pname)) == Set(expected.keys))
            for wheel in facts.wheels {
                let want = try #require(expected[wheel.pname])
                #expect(wheel.fetcher == "fetchurl" && wheel.url == want.url && wheel.hash == want.hash && wheel.name == want.file, "\(wheel.pname)")
                #expect(wheel.version == want.version && wheel.hash.hasPrefix("sha256-"))
            }
            #expect(!facts.wheels.contains { $0.pname == "torch" })
            // One environment: every wheel installed by one pip call, then autoPatchelf over it.
            let env = facts.env
            #expect(env.pname == "\(variant.name)-python-env" && env.dontUnpack)
            #expect(env.srcs.count == expected.count)
            #expect(env.installPhase.contains("--no-deps --no-index --no-compile --no-warn-script-location --prefix \"$out\" dist/*.whl"), "\(env.installPhase)")
            #expect(env.installPhase.contains("echo \"/nix/store/00000000000000000000000000000000-torch-2.9.1/lib/python3.12/site-packages\" > \"$out/lib/python3.12/site-packages/sglang-forge-torch.pth\""))
            #expect(env.preFixup.contains("addAutoPatchelfSearchPath \"/nix/store/00000000000000000000000000000000-torch-2.9.1/lib/python3.12/site-packages/torch/lib\""))
            #expect(env.nativeBuildInputs == ["auto-patchelf-hook", "python3-3.12", "pip-0"])
            #expect(env.buildInputs == ["cuda_cudart-12.8", "cuda_nvrtc-12.8", "libcublas-12.8", "gcc-lib", "numactl", "torch-2.9.1"])
            #expect(env.autoPatchelfIgnoreMissingDeps == ["libcuda.so.1"])
            let checked = wheels.filter(\.importCheck).map(\.importName)
            #expect(env.doInstallCheck == !checked.isEmpty)
            for module in checked { #expect(env.installCheckPhase.contains("'\(module)'")) }
            // The runtime manifest the package installs is the one every backend renders.
            #expect(facts.manifest == (try RuntimeManifest.render(plan, variant: variant)))
            #expect(facts.wrapper.contains("$out/share/sglang-forge/runtime.json"))
            #expect(facts.wrapper.contains("'--set' 'NIX_PYTHONPATH' '/nix/store/00000000000000000000000000000000-\(variant.name)-python-env-0.5.9/lib/python3.12/site-packages'"), "\(facts.wrapper)")
            #expect(facts.wrapper.contains("'--set-default' 'CUDA_HOME' '/nix/store/00000000000000000000000000000000-cudatoolkit-12.8'"))
            #expect(facts.wrapper.contains(#"'--run' 'export FLASHINFER_JIT_DIR="${FLASHINFER_JIT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flashinfer}"'"#))
        }
    }

    // MARK: command line

    @Test func emitCommandWritesTheFlakeAndReportsUnpinnedWheels() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("nix-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let spec = Repository.root.appendingPathComponent(Self.pinnedSpec).path
        let first = try Nix.run([Repository.executable("sglang-forge").path, "emit", "--backend", "nix", spec, "-o", out.path])
        #expect(first.stderr.contains("nix: wrote 27 files"), "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("flake.lock").path))
        let again = try Nix.run([Repository.executable("sglang-forge").path, "emit", "--backend", "nix", spec, "-o", out.path, "--dry-run"])
        #expect(again.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("unchanged") }, "\(again.stdout)")

        // The same spec without its lock: every index wheel unpinned and no closure; errors at
        // the wheels, and nothing written.
        let unlockedSpec = out.path + "-unlocked.yaml"
        try FileManager.default.copyItem(atPath: spec, toPath: unlockedSpec)
        defer { try? FileManager.default.removeItem(atPath: unlockedSpec) }
        let failed = try Nix.run([Repository.executable("sglang-forge").path, "emit", "--backend", "nix", unlockedSpec, "-o", out.path + "-unlocked"], allowFailure: true)
        let sglangLine = try #require(try String(contentsOfFile: spec, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).firstIndex(of: "  sglang:")) + 1
        #expect(failed.stderr.contains("\(unlockedSpec):\(sglangLine):3: error: wheel 'sglang' 0.5.9 has no pinned artifact"), "\(failed.stderr)")
        #expect(failed.stderr.contains("\(unlockedSpec):\(sglangLine):3: error: component 'sglang' needs Python packages from the runtime package set, but the plan has no locked Python closure"), "\(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path + "-unlocked"))
    }

    // MARK: goldens

    /// specs/main.yaml: goldens once its wheels are locked; until then, exactly the unpinned-wheel
    /// errors (checked above) and no golden directory that could go stale.
    @Test(arguments: ["flake", "flox"]) func mainSpecMatchesGoldensOnceLocked(layout: String) throws {
        let plan = try PlanFixtures.plan("specs/main.yaml")
        let golden = Fixtures.root.appendingPathComponent("golden/nix/main-\(layout)")
        if plan.components.contains(where: { $0.kind == .wheel && $0.artifact == nil }) {
            #expect(!FileManager.default.fileExists(atPath: golden.path), "stale goldens for an unlocked spec")
            return
        }
        try Golden.expect(try NixBackend().render(plan, layout: layout), matches: golden)
    }
}
