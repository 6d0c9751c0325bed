import BackendCore
import ContainerBackend
import BackendTestSupport
import ForgeTestSupport
import Foundation
import Planner
import Testing

/// The emitted files checked by tools that know nothing of sglang-forge: hadolint, the official
/// BuildKit Dockerfile parser (PyPI `dockerfile`) and python-hcl2. A missing tool fails the test
/// with the install command.
@Suite("Container backend: external oracles", .serialized)
struct ContainerOracleTests {
    /// Every Containerfile of both layouts, written to a temporary directory.
    static func emitted() throws -> (directory: URL, plan: BuildPlan, containerfiles: [String]) {
        let plan = try PlanFixtures.pinned()
        let bake = try ContainerBackend().render(plan, layout: "bake").map { GeneratedFile(path: "bake/" + $0.path, contents: $0.contents) }
        let perVariant = try ContainerBackend().render(plan, layout: "per-variant").map { GeneratedFile(path: "per-variant/" + $0.path, contents: $0.contents) }
        let directory = try PlanFixtures.write(bake + perVariant)
        let containerfiles = (bake + perVariant).filter { $0.path.hasSuffix("/Containerfile") }.map { directory.appendingPathComponent($0.path).path }
        return (directory, plan, containerfiles)
    }

    @Test func hadolintReportsNoErrorOrWarning() throws {
        guard Oracles.available() else { return }
        let (directory, _, containerfiles) = try Self.emitted()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(containerfiles.count == 19)
        for file in containerfiles {
            let result = try Oracles.run(["hadolint", "--no-color", "--failure-threshold", "warning", file])
            let findings = result.stdout.split(separator: "\n").filter { $0.contains(" error: ") || $0.contains(" warning: ") }
            #expect(result.status == 0 && findings.isEmpty, "hadolint on \(file):\n\(result.stdout)\(result.stderr)")
        }
    }

