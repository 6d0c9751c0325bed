import BackendCore
import ContainerBackend
import BackendTestSupport
import ForgeTestSupport
import Foundation
import Planner
import Spec
import Testing

import LockReading

/// The torch build: the builder base's glibc, the hashed build requirements, the pinned CPython,
/// the variant's build settings, and the torch-wheel contract with the tarball backend.
@Suite("Container backend: the torch build stages")
struct TorchBuildStageTests {
    /// Plans spec text and returns every diagnostic of the planner (errors and warnings).
    static func planDiagnostics(_ spec: String) throws -> (BuildPlan?, [Diagnostic]) {
        let (decoded, loadDiagnostics) = SpecLoader.decode(Array(spec.utf8), path: ContainerFixtures.specPath)
        #expect(loadDiagnostics.filter { $0.severity == .error }.isEmpty, "\(loadDiagnostics)")
        return Planner.plan(try #require(decoded))
    }

    /// The build stages (everything before `AS runtime`) of a Containerfile.
    static func buildStages(_ containerfile: String) throws -> Substring {
        let runtime = try #require(containerfile.range(of: " AS runtime\n"))
        return containerfile[..<runtime.lowerBound]
    }

    // MARK: glibc of the builder base

    @Test func aBuilderWithANewerGlibcThanTheTargetIsALocatedError() throws {
        let spec = try ContainerFixtures.specText.replacingOccurrences(of: "  builder-glibc: 2.35\n", with: "  builder-glibc: 2.39\n")
        let (plan, diagnostics) = try Self.planDiagnostics(spec)
        #expect(plan == nil)
        let errors = diagnostics.filter { $0.severity == .error }
        let position = try #require(ContainerFixtures.position(of: "builder-glibc: 2.39", in: spec))
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        #expect(error.file == ContainerFixtures.specPath)
        #expect(error.location?.line == position.line && error.location?.column == position.column + "builder-glibc: ".count)
        #expect(error.message == "the source components are built on 'nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04', whose glibc 2.39 is newer than runtime.glibc 2.35 (the oldest target host): the wheels built there would need glibc 2.39; use a builder image whose glibc is at most 2.35, e.g. a CUDA devel image on Ubuntu 22.04 (glibc 2.35) or a manylinux_2_28 builder")
        let runtimeGlibc = try #require(ContainerFixtures.position(of: "glibc: 2.35", in: spec))
        #expect(error.notes.map { $0.location?.line } == [runtimeGlibc.line])
    }

    @Test func withoutABuilderTheBaseImageIsTheBuilderAndItsGlibcIsChecked() throws {
        let spec = try ContainerFixtures.specText
            .replacingOccurrences(of: "  builder-image: nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04\n", with: "")
            .replacingOccurrences(of: "  builder-digest: sha256:ad6d59a3bbf3e82c1c849c9ac09cfc2a3e0bbb8655042fd899be6681b3fe2a85\n", with: "")
            .replacingOccurrences(of: "  builder-glibc: 2.35\n", with: "")
        let (plan, diagnostics) = try Self.planDiagnostics(spec)
        #expect(plan == nil)
        let errors = diagnostics.filter { $0.severity == .error }
        let position = try #require(ContainerFixtures.position(of: "base-glibc: 2.39", in: spec))
        #expect(errors.map { $0.location?.line } == [position.line])
        #expect(errors.first?.location?.column == position.column + "base-glibc: ".count)
        #expect(errors.first?.message.hasPrefix("the source components are built on 'nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04', whose glibc 2.39 is newer than runtime.glibc 2.35") == true)
        #expect(errors.first?.message.contains("add a 'builder-image'") == true)
    }

    @Test func aBuilderWithoutAStatedGlibcIsALocatedError() throws {
        let spec = try ContainerFixtures.specText.replacingOccurrences(of: "  builder-glibc: 2.35\n", with: "")
        let (plan, diagnostics) = try Self.planDiagnostics(spec)
        #expect(plan == nil)
        let position = try #require(ContainerFixtures.position(of: "nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04", in: spec))
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.location?.line == position.line && errors.first?.location?.column == position.column)
        #expect(errors.first?.message.hasPrefix("state the glibc of 'nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04', the image the source components are built on: 'builder-glibc: major.minor'") == true)
        #expect(errors.first?.message.contains("`docker run --rm nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04 ldd --version`") == true)
    }

