import Foundation

/// The fixtures every test target shares, in `Tests/Fixtures` (one copy, read from the source
/// tree, so no bundle copies them and goldens are regenerated in place). A target's own fixtures
/// stay next to it (`Tests/BumpTests/Fixtures`, `Tests/DeviceCodeTests/Fixtures`, …).
public enum Fixtures {
    /// `Tests/Fixtures`, relative to the package root: how the CLI run from the root names the
    /// files, and so how generated headers and goldens record them.
    public static let relativePath = "Tests/Fixtures"
    /// The absolute directory (`Repository.root` + ``relativePath``).
    public static let root: URL = Repository.root.appendingPathComponent(relativePath)

    /// The pinned fixture spec and its Python closure and torch build requirements (uv-format
    /// `name==version --hash=sha256:…` lines), relative to the package root.
    public static let pinnedSpec = "\(relativePath)/specs/pinned.yaml"
    public static let pinnedClosure = "\(relativePath)/specs/pinned.closure.txt"
    public static let pinnedTorchBuild = "\(relativePath)/specs/pinned.torch-build.txt"

    /// The absolute URL of `relative` under `Tests/Fixtures`.
    public static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    /// The UTF-8 text of a file given relative to the package root; throws when it cannot be read.
    public static func text(_ relativeToRoot: String) throws -> String {
        try String(contentsOf: Repository.root.appendingPathComponent(relativeToRoot), encoding: .utf8)
    }

    /// `text` with `old` replaced, failing (``FixtureError``) unless `old` occurs exactly once.
    public static func replacingOnce(_ text: String, _ old: String, _ new: String) throws -> String {
        let ranges = text.ranges(of: old)
        guard ranges.count == 1 else { throw FixtureError("'\(old)' occurs \(ranges.count) times") }
        return text.replacingCharacters(in: ranges[0], with: new)
    }
}

/// A fixture that does not load, plan or parse as the test expects.
public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
