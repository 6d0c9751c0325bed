/// The contract between the container backend, which builds a source component's wheel for each
/// variant, and the backends that consume that wheel (the tarball backend installs it into its
/// prefix): the names both sides must agree on, in one place.
///
/// For `torch` and the variant `sglang-…-sm90-avx512`:
/// - the Containerfile stage `torch-wheel` (`FROM scratch`) holds only the wheel, at `/`;
/// - the Bake target `sglang-…-sm90-avx512-torch-wheel` builds that stage with the variant's args;
/// - Bake's local exporter writes it to `out/sglang-…-sm90-avx512/torch-wheel/` (relative to the
///   container backend's output directory);
/// - the group `torch-wheels` builds it for every variant;
/// - the file matches `torch-2.9.1*.whl` (PEP 427: `-` in the name is written `_`).
public struct SourceWheelExport: Hashable, Sendable {
    /// The source component (`torch`).
    public var component: String

    /// The export of `component`'s wheel.
    public init(component: String) { self.component = component }

    /// The Containerfile stage holding only the wheel: `<component>-wheel`.
    public var stage: String { "\(component)-wheel" }

    /// The Bake group that exports the wheel of every variant: `<component>-wheels`.
    public var bakeGroup: String { "\(component)-wheels" }

    /// The Bake target exporting the wheel of `variant`: `<variant>-<component>-wheel`.
    public func bakeTarget(variant: String) -> String { "\(variant)-\(stage)" }

    /// Where that target's local exporter writes the wheel, relative to the container output
    /// directory: `out/<variant>/<component>-wheel`. `variant` may be a shell expansion (`$variant`).
    public func outputDirectory(variant: String) -> String { "out/\(variant)/\(stage)" }

    /// ``bakeTarget(variant:)`` inside a double-quoted shell word, the variant being the shell
    /// variable `variant`: `"$variant-torch-wheel"`.
    public var bakeTargetInShell: [ShellCommand.DoubleQuotedPart] { ["$variant", .text("-" + stage)] }

    /// ``outputDirectory(variant:)`` inside a double-quoted shell word after `$container/`, the
    /// variant being the shell variable `variant`: `out/$variant/torch-wheel`.
    public var outputDirectoryInShell: [ShellCommand.DoubleQuotedPart] { [.text("out/"), "$variant", .text("/" + stage)] }

    /// A glob matching the wheel file of `version`: `<name with - as _>-<version>*.whl`.
    public func wheelGlob(version: String) -> String {
        "\(component.replacingOccurrences(of: "-", with: "_"))-\(version)*.whl"
    }
}
