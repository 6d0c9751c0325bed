/// A plan value that the JSON plan writes as one string (`"12:3"` for a ``SpecLocation``,
/// `"component:torch"` for a ``PlanNodeID``; docs/plan-schema.md). Conforming types get their
/// `Codable` from this protocol: decoding parses the string with ``init(parsing:)`` and turns a
/// parse error into `DecodingError.dataCorrupted` carrying the error's description; encoding
/// writes ``description``.
public protocol PlanStringForm: Codable, CustomStringConvertible {
    /// Why a string is not this value; its description is the decoding error's message.
    associatedtype ParseError: Error & CustomStringConvertible
    /// Parses the string form.
    /// - Throws: ``ParseError`` when `text` is not this value's form.
    init(parsing text: String) throws(ParseError)
}

extension PlanStringForm {
    /// Decodes the string form.
    /// - Throws: `DecodingError.dataCorrupted` with the ``ParseError``'s message.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes ``description``, the string form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