    @Test func aMalformedGlibcIsRefusedByTheLoader() throws {
        let spec = try ContainerFixtures.specText.replacingOccurrences(of: "  builder-glibc: 2.35\n", with: "  builder-glibc: 2.35.1\n")
        let (decoded, diagnostics) = SpecLoader.decode(Array(spec.utf8), path: ContainerFixtures.specPath)
        #expect(decoded == nil)
        let position = try #require(ContainerFixtures.position(of: "2.35.1", in: spec))
        #expect(diagnostics.map(\.message) == ["'builder-glibc' must be a glibc version 'major.minor' such as '2.35' (`docker run --rm IMAGE ldd --version` prints it), found '2.35.1'"])
        #expect(diagnostics.first?.location?.line == position.line && diagnostics.first?.location?.column == position.column)
    }

    @Test func aBuilderWithoutADigestIsALocatedEmitError() throws {
        let spec = try ContainerFixtures.specText
            .replacingOccurrences(of: "  builder-digest: sha256:ad6d59a3bbf3e82c1c849c9ac09cfc2a3e0bbb8655042fd899be6681b3fe2a85\n", with: "")
        let errors = try ContainerFixtures.emitErrors(PlanFixtures.pinned(spec))
        let position = try #require(ContainerFixtures.position(of: "nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04", in: spec))
        #expect(errors.count == 1)
        #expect(errors.first?.location?.line == position.line && errors.first?.location?.column == position.column)
        #expect(errors.first?.message.hasPrefix("builder image 'nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04' is not pinned by digest") == true)
    }

    // MARK: build requirements

    @Test func aBuildRequirementWithoutAHashIsALocatedError() throws {
        var plan = try PlanFixtures.pinned()
        let torch = try #require(plan.components.firstIndex { $0.name == "torch" })
        let ninja = try #require(plan.components[torch].buildClosure?.packages.firstIndex { $0.normalizedName == "ninja" })
        plan.components[torch].buildClosure?.packages[ninja].sha256 = []
        let errors = ContainerFixtures.emitErrors(plan)
        let spec = try ContainerFixtures.specText
        let position = try #require(ContainerFixtures.position(of: "setuptools>=70.1.0,<80.0", in: spec))
        #expect(errors.count == 1)
        #expect(errors.first?.file == ContainerFixtures.specPath)
        #expect(errors.first?.location?.line == position.line && errors.first?.location?.column == position.column)
        #expect(errors.first?.message == "build requirement 'ninja==1.13.2' of 'torch' (\(ContainerFixtures.torchBuildPath)) has no hash; pip's --require-hashes refuses it: run `sglang-forge lock`")
    }

