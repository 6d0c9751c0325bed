import Foundation

/// The plain-text report `bump` prints: one block per proposal, the skipped packages, the
/// index views used, and (for a dry run) every PR body.
public enum ReportText {
    /// Renders `report`; `bodies`: append each proposal's PR body (Markdown).
    public static func render(_ report: BumpReport, bodies: Bool) -> String {
        var out = ""
        if report.proposals.isEmpty { out += "nothing to propose\n" }
        for p in report.proposals {
            out += "proposal \(p.group) [\(p.status.rawValue)]: \(p.title)\n"
            out += "  branch \(p.branch)\n"
            let rows = (p.changes + (p.cuda.map { [$0] } ?? [])).map { c in
                [c.renamedTo.map { "\(c.component) → \($0)" } ?? c.component, PullRequestBody.short(c), "→", PullRequestBody.short(c, new: true), c.uploaded ?? "–"]
            }
            let widths = (0..<5).map { i in rows.map { $0[i].count }.max() ?? 0 }
            for row in rows {
                out += "  " + row.enumerated().map { i, cell in i == 4 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: " ") + "\n"
            }
            for w in p.removedWaivers { out += "  waiver removed: \(w.component): \(w.requirement)\n" }
            for n in p.notes { out += "  note: \(n)\n" }
            for b in p.blockers { out += "  not applied: \(b)\n" }
            for c in p.checks { out += "  \(c.step.rawValue): \(c.passed ? "ok" : "FAILED") — \(c.detail)\n" }
            for h in p.heldBack { out += "  held back: \(h.package) \(h.version): \(h.reason)\n" }
            if let url = p.pullRequest { out += "  pull request: \(url)\n" }
        }
        if !report.skipped.isEmpty {
            out += "\nno proposal:\n"
            for s in report.skipped { out += "  \(s.package): \(s.reason)\n" }
        }
        if !report.sources.isEmpty {
            out += "\nindex views:\n"
            for s in report.sources {
                var line = "  \(s.project): \(s.source.rawValue)"
                if s.onlyInHTML > 0 { line += ", \(s.onlyInHTML) file(s) only on the HTML page" }
                if s.onlyInJSON > 0 { line += ", \(s.onlyInJSON) file(s) only on the JSON page" }
                out += line + "\n"
            }
        }
        for e in report.errors { out += "error: \(e)\n" }
        out += "\ndownloaded \(report.bytesDownloaded) bytes in \(report.responses) HTTP responses\n"
        if bodies {
            for p in report.proposals {
                out += "\n===== PR body: \(p.branch) =====\n" + PullRequestBody.render(p, skipped: p.group == report.proposals.first?.group ? report.skipped : [])
            }
        }
        return out
    }
}
