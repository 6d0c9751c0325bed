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
    ///
    /// Text already in that form (`YYYY-MM-DDTHH:MM:SSZ`, what `lock` writes and specs carry) is
    /// checked field by field and returned as it is, without Foundation's parser: its first use
    /// builds a Gregorian calendar, 0.6 ms of `plan`'s 15 ms (issue 13 §5). The answer is the
    /// same either way (RFC3339Tests compares both paths).
    public static func normalized(_ text: String) -> String? {
        if let canonical = canonicalUTC(text) { return canonical }
        return date(text).map(format)
    }

    /// `text` when it is `YYYY-MM-DDTHH:MM:SSZ` naming a real instant (year 1900–9999, month 1–12,
    /// a day of that month in the Gregorian calendar, hour < 24, minute and second < 60, as
    /// ``date(_:)`` accepts them); `nil` for anything else, which may still be RFC 3339 in another
    /// form. Earlier years are left to Foundation, whose calendar switches to the Julian one
    /// before 1582-10-15.
    static func canonicalUTC(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1900...9999).contains(year), (1...12).contains(month), hour < 24, minute < 60, second < 60
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day) ? text : nil
    }

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