    @Test func anUnhashedLineInTheBuildRequirementsFileIsLocatedInTheFile() throws {
        let bad = try PlanFixtures.write([GeneratedFile(path: "torch-build.txt", contents: "ninja==1.13.2 --hash=sha256:09de9ab04f7352f51570c73fd4913acb1e6c24be0a72cd8b80243d4d3ed04925\nsetuptools==79.0.1\n")])
        defer { try? FileManager.default.removeItem(at: bad) }
        let path = bad.appendingPathComponent("torch-build.txt").path
        let result = try Oracles.run([Repository.executable("sglang-forge").path, "emit", "--backend", "container", ContainerFixtures.specPath,
                                      "--python-closure", ContainerFixtures.closurePath, "--build-requirements", "torch=\(path)", "--dry-run"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(path):2:1: error: 'setuptools==79.0.1' has no --hash=sha256:…"), "\(result.stderr)")
    }

    @Test func buildRequirementsWithoutTheLockAreALocatedError() throws {
        let spec = try ContainerFixtures.specText
        let errors = try ContainerFixtures.emitErrors(PlanFixtures.pinned(spec, buildRequirements: false))
        let position = try #require(ContainerFixtures.position(of: "setuptools>=70.1.0,<80.0", in: spec))
        #expect(errors.count == 1)
        #expect(errors.first?.location?.line == position.line && errors.first?.location?.column == position.column)
        #expect(errors.first?.message.hasPrefix("the build requirements of 'torch' have no hashes in the plan; run `sglang-forge lock`") == true)
    }

    @Test func aDeclaredBuildRequirementMissingFromTheLockedSetIsALocatedError() throws {
        var plan = try PlanFixtures.pinned()
        let torch = try #require(plan.components.firstIndex { $0.name == "torch" })
        plan.components[torch].buildClosure?.packages.removeAll { $0.normalizedName == "ninja" }
        let errors = ContainerFixtures.emitErrors(plan)
        let position = try #require(ContainerFixtures.position(of: "- ninja", in: try ContainerFixtures.specText))
        #expect(errors.map { $0.location?.line } == [position.line])
        #expect(errors.first?.location?.column == position.column + 2)
        #expect(errors.first?.message == "build requirement 'ninja' of 'torch' is not in its hashed build requirements (\(ContainerFixtures.torchBuildPath)); run `sglang-forge lock`")
    }

    @Test func aSourceComponentWithoutBuildRequiresIsALocatedError() throws {
        let spec = try ContainerFixtures.specText
            .replacingOccurrences(of: "    build-requires:\n      - setuptools>=70.1.0,<80.0\n      - ninja\n", with: "")
        let errors = try ContainerFixtures.emitErrors(PlanFixtures.pinned(spec))
        let position = try #require(ContainerFixtures.position(of: "  torch:", in: spec))
        #expect(errors.count == 1)
        #expect(errors.first?.location?.line == position.line && errors.first?.location?.column == 3)
        #expect(errors.first?.message.hasPrefix("source component 'torch' declares no 'build-requires'") == true)
    }

    @Test func badBuildRequiresAreLocatedPlannerErrors() throws {
        let spec = try ContainerFixtures.specText
            .replacingOccurrences(of: "      - ninja\n", with: "      - ninja\n      - Ninja>=1\n      - numpy @ https://example.org/numpy.whl\n      - not a requirement!\n")
        let (plan, diagnostics) = try Self.planDiagnostics(spec)
        #expect(plan == nil)
        let errors = diagnostics.filter { $0.severity == .error }
        let lines = ["Ninja>=1", "numpy @ https", "not a requirement!"].map { ContainerFixtures.position(of: $0, in: spec)?.line }
        #expect(errors.map { $0.location?.line } == lines)
        #expect(errors.first?.message == "build requirement 'ninja' is listed twice in component 'torch'")
        #expect(errors.dropFirst().first?.message.hasPrefix("build requirement 'numpy @ https://example.org/numpy.whl' is a direct URL") == true)
        #expect(errors.last?.message.hasPrefix("build requirement 'not a requirement!' of component 'torch' is not a PEP 508 requirement") == true)
    }

    // MARK: the emitted stages

    @Test func theBuildStagesInstallOnlyHashedRequirementsWithThePinnedCPython() throws {
        let plan = try PlanFixtures.pinned()
        let files = try ContainerBackend().render(plan, layout: "bake")
        let build = try Self.buildStages(try #require(files.first { $0.path == "Containerfile" }).contents)
        // The builder base, by digest; nothing Python from the distribution's archive.
        #expect(build.contains("FROM nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04@sha256:ad6d59a3bbf3e82c1c849c9ac09cfc2a3e0bbb8655042fd899be6681b3fe2a85 AS build-base\n"))
        #expect(build.contains("if [ \"$glibc\" != 2.35 ]; then"))
        let apt = try #require(build.split(separator: "\n").first { $0.contains("apt-get install") })
        #expect(apt.hasSuffix("apt-get install --yes --no-install-recommends ca-certificates ccache curl g++ gcc git make \\"))
        #expect(!build.contains("python3-") && !build.contains("cmake ") && !build.contains("ninja-build"))
        // The CPython the tarball backend ships, checked before it is unpacked.
        let python = try #require(plan.tarball?.python)
        #expect(build.contains("echo '\(python.digest.hex)  /tmp/\(python.filename)' | sha256sum --check --strict"))
        // Every pip command either installs hashed wheels from the build requirements or downloads nothing.
        let pipLines = build.split(separator: "\n").filter { $0.contains(" -m pip ") }
        #expect(pipLines.count == 2)
        #expect(pipLines.allSatisfy { $0.contains("/opt/python/bin/python3.12 -m pip") })
        #expect(pipLines[0].contains("pip install --no-cache-dir --require-hashes --no-deps --only-binary=:all: -r /opt/build-requirements/torch-build.txt"))
        #expect(pipLines[1].contains("pip wheel --no-build-isolation --no-deps --no-index --wheel-dir /wheels ."))
        let requirements = try #require(files.first { $0.path == "requirements/torch-build.txt" }).contents
        let lines = requirements.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains("==") && $0.contains(" --hash=sha256:") })
        #expect(lines.first?.hasPrefix("ninja==1.13.2 --hash=sha256:09de9ab04f7352f51570c73fd4913acb1e6c24be0a72cd8b80243d4d3ed04925") == true)
    }

    @Test func theTorchBuildStageSetsTheVariantsBuildSettings() throws {
        let plan = try PlanFixtures.pinned()
        let files = try ContainerBackend().render(plan, layout: "per-variant")
        for variant in plan.variants {
            let containerfile = try #require(files.first { $0.path == "\(variant.name)/Containerfile" }).contents
            let build = try Self.buildStages(containerfile)
            let stage = try #require(build.range(of: " AS torch-build\n"))
            let torchBuild = build[stage.upperBound...]
            let flags = variant.isaFlags.joined(separator: " ")
            #expect(torchBuild.contains("TORCH_CUDA_ARCH_LIST=\"\(variant.torchCudaArchList)\""))
            #expect(torchBuild.contains("CFLAGS=\"\(flags)\"") && torchBuild.contains("CXXFLAGS=\"\(flags)\""))
            #expect(torchBuild.contains("MAX_JOBS=\"16\"") && torchBuild.contains("CMAKE_BUILD_PARALLEL_LEVEL=\"16\""))
            #expect(torchBuild.contains("USE_CUDNN=\"0\"") == (variant.gpu == "sm61"), "\(variant.name): USE_CUDNN only on SM61")
            #expect(torchBuild.contains("PYTORCH_BUILD_VERSION=\"2.9.1\""))
        }
        let sm61 = try #require(plan.variants.first { $0.gpu == "sm61" })
        #expect(sm61.torchCudaArchList == "6.1")
    }

    // MARK: the torch-wheel contract

    @Test func bothBackendsUseTheSharedTorchWheelContract() throws {
        let export = SourceWheelExport(component: "torch")
        #expect(export.stage == "torch-wheel")
        #expect(export.bakeGroup == "torch-wheels")
        #expect(export.bakeTarget(variant: "v") == "v-torch-wheel")
        #expect(export.outputDirectory(variant: "v") == "out/v/torch-wheel")
        #expect(export.wheelGlob(version: "2.9.1") == "torch-2.9.1*.whl")
        #expect(SourceWheelExport(component: "flash-attn").wheelGlob(version: "2.8.3") == "flash_attn-2.8.3*.whl")

        let plan = try PlanFixtures.pinned()
        let container = try ContainerBackend().render(plan, layout: "bake")
        let bake = try #require(container.first { $0.path == "docker-bake.hcl" }).contents
        let containerfile = try #require(container.first { $0.path == "Containerfile" }).contents
        #expect(containerfile.contains("FROM scratch AS \(export.stage)\n"))
        #expect(containerfile.contains("--mount=type=bind,from=\(export.stage),target=/tmp/\(export.stage)"))
        let variant = try #require(plan.variants.first)
        #expect(bake.contains("target \"\(export.bakeTarget(variant: variant.name))\" {"))
        #expect(bake.contains("\"type=local,dest=\(export.outputDirectory(variant: variant.name))\""))
    }
}
