import Planner
import Spec

/// Which variants and which backends' artifacts a proposal changes, read from the spec's plan:
/// a variant needs a component when the component's graph node is in the variant's `order`.
///
/// Source components (torch) are built once per variant with its GPU targets and ISA flags, so
/// moving one rebuilds every variant that needs it; nixpkgs and the CUDA release feed every
/// build. A wheel changes the Python layer of the variants that need it, without a source
/// rebuild. Every backend (Nix, container, tarball) renders every component, so all three change.
struct RebuildImpactCalculator {
    let spec: Spec
    let plan: BuildPlan?

    init(spec: Spec) {
        self.spec = spec
        plan = Planner.plan(spec).plan
    }

    func impact(of proposal: Proposal) -> RebuildImpact {
        let variants = plan?.variants ?? []
        var source = Set<String>(), wheels = Set<String>()
        var reasons: [String] = []
        for change in proposal.changes + (proposal.cuda.map { [$0] } ?? []) {
            switch change.kind {
            case .nixpkgs, .cuda:
                source.formUnion(variants.map(\.name))
                reasons.append("\(change.component) feeds every build: all \(variants.count) variants rebuild")
            case .source:
                let needing = variants.filter { needs($0, change.component) }.map(\.name)
                source.formUnion(needing)
                reasons.append("\(change.component) is built from source per variant: \(needing.count == variants.count ? "every variant" : "\(needing.count) variants") rebuild\(needing.count == 1 ? "s" : "")")
            case .indexWheel, .urlWheel:
                let needing = variants.filter { needs($0, change.component) }.map(\.name)
                wheels.formUnion(needing)
                reasons.append("\(change.name) is a wheel: the Python layer of \(needing.count == variants.count ? "every variant" : "\(needing.count) variants") changes, no source rebuild")
            }
        }
        return RebuildImpact(sourceRebuilds: source.sorted(), wheelChanges: wheels.subtracting(source).sorted(),
                             backends: ["container", "nix", "tarball"], reasons: reasons)
    }

    private func needs(_ variant: PlannedVariant, _ component: String) -> Bool {
        variant.order.contains { $0.name == component }
    }
}
