/// Standard padded base64 (RFC 4648 §4), the encoding of the digest in an SRI string
/// (W3C Subresource Integrity) and in Nix's `narHash`.
public enum Base64 {
    private static let alphabet: [UInt8] =
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = Int8(value) }
        return table
    }()

    /// Encodes `bytes` with `=` padding to a multiple of four characters.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = Int(bytes[index])
            let b1 = index + 1 < bytes.count ? Int(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.count ? Int(bytes[index + 2]) : 0
            out.append(alphabet[b0 >> 2])
            out.append(alphabet[(b0 & 0x03) << 4 | b1 >> 4])
            out.append(index + 1 < bytes.count ? alphabet[(b1 & 0x0f) << 2 | b2 >> 6] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[b2 & 0x3f] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes padded standard base64. Returns `nil` for a length that is not a multiple of four,
    /// characters outside the alphabet, misplaced padding, or non-zero padding bits: only the
    /// canonical encoding of a byte string is accepted.
    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 4 * 3)
        var index = 0
        while index < chars.count {
            let isLast = index + 4 == chars.count
            let pad = chars[index + 2] == UInt8(ascii: "=") ? (chars[index + 3] == UInt8(ascii: "=") ? 2 : -1)
                : (chars[index + 3] == UInt8(ascii: "=") ? 1 : 0)
            guard pad >= 0, pad == 0 || isLast else { return nil }
            var quad = [Int](repeating: 0, count: 4)
            for k in 0..<(4 - pad) {
                let v = values[Int(chars[index + k])]
                guard v >= 0 else { return nil }
                quad[k] = Int(v)
            }
            let triple = quad[0] << 18 | quad[1] << 12 | quad[2] << 6 | quad[3]
            out.append(UInt8(triple >> 16 & 0xff))
            if pad < 2 { out.append(UInt8(triple >> 8 & 0xff)) } else if triple & 0xffff != 0 { return nil }
            if pad < 1 { out.append(UInt8(triple & 0xff)) } else if triple & 0xff != 0 { return nil }
            index += 4
        }
        return out
    }
}
