import Planner

extension PlannedPythonClosure {
    /// The closure as a pip requirements file in hash-checking mode: one
    /// `name==version --hash=sha256:<hex> …` line per package, sorted by name, for
    /// `pip install --require-hashes --no-deps -r FILE`, after `preamble` (comment lines, each
    /// ending in a newline). Shared by the backends that install with pip.
    public func requirementsText(preamble: String) -> String {
        var text = preamble
        for package in packages {
            text += "\(package.normalizedName)==\(package.version)" + package.sha256.map { " --hash=sha256:\($0)" }.joined() + "\n"
        }
        return text
    }
}
