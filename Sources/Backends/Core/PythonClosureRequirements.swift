import Planner

extension PlannedPythonClosure {
    /// The closure as a pip requirements file in hash-checking mode, for
    /// `pip install --require-hashes --no-deps -r FILE`, after `preamble` (comment lines, each
    /// ending in a newline): one `name==version --hash=sha256:<hex>` line per package, sorted by
    /// name, with the hash of the one file every backend installs
    /// (``PlannedPythonPackage/installedSHA256``), so pip can take no other file; a package with
    /// several admitted files and no chosen one keeps all of its hashes (pip's own choice).
    /// Packages named in `excluding` (components, installed from their own pins) are left out.
    /// Shared by the backends that install with pip.
    public func requirementsText(preamble: String, excluding: Set<String> = []) -> String {
        var text = preamble
        for package in packages where !excluding.contains(package.normalizedName) {
            let hashes = package.installedSHA256.map { [$0] } ?? package.sha256
            text += PipRequirement.exact(package.normalizedName, version: package.version, sha256: hashes) + "\n"
        }
        return text
    }
}
