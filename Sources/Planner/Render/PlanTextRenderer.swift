import Spec
/// Renders a ``BuildPlan`` for people: a summary, the ISA and variant tables, the runtime
/// environment, and the dependency graph as a tree in the style of the replaced build's README
/// (`cargo tree`'s `(*)` marks a subtree already shown).
struct PlanTextRenderer {
    let plan: BuildPlan

    func render() -> String {
        var out: [String] = []
        let r = plan.runtime
        out.append("\(r.name) \(r.version)" + (r.summary.map { " — \($0)" } ?? ""))
        var glibc = r.glibc.minimum.map { "glibc ≥ \($0) (target \(r.glibc.target))" } ?? "glibc target \(r.glibc.target)"
        if !r.glibc.unknown.isEmpty {
            glibc += "; \(r.glibc.unknown.count) wheel\(r.glibc.unknown.count == 1 ? "" : "s") not locked yet, so their glibc need is unknown"
        }
        out += Self.table([
            ["  spec", plan.spec],
            ["  platform", "\(r.platform.rawValue), CPython \(r.python.version) (\(r.python.tag)), \(glibc)"],
            ["  cuda", "\(r.cuda.version) (\(r.cuda.nixPackageSet)), NVIDIA driver ≥ \(r.cuda.minDriver)"],
            ["  nixpkgs", plan.nixpkgs.flakeRef + (plan.nixpkgs.narHash.map { " narHash \($0)" } ?? " (no narHash recorded)")],
            ["  build", buildSummary()],
            ["  entry point", r.entryPoint],
        ])
        out.append("")
        out.append("ISAs")
        out += Self.table(plan.isas.map { ["  \($0.name)", $0.label, $0.flags.joined(separator: " "), $0.cpus ?? ""] })
        out.append("")
        out.append("\(plan.variants.count) variant\(plan.variants.count == 1 ? "" : "s")")
        var rows = [["  VARIANT", "GPU", "ARCHITECTURE", "EXAMPLE GPUS", "CAPABILITIES", "ISA", "BUILD"]]
        let gpus = Dictionary(plan.gpus.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for v in plan.variants {
            let gpu = gpus[v.gpu]
            var notable = v.buildEnv.map { "\($0.name)=\($0.value)" }
            if v.maxJobs != plan.build.maxJobs { notable.append("max-jobs \(v.maxJobs)") }
            rows.append(["  \(v.name)", v.gpu, gpu?.architecture ?? "", gpu?.examples.joined(separator: ", ") ?? "",
                         v.torchCudaArchList, v.isa, notable.isEmpty ? "-" : notable.joined(separator: " ")])
        }
        out += Self.table(rows)
        let reasons = Set(plan.variants.flatMap { $0.buildEnv.compactMap { s in s.reason.map { "\(s.name)=\(s.value): \($0)" } } }).sorted()
        for reason in reasons { out.append("  note: \(reason)") }
        if !plan.environment.isEmpty {
            out.append("")
            out.append("Runtime environment")
            out += Self.table(plan.environment.map { ["  \($0.name)", $0.value, $0.why ?? ""] })
        }
        out.append("")
        out += tree()
        return out.joined(separator: "\n") + "\n"
    }

    private func buildSummary() -> String {
        let b = plan.build
        var parts = ["max-jobs \(b.maxJobs)"]
        if !b.systemFeatures.isEmpty { parts.append("system features: \(b.systemFeatures.joined(separator: ", "))") }
        if let disk = b.diskGB { parts.append("~\(disk) GB disk") }
        if let memory = b.memoryGB { parts.append("\(memory) GB RAM") }
        return parts.joined(separator: ", ") + " per variant"
    }

    // MARK: tree

    private func tree() -> [String] {
        guard let first = plan.variants.first else { return ["Dependency graph: no variants selected"] }
        let single = plan.variants.count == 1
        var lines: [(String, String)] = []
        if single {
            lines.append((first.name, "(variant entry point)"))
        } else {
            lines.append(("<variant>", "(each of the \(plan.variants.count) variants above)"))
        }
        let nodes = Dictionary(plan.graph.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let components = Dictionary(plan.components.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let libraries = Dictionary(plan.systemLibraries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var shown = Set<PlanNodeID>()

        func children(of id: PlanNodeID) -> [PlanNodeID] { nodes[id]?.dependsOn ?? [] }

        func visit(_ ids: [PlanNodeID], prefix: String) {
            let python = ids.filter { $0.kind == .python }
            let libs = ids.filter { $0.kind == .library }
            let comps = ids.filter { $0.kind == .component }
            var entries: [(label: String, note: String, component: PlannedComponent?)] = []
            for id in comps {
                guard let c = components[id.name] else { continue }
                entries.append(("\(c.name) \(c.version)", "", c))
            }
            let linked = libs.compactMap { libraries[$0.name] }
            let byProvider = Dictionary(grouping: linked, by: \.provider)
            for provider in [LibraryProvider.cuda, .system, .driver] {
                guard let group = byProvider[provider], !group.isEmpty else { continue }
                let label = group.map(\.name).joined(separator: ", ")
                let sonames = group.flatMap(\.sonames).joined(separator: ", ")
                let note = provider == .driver ? "(from the NVIDIA driver, never bundled: \(sonames))" : "(\(provider.rawValue): \(sonames))"
                entries.append((label, note, nil))
            }
            if !python.isEmpty {
                let names = python.map(\.name)
                entries.append(("\(names.count) Python package\(names.count == 1 ? "" : "s")", "(runtime package set): \(names.joined(separator: ", "))", nil))
            }
            for (index, entry) in entries.enumerated() {
                let last = index == entries.count - 1
                let branch = prefix + (last ? "└── " : "├── ")
                let childPrefix = prefix + (last ? "    " : "│   ")
                guard let c = entry.component else {
                    lines.append((branch + entry.label, entry.note))
                    continue
                }
                let id = PlanNodeID.component(c.name)
                if shown.contains(id) {
                    lines.append((branch + entry.label, "(*)"))
                    continue
                }
                shown.insert(id)
                lines.append((branch + entry.label, "(\(describe(c)))"))
                var extra: [String] = []
                if c.perVariant {
                    if single {
                        extra.append("gpuTargets = [ \(first.capabilities.map { "\"\($0)\"" }.joined(separator: " ")) ]")
                        extra.append("CXXFLAGS = \(first.isaFlags.joined(separator: " "))")
                        for setting in first.buildEnv { extra.append("\(setting.name) = \(setting.value)") }
                    } else {
                        extra.append("gpuTargets, CXXFLAGS and build env: per variant, as in the table")
                    }
                }
                let sub = children(of: id)
                for (k, text) in extra.enumerated() {
                    let lastExtra = k == extra.count - 1 && sub.isEmpty
                    lines.append((childPrefix + (lastExtra ? "└── " : "├── ") + text, ""))
                }
                if !sub.isEmpty { visit(sub, prefix: childPrefix) }
            }
        }
        visit(first.roots, prefix: "")
        let width = min(lines.map { $0.0.count }.max() ?? 0, 60) + 2
        return ["Dependency graph"] + lines.map { label, note in
            note.isEmpty ? label : label.padding(toLength: max(width, label.count + 1)) + note
        }
    }

    private func describe(_ c: PlannedComponent) -> String {
        var parts: [String] = []
        parts.append(c.perVariant ? "source build per variant" : "wheel")
        if c.requiresDist == .strip { parts.append("Requires-Dist stripped") }
        if let artifact = c.artifact { parts.append("pinned \(artifact.filename)") }
        if !c.importCheck { parts.append("no import check") }
        if let note = c.note { parts.append(note) }
        return parts.joined(separator: ", ")
    }

    /// Left-aligned columns separated by two spaces; trailing spaces trimmed.
    static func table(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            var line = ""
            for (i, cell) in row.enumerated() {
                line += i == row.count - 1 ? cell : cell.padding(toLength: widths[i] + 2)
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
