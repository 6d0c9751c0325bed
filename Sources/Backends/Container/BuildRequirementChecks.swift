import BackendCore
import Planner

extension ContainerInputs {
    /// The hashed build requirements of a source component, checked: the spec declares them
    /// (`build-requires`), the lock resolved them, every declared requirement is in the resolved
    /// set, and every package carries at least one sha256 (pip's `--require-hashes` refuses
    /// anything else, and nothing reaches the build unhashed).
    /// - Returns: the requirements, or `nil` after appending the problems, each located in the spec.
    static func checkBuildRequirements(_ component: PlannedComponent, plan: BuildPlan, problems: inout [Diagnostic]) -> PlannedPythonClosure? {
        guard let declared = component.buildRequires, !declared.isEmpty else {
            problems.append(plan.error(
                "source component '\(component.name)' declares no 'build-requires'; list its build requirements (its pyproject.toml [build-system] requires) so `sglang-forge lock` pins them by hash: the container backend never installs build requirements unpinned (from the distribution archive or the index)",
                at: component.declaredAt))
            return nil
        }
        guard let closure = component.buildClosure else {
            problems.append(plan.error(
                "the build requirements of '\(component.name)' have no hashes in the plan; run `sglang-forge lock` (it resolves 'build-requires' with uv --generate-hashes into the lock)",
                at: declared[0].declaredAt))
            return nil
        }
        var ok = true
        let resolved = Set(closure.packages.map(\.normalizedName))
        for requirement in declared where !resolved.contains(requirement.normalizedName) {
            problems.append(plan.error(
                "build requirement '\(requirement.requirement)' of '\(component.name)' is not in its hashed build requirements (\(closure.source)); run `sglang-forge lock`",
                at: requirement.declaredAt))
            ok = false
        }
        for package in closure.packages where package.sha256.isEmpty {
            problems.append(plan.error(
                "build requirement '\(package.normalizedName)==\(package.version)' of '\(component.name)' (\(closure.source)) has no hash; pip's --require-hashes refuses it: run `sglang-forge lock`",
                at: declared[0].declaredAt))
            ok = false
        }
        return ok ? closure : nil
    }
}
