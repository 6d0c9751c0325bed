import BackendCore
import ContainerBackend
import ForgeTestSupport
import Foundation
import Planner
import Spec
import Testing

/// Fixtures, plans and external oracles for the container backend's tests.
enum ContainerFixtures {
    /// The repository root.
    static let root = Repository.root
    /// Paths as the CLI sees them from the repository root (they appear in the generated headers).
    static let specPath = Fixtures.pinnedSpec
    static let closurePath = Fixtures.pinnedClosure
    static let torchBuildPath = Fixtures.pinnedTorchBuild
    static let goldens = "\(Fixtures.relativePath)/golden/container"

    static var specText: String { get throws { try Fixtures.text(specPath) } }

    /// Renders and returns the emit error's diagnostics (empty when rendering succeeded).
    static func emitErrors(_ plan: BuildPlan, layout: String = "bake") -> [Diagnostic] {
        do {
            _ = try ContainerBackend().render(plan, layout: layout)
            return []
        } catch {
            return error.diagnostics
        }
    }

    /// The 1-based line and column where `needle` starts in `text` (first occurrence).
    static func position(of needle: String, in text: String) -> (line: Int, column: Int)? {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let range = line.range(of: needle) {
                return (index + 1, line.distance(from: line.startIndex, to: range.lowerBound) + 1)
            }
        }
        return nil
    }
}