    @Test func theMainSpecsGoldensPassEveryOracle() throws {
        guard Oracles.available() else { return }
        let directory = ContainerFixtures.root.appendingPathComponent("\(ContainerFixtures.goldens)/main")
        let containerfile = directory.appendingPathComponent("Containerfile").path
        let hadolint = try Oracles.run(["hadolint", "--no-color", "--failure-threshold", "warning", containerfile])
        let findings = hadolint.stdout.split(separator: "\n").filter { $0.contains(" error: ") || $0.contains(" warning: ") }
        #expect(hadolint.status == 0 && findings.isEmpty, "hadolint on \(containerfile):\n\(hadolint.stdout)\(hadolint.stderr)")
        let parsed = try Oracles.parseDockerfiles([containerfile])
        let instructions = try #require(parsed[containerfile] as? [[String: Any]], "the BuildKit parser rejected \(containerfile): \(String(describing: parsed[containerfile]))")
        let froms = instructions.filter { $0["cmd"] as? String == "FROM" }.compactMap { $0["value"] as? [String] }
        #expect(froms.map { $0.first ?? "" } == [
            "nvidia/cuda:12.8.1-cudnn-devel-ubuntu22.04@sha256:ad6d59a3bbf3e82c1c849c9ac09cfc2a3e0bbb8655042fd899be6681b3fe2a85",
            "build-base", "torch-source", "scratch",
            "nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04@sha256:24c8e3581ea6330038b0d374920721983312627f8adbfcf390bdb4b399d280ed",
        ])
        let (groups, targets) = try Oracles.parseBake(directory.appendingPathComponent("docker-bake.hcl").path)
        #expect(targets.count == 14 * 2 + 1)
        let wheelTargets = try #require(groups["torch-wheels"]?["targets"] as? [String])
        #expect(wheelTargets.count == 14 && Set(wheelTargets) == Set(targets.keys.filter { $0.hasSuffix("-torch-wheel") }))
    }

    @Test func theParserRejectsTheSeedsUnquotedFlags() throws {
        guard Oracles.available() else { return }
        // What a known generator emits; proves the oracle below can fail.
        let bad = try PlanFixtures.write([GeneratedFile(path: "Containerfile", contents: "FROM scratch\nENV CXXFLAGS=-mavx512f -mavx512dq\n")])
        defer { try? FileManager.default.removeItem(at: bad) }
        let path = bad.appendingPathComponent("Containerfile").path
        let parsed = try Oracles.parseDockerfiles([path])
        let error = (parsed[path] as? [String: Any])?["error"] as? String
        #expect(error?.contains("-mavx512dq") == true)
    }

    @Test func everyContainerfileParsesWithTheStageContract() throws {
        guard Oracles.available() else { return }
        let (directory, plan, containerfiles) = try Self.emitted()
        defer { try? FileManager.default.removeItem(at: directory) }
        let parsed = try Oracles.parseDockerfiles(containerfiles)
        for file in containerfiles {
            let instructions = try #require(parsed[file] as? [[String: Any]], "the BuildKit parser rejected \(file): \(String(describing: parsed[file]))")
            let froms = instructions.filter { $0["cmd"] as? String == "FROM" }.compactMap { $0["value"] as? [String] }
            #expect(froms.map { $0.last ?? "" } == ["build-base", "torch-source", "torch-build", "torch-wheel", "runtime"])
            for from in froms where from.first != "scratch" && !["build-base", "torch-source"].contains(from.first) {
                #expect(from.first?.contains("@sha256:") == true, "unpinned FROM \(from) in \(file)")
            }
            #expect(froms.first { $0.last == "torch-wheel" }?.first == "scratch")
            let copies = instructions.filter { $0["cmd"] as? String == "COPY" && ($0["flags"] as? [String]) == ["--from=torch-build"] }
            #expect(copies.map { $0["value"] as? [String] ?? [] } == [["/wheels/", "/"]])
            let entrypoint = instructions.last { $0["cmd"] as? String == "ENTRYPOINT" }
            #expect(entrypoint?["json"] as? Bool == true && entrypoint?["value"] as? [String] == [plan.runtime.entryPoint])
            let pipInstalls = instructions.filter { ($0["original"] as? String ?? "").contains("--require-hashes --no-deps -r ") }
            #expect(pipInstalls.count == 1)
        }
        // The shared file: the per-variant values come from build args, each one word.
        let shared = try #require(parsed[directory.appendingPathComponent("bake/Containerfile").path] as? [[String: Any]])
        let sharedEnv = Dictionary(Oracles.pairs(shared, "ENV"), uniquingKeysWith: { a, _ in a })
        #expect(sharedEnv["TORCH_CUDA_ARCH_LIST"] == "${TORCH_CUDA_ARCH_LIST}")
        #expect(sharedEnv["CFLAGS"] == "${ISA_FLAGS}" && sharedEnv["CXXFLAGS"] == "${ISA_FLAGS}")
        let args = shared.filter { $0["cmd"] as? String == "ARG" }.compactMap { ($0["value"] as? [String])?.first }
        #expect(args == ["TORCH_CUDA_ARCH_LIST", "ISA_FLAGS", "MAX_JOBS", "USE_CUDNN", "VARIANT", "DESCRIPTION", "GPU", "TORCH_CUDA_ARCH_LIST", "ISA", "ISA_FLAGS"])
        // Per-variant files: each ENV value survives the parser as exactly the variant's value.
        for variant in plan.variants {
            let file = directory.appendingPathComponent("per-variant/\(variant.name)/Containerfile").path
            let env = Dictionary(Oracles.pairs(try #require(parsed[file] as? [[String: Any]]), "ENV"), uniquingKeysWith: { a, _ in a })
            let flags = variant.isaFlags.joined(separator: " ")
            #expect(env["TORCH_CUDA_ARCH_LIST"] == variant.torchCudaArchList)
            #expect(env["CFLAGS"] == flags && env["CXXFLAGS"] == flags)
            #expect(env["MAX_JOBS"] == "16")
            #expect(env["USE_CUDNN"] == (variant.gpu == "sm61" ? "0" : nil))
            #expect(env["FLASHINFER_JIT_DIR"] == "/var/cache/sglang/flashinfer" && env["CUDA_HOME"] == "/usr/local/cuda")
            let labels = Dictionary(Oracles.pairs(try #require(parsed[file] as? [[String: Any]]), "LABEL"), uniquingKeysWith: { a, _ in a })
            #expect(labels["org.opencontainers.image.title"] == variant.name)
            #expect(labels["dev.sglang-forge.isa-flags"] == flags && labels["dev.sglang-forge.capabilities"] == variant.torchCudaArchList)
        }
    }

    @Test func bakeFileHasEighteenTargetsWithTheirArgs() throws {
        guard Oracles.available() else { return }
        let plan = try PlanFixtures.pinned()
        let files = try ContainerBackend().render(plan, layout: "bake")
        let directory = try PlanFixtures.write(files)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (groups, targets) = try Oracles.parseBake(directory.appendingPathComponent("docker-bake.hcl").path)

        let runtimeTargets = targets.filter { $0.value["target"] as? String == "runtime" }
        #expect(runtimeTargets.count == 18)
        #expect(Set(runtimeTargets.keys) == Set(plan.variants.map(\.name)))
        let isaFlags = Dictionary(uniqueKeysWithValues: plan.isas.map { ($0.name, $0.flags.joined(separator: " ")) })
        for variant in plan.variants {
            let target = try #require(runtimeTargets[variant.name])
            let args = try #require(target["args"] as? [String: String])
            #expect(args["TORCH_CUDA_ARCH_LIST"] == variant.torchCudaArchList)
            #expect(args["ISA_FLAGS"] == isaFlags[variant.isa])
            #expect(args["MAX_JOBS"] == "16")
            #expect(args["USE_CUDNN"] == (variant.gpu == "sm61" ? "0" : nil), "\(variant.name): USE_CUDNN")
            if variant.gpu == "all" { #expect(args["TORCH_CUDA_ARCH_LIST"] == "7.5;8.0;8.6;8.9;9.0;10.0;12.0") }
            #expect(target["inherits"] as? [String] == ["_common"])
            #expect(target["tags"] as? [String] == ["${REGISTRY}\(variant.name):0.5.9"])
            let labels = try #require(target["labels"] as? [String: String])
            #expect(labels["org.opencontainers.image.title"] == variant.name)
            #expect(labels["org.opencontainers.image.base.digest"] == "sha256:24c8e3581ea6330038b0d374920721983312627f8adbfcf390bdb4b399d280ed")

            // Contract with the tarball backend.
            let wheel = try #require(targets["\(variant.name)-torch-wheel"])
            #expect(wheel["target"] as? String == "torch-wheel")
            #expect(wheel["output"] as? [String] == ["type=local,dest=out/\(variant.name)/torch-wheel"])
            #expect(wheel["args"] as? [String: String] == args)
        }
        #expect(targets.count == 18 * 2 + 1)
        #expect(targets["_common"]?["dockerfile"] as? String == "Containerfile")
        #expect(groups["default"]?["targets"] as? [String] == plan.variants.map(\.name))
        #expect(groups["sm90"]?["targets"] as? [String] == ["sglang-python312-cuda12_8-sm90-avx2", "sglang-python312-cuda12_8-sm90-avx512"])
        #expect(groups["all"]?["targets"] as? [String] == ["sglang-python312-cuda12_8-all-avx2", "sglang-python312-cuda12_8-all-avx512"])
        #expect(groups["torch-wheels"]?["targets"] as? [String] == plan.variants.map { $0.name + "-torch-wheel" })
        #expect(groups.count == 1 + 9 + 1)
    }
}
