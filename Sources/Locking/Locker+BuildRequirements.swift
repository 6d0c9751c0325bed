import Foundation
import Lock
import Spec

extension Locker {
    /// Resolves the `build-requires` of every source component with uv (``BuildRequirementsCompiler``)
    /// into `<lock>.<component>-build.txt`. Without the closure step (`--no-closure`, `--locked`)
    /// the previous lock's entries are kept when its inputs are unchanged.
    /// - Returns: the lock's entries, sorted by component; `nil` when no component declares any.
    func lockBuildRequirements(inputs: LockInputs, index: String, bag: inout DiagnosticBag) -> [LockedBuildRequirements]? {
        guard let wanted = inputs.buildRequirements else { return nil }
        guard settings.closure else {
            return previous?.inputs.buildRequirements == wanted ? previous?.buildRequirements : nil
        }
        let lockDirectory = (lockPath as NSString).deletingLastPathComponent
        var entries: [LockedBuildRequirements] = []
        for component in wanted {
            settings.progress("build requirements of \(component.component): uv pip compile")
            do {
                entries.append(try BuildRequirementsCompiler.compile(
                    component, python: spec.runtime.python.value, index: index,
                    outputPath: LockedBuildRequirements.path(forLock: lockPath, component: component.component),
                    lockDirectory: lockDirectory.isEmpty ? "." : lockDirectory))
            } catch {
                let location = spec.components.first { $0.name.value == component.component }?.buildRequires.first?.location
                bag.error("cannot resolve the build requirements of '\(component.component)': \(error) (or run `sglang-forge lock --no-closure`)", at: location)
            }
        }
        return entries.sorted { $0.component < $1.component }
    }
}
