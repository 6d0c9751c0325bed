import ForgeTestSupport
import Foundation
import Packaging
import Planner
import Spec
import Testing

/// The plan of the real spec, `specs/main.yaml`, in every format, against golden files.
@Suite struct PlanGoldenTests {
    static func mainPlan() throws -> BuildPlan {
        let (spec, diagnostics) = SpecLoader.decode([UInt8](try Data(contentsOf: Repository.root.appendingPathComponent("specs/main.yaml"))), path: "specs/main.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let (plan, planDiagnostics) = Planner.plan(try #require(spec))
        #expect(planDiagnostics.isEmpty, "\(planDiagnostics)")
        return try #require(plan)
    }

    @Test func text() throws { try Golden.expect(Self.mainPlan().rendered(as: .text), matches: "Tests/Fixtures/golden/plan.txt") }
    @Test func json() throws { try Golden.expect(Self.mainPlan().rendered(as: .json), matches: "Tests/Fixtures/golden/plan.json") }
    @Test func dot() throws { try Golden.expect(Self.mainPlan().rendered(as: .dot), matches: "Tests/Fixtures/golden/plan.dot") }
    @Test func oneVariantText() throws {
        try Golden.expect(Self.mainPlan().filtered(variants: ["*-sm90-avx512"]).rendered(as: .text), matches: "Tests/Fixtures/golden/plan-sm90-avx512.txt")
    }

    @Test func theMatrixOfTheSeed() throws {
        let plan = try Self.mainPlan()
        // The seed's 18 variants less sm61 and sm75, which sgl-kernel 0.3.21 has no code for
        // (`sglang-forge audit specs/main.yaml`; the spec's matrix comment).
        #expect(plan.variants.count == 14)
        let gpus = ["sm80", "sm86", "sm89", "sm90", "sm100", "sm120", "all"]
        #expect(plan.variants.map(\.name) == gpus.flatMap { g in ["avx2", "avx512"].map { "sglang-python312-cuda12_8-\(g)-\($0)" } })
        for variant in plan.variants {
            let cudnnOff = variant.buildEnv.contains { $0.name == "USE_CUDNN" && $0.value == "0" }
            #expect(!cudnnOff, "\(variant.name)")
            #expect(variant.isaFlags == (variant.isa == "avx2" ? ["-mavx2", "-mfma", "-mf16c"] : ["-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mfma"]))
            #expect(variant.maxJobs == 16)
            #expect(variant.systemFeatures == ["big-parallel"])
        }
        #expect(plan.variants.first { $0.name.hasSuffix("all-avx2") }?.torchCudaArchList == "8.0;8.6;8.9;9.0;10.0;12.0")
        #expect(plan.variants.first { $0.name.hasSuffix("sm90-avx512") }?.torchCudaArchList == "9.0")
        #expect(plan.runtime.python.tag == "cp312")
        #expect(plan.runtime.cuda.minDriver.description == "550")
        #expect(plan.runtime.glibc.minimum == GlibcVersion(major: 2, minor: 28))
        #expect(plan.nixpkgs.narHash?.sri == "sha256-0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMQ=")
        let versions = Dictionary(uniqueKeysWithValues: plan.components.map { ($0.name, $0.version) })
        #expect(versions == [
            "sglang": "0.5.9", "torch": "2.9.1", "sgl-kernel": "0.3.21", "flashinfer-python": "0.6.5",
            "flashinfer-cubin": "0.6.5", "flashinfer-jit-cache": "0.6.5+cu128", "apache-tvm-ffi": "0.1.9", "xgrammar": "0.1.27",
        ])
        // Dependencies come before their dependents in every variant's order.
        let order = try #require(plan.variants.first).order
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        for node in plan.graph where position[node.id] != nil {
            for dependency in node.dependsOn { #expect(position[dependency]! < position[node.id]!, "\(dependency) before \(node.id)") }
        }
        #expect(order.last == .component("torch") || order.last == .component("sglang"))
    }

    @Test func planIsDeterministic() throws {
        #expect(try Self.mainPlan().rendered(as: .json) == Self.mainPlan().rendered(as: .json))
    }

    @Test func jsonRoundTrips() throws {
        let plan = try Self.mainPlan()
        let decoded = try JSONDecoder().decode(BuildPlan.self, from: Data(plan.rendered(as: .json).utf8))
        #expect(decoded == plan)
        #expect(decoded.schema == "sglang-forge/plan" && decoded.schemaVersion == 1)
    }
}
