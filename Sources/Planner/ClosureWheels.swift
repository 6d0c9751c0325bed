import Hashes
import Lock
import Packaging

extension PlannedPythonClosure {
    /// The closure with each package's ``PlannedPythonPackage/wheel`` taken from the lock's
    /// `closure.wheels` (``LockedClosureWheel``).
    ///
    /// - Returns: the closure and one message per disagreement: a package without a locked wheel,
    ///   a wheel for a package the closure does not list, a version that differs from the
    ///   closure's, a sha256 that is not among the closure's hashes for the package. A lock
    ///   without `wheels` gives no messages and no wheels (the backends then ask for a re-lock).
    public func attaching(_ wheels: [LockedClosureWheel]?) -> (PlannedPythonClosure, [String]) {
        guard let wheels else { return (self, []) }
        var problems: [String] = []
        var byName: [String: LockedClosureWheel] = [:]
        for wheel in wheels { byName[wheel.name] = wheel }
        var result = self
        for index in result.packages.indices {
            let package = result.packages[index]
            guard let wheel = byName.removeValue(forKey: package.normalizedName) else {
                problems.append("the lock records no wheel for closure package '\(package.normalizedName)' \(package.version); run `sglang-forge lock`")
                continue
            }
            if wheel.version != package.version {
                problems.append("the lock's wheel for '\(package.normalizedName)' is version \(wheel.version), the closure pins \(package.version); run `sglang-forge lock`")
                continue
            }
            guard let digest = try? Digest(algorithm: .sha256, hex: wheel.sha256), package.sha256.contains(digest) else {
                problems.append("the lock's wheel for '\(package.normalizedName)' (\(wheel.filename), sha256 \(wheel.sha256)) is not one of the closure's files for it; run `sglang-forge lock`")
                continue
            }
            let glibc = wheel.requiresGlibc.flatMap(GlibcVersion.init)
            if let text = wheel.requiresGlibc, glibc == nil {
                problems.append("the lock's wheel for '\(package.normalizedName)' (\(wheel.filename)) records requiresGlibc '\(text)', which is not 'major.minor' such as '2.28'; run `sglang-forge lock`")
                continue
            }
            result.packages[index].wheel = PlannedWheelFile(
                filename: wheel.filename, url: wheel.url, digest: digest, size: wheel.size, requiresGlibc: glibc)
        }
        for name in byName.keys.sorted() {
            problems.append("the lock records a wheel for '\(name)', which the closure does not list; run `sglang-forge lock`")
        }
        return (result, problems)
    }
}
