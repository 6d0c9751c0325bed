import Foundation

/// RFC 3339 timestamps (`2026-03-04T12:00:00Z`, `2026-03-04T13:00:00+01:00`), as `lock.exclude-newer`
/// and PEP 700 `upload-time` write them.
public enum RFC3339 {
    /// The instant `text` names, or `nil` when it is not an RFC 3339 date-time with a time zone
    /// (fractional seconds accepted).
    public static func date(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        // Foundation reads at most milliseconds; PyPI writes microseconds: drop the extra digits.
        if let dot = text.firstIndex(of: "."), let end = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." }),
           text.distance(from: dot, to: end) > 4 {
            return fractional.date(from: String(text[..<text.index(dot, offsetBy: 4)]) + text[end...])
        }
        return nil
    }

    /// `date` in UTC with whole seconds (`2026-03-04T12:00:00Z`); sub-second digits are dropped.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }

    /// `text` normalised to UTC whole seconds, or `nil` when it is not RFC 3339.
    public static func normalized(_ text: String) -> String? { date(text).map(format) }
}
