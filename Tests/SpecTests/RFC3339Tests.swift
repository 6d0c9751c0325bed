import Foundation
@testable import Spec
import Testing

/// RFC 3339 date-times as `lock.exclude-newer` and PEP 700 `upload-time` write them.
struct RFC3339Tests {
    @Test func acceptedFormsNormaliseToUTCSeconds() {
        let cases: [(String, String)] = [
            ("2025-09-01T00:00:00Z", "2025-09-01T00:00:00Z"),
            ("2025-09-01T02:00:00+02:00", "2025-09-01T00:00:00Z"),
            ("2025-08-31T19:30:00-04:30", "2025-09-01T00:00:00Z"),
            // PyPI's upload-time carries microseconds; sub-second digits are dropped.
            ("2025-03-12T01:42:47.083035Z", "2025-03-12T01:42:47Z"),
            ("2025-03-12T01:42:47.5Z", "2025-03-12T01:42:47Z"),
            // RFC 3339 §5.6: "T" and "Z" may be lowercase.
            ("2025-09-01t00:00:00z", "2025-09-01T00:00:00Z"),
            ("2024-02-29T23:59:59Z", "2024-02-29T23:59:59Z"),
        ]
        for (text, expected) in cases {
            #expect(RFC3339.normalized(text) == expected, "\(text)")
        }
        #expect(RFC3339.date("2025-03-12T01:42:47.083035Z")?.timeIntervalSince1970 == 1_741_743_767.083035)
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_756_684_800.9)) == "2025-09-01T00:00:00Z")
    }

    @Test func refusedForms() {
        for text in [
            "2025-09-01", "2025-09-01T00:00:00", "2025-09-01 00:00:00Z", "2025-13-01T00:00:00Z",
            "2025-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2025-09-01T24:00:00Z", "2025-09-01T00:60:00Z",
            "2025-09-01T00:00:00+0200", "2025-09-01T00:00:00+25:00", "now", "", "2025-09-01T00:00:00Zjunk",
        ] {
            #expect(RFC3339.date(text) == nil, "\(text) was accepted")
        }
    }

    /// The canonical-form fast path of ``RFC3339/normalized(_:)`` against Foundation's parser
    /// (``RFC3339/date(_:)``): every day of years around century boundaries (2000 is a leap year,
    /// 1900 and 2100 are not) and before the fast path's range (1582, the Julian–Gregorian switch;
    /// 1899), days 0–32 tried in every month 0–13, and times at the edges.
    @Test func canonicalFastPathAgreesWithFoundation() {
        var checked = 0
        for year in [1582, 1899, 1900, 1999, 2000, 2024, 2025, 2100] {
            for month in 0...13 {
                for day in 0...32 {
                    for time in ["00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60"] {
                        let text = String(format: "%04d-%02d-%02dT", year, month, day) + time + "Z"
                        let slow = RFC3339.date(text).map(RFC3339.format)
                        #expect(RFC3339.canonicalUTC(text) == (year >= 1900 ? slow : nil), "\(text)")
                        #expect(RFC3339.normalized(text) == slow, "\(text)")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == 8 * 14 * 33 * 5)
        for text in ["2025-09-01T00:00:00z", "2025-09-01t00:00:00Z", "2025-09-01T00:00:00.5Z", "2025-09-01T00:00:00+00:00", "+025-09-01T00:00:00Z"] {
            #expect(RFC3339.canonicalUTC(text) == nil, "\(text)")
        }
    }
}
