/// Lowercase hexadecimal (RFC 4648 base16), the form `sha256sum`, PEP 503 `#sha256=` fragments
/// and PEP 691 `hashes` use.
public enum Base16 {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Encodes `bytes` as lowercase hex, two characters per byte.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes lowercase hex. Returns `nil` for an odd length, uppercase digits (non-canonical)
    /// or any other character.
    public static func decode(_ text: String) -> [UInt8]? {
        decode(utf8: ArraySlice(text.utf8))
    }

    /// Decodes lowercase hex given as its UTF-8 (ASCII) bytes, with the rules of ``decode(_:)``.
    public static func decode(utf8 chars: ArraySlice<UInt8>) -> [UInt8]? {
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var index = chars.startIndex
        while index != chars.endIndex {
            let next = chars.index(after: index)
            guard let high = value(chars[index]), let low = value(chars[next]) else { return nil }
            out.append(high << 4 | low)
            index = chars.index(after: next)
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
