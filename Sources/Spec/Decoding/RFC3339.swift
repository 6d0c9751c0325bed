#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// RFC 3339 timestamps (`2026-03-04T12:00:00Z`, `2026-03-04T13:00:00+01:00`), as `lock.exclude-newer`
/// and PEP 700 `upload-time` write them.
///
/// Read and written with Foundation's `Date.ISO8601FormatStyle` (FoundationEssentials: no ICU, so
/// `plan` reading `lock.exclude-newer` does not load a date formatter).
public enum RFC3339 {
    /// The instant `text` names, or `nil` when it is not an RFC 3339 date-time with a time zone
    /// (`Z` or `±hh:mm`; fractional seconds of any length accepted; `t` and `z` may be lowercase,
    /// RFC 3339 §5.6). A day or time outside the calendar (`2025-02-30`, `24:00:00`) is refused
    /// rather than rolled over.
    public static func date(_ text: String) -> Date? {
        let upper = text.uppercased()
        let bytes = Array(upper.utf8)
        guard bytes.count >= 20, let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(upper) else { return nil }
        // The parser rolls an impossible day or time over; the wall-clock fields must read back.
        let zone = bytes.last == UInt8(ascii: "Z") ? 0 : offsetSeconds(bytes.suffix(6))
        guard let zone, let timeZone = TimeZone(secondsFromGMT: zone) else { return nil }
        let wallClock = Date.ISO8601FormatStyle(timeZone: timeZone).format(date)
        return wallClock.utf8.prefix(19).elementsEqual(bytes.prefix(19)) ? date : nil
    }

    /// `date` in UTC with whole seconds (`2026-03-04T12:00:00Z`); sub-second digits are dropped.
    public static func format(_ date: Date) -> String {
        Date.ISO8601FormatStyle().format(Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }

    /// `text` normalised to UTC whole seconds, or `nil` when it is not RFC 3339.
    public static func normalized(_ text: String) -> String? { date(text).map(format) }

    /// The offset `±hh:mm` in seconds east of UTC, or `nil` when `suffix` is not one.
    private static func offsetSeconds(_ suffix: ArraySlice<UInt8>) -> Int? {
        let field = Array(suffix)
        guard field.count == 6, field[0] == UInt8(ascii: "+") || field[0] == UInt8(ascii: "-"), field[3] == UInt8(ascii: ":"),
            let hours = Int(String(decoding: field[1...2], as: UTF8.self)), let minutes = Int(String(decoding: field[4...5], as: UTF8.self))
        else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return field[0] == UInt8(ascii: "-") ? -seconds : seconds
    }
}
