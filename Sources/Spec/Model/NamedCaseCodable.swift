/// A closed set of names (a `String`-backed enum) that crosses a JSON boundary (the plan, the
/// lock) as its raw value.
///
/// Decoding a name outside the set throws `DecodingError.dataCorrupted` whose description names
/// the set, the value found and every accepted value, e.g.
/// `unknown component kind 'egg'; expected one of: wheel, source`.
public protocol NamedCaseCodable: RawRepresentable, CaseIterable, Codable, Hashable, Sendable where RawValue == String {
    /// What one value of the set is, for messages (`component kind`).
    static var caseSetName: String { get }
}

extension NamedCaseCodable {
    /// Decodes the raw value.
    /// - Throws: `DecodingError.dataCorrupted` (see ``unknownNameMessage(_:)``) for a name
    ///   outside the set, `DecodingError.typeMismatch` for a non-string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let value = Self(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: Self.unknownNameMessage(raw))
        }
        self = value
    }

    /// Encodes the raw value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// `unknown <set> '<raw>'; expected one of: <every raw value, in declaration order>`.
    public static func unknownNameMessage(_ raw: String) -> String {
        "unknown \(caseSetName) '\(raw)'; expected one of: \(allCases.map(\.rawValue).joined(separator: ", "))"
    }
}

extension Platform: NamedCaseCodable {
    /// `platform`.
    public static var caseSetName: String { "platform" }
}

extension LibraryProvider: NamedCaseCodable {
    /// `system library provider`.
    public static var caseSetName: String { "system library provider" }
}

extension ComponentKind: NamedCaseCodable {
    /// `component kind`.
    public static var caseSetName: String { "component kind" }
}

extension RequiresDistPolicy: NamedCaseCodable {
    /// `requires-dist policy`.
    public static var caseSetName: String { "requires-dist policy" }
}
