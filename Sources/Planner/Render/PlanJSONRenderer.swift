import Foundation

/// Renders a ``BuildPlan`` as the JSON of `docs/plan-schema.md`: sorted keys, two-space
/// indentation, unescaped slashes, a trailing newline.
enum PlanJSONRenderer {
    static func render(_ plan: BuildPlan) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain structs of strings, numbers and arrays cannot fail.
        guard let data = try? encoder.encode(plan) else { preconditionFailure("BuildPlan is always encodable") }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
