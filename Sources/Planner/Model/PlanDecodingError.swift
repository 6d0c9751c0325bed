/// A `DecodingError` from reading plan JSON (`docs/plan-schema.md`), told as one line:
/// the JSON path of the offending value, then what is wrong with it, e.g.
/// `plan.components[2].kind: unknown component kind 'egg'; expected one of: wheel, source`.
public struct PlanDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The path of the value, `a.b[2].c` (empty for the document itself).
    public var path: String
    /// What is wrong there.
    public var message: String

    /// Describes `error`: for a `DecodingError` its coding path and reason; for any other error its text.
    public init(_ error: any Error) {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text
        }
        guard let error = error as? DecodingError else {
            self.path = ""
            self.message = "\(error)"
            return
        }
        switch error {
        case .dataCorrupted(let context):
            self.path = path(context.codingPath)
            self.message = context.underlyingError.map { "\(context.debugDescription) (\($0))" } ?? context.debugDescription
        case .keyNotFound(let key, let context):
            self.path = path(context.codingPath)
            self.message = "missing field '\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            self.path = path(context.codingPath)
            self.message = "expected \(Self.jsonName(type)): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            self.path = path(context.codingPath)
            self.message = "expected \(Self.jsonName(type)), found null"
        @unknown default:
            self.path = ""
            self.message = "\(error)"
        }
    }

    private static func jsonName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "\(type)"
        }
    }

    /// `path: message`, or the message alone at the top level.
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
