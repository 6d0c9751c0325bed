/// Nix's base-32 encoding of digests, as printed by `nix hash to-base32` and used in store paths.
///
/// The alphabet omits `e`, `o`, `u` and `t`, and bytes are consumed from the end of the digest
/// (Nix `src/libutil/hash.cc`, `printHash32` / `parseHash32`), so it is not RFC 4648 base32.
public enum NixBase32 {
    /// The 32 digits, in value order.
    public static let alphabet: [UInt8] = Array("0123456789abcdfghijklmnpqrsvwxyz".utf8)

    private static let digitValue: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = Int8(value) }
        return table
    }()

    /// Encodes `bytes` in Nix base-32.
    ///
    /// - Parameter bytes: the raw digest (any length).
    /// - Returns: `(bytes.count * 8 - 1) / 5 + 1` characters from ``alphabet``.
    public static func encode(_ bytes: [UInt8]) -> String {
        guard !bytes.isEmpty else { return "" }
        let length = (bytes.count * 8 - 1) / 5 + 1
        var out = [UInt8]()
        out.reserveCapacity(length)
        for n in stride(from: length - 1, through: 0, by: -1) {
            let bit = n * 5
            let i = bit / 8
            let j = bit % 8
            var c = Int(bytes[i]) >> j
            if i + 1 < bytes.count { c |= Int(bytes[i + 1]) << (8 - j) }
            out.append(alphabet[c & 0x1f])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a Nix base-32 string into exactly `byteCount` bytes.
    ///
    /// - Parameters:
    ///   - text: the encoded digest.
    ///   - byteCount: the digest size the caller expects (32 for SHA-256).
    /// - Returns: the raw bytes, or `nil` when `text` has the wrong length, a character outside
    ///   ``alphabet``, or non-zero padding bits (a non-canonical encoding Nix also rejects).
    public static func decode(_ text: String, byteCount: Int) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard byteCount > 0, digits.count == (byteCount * 8 - 1) / 5 + 1 else { return nil }
        var bytes = [UInt8](repeating: 0, count: byteCount)
        for n in 0..<digits.count {
            let value = digitValue[Int(digits[digits.count - n - 1])]
            guard value >= 0 else { return nil }
            let digit = Int(value)
            let bit = n * 5
            let i = bit / 8
            let j = bit % 8
            bytes[i] |= UInt8(truncatingIfNeeded: digit << j)
            let carry = digit >> (8 - j)
            if i + 1 < byteCount {
                bytes[i + 1] |= UInt8(truncatingIfNeeded: carry)
            } else if carry != 0 {
                return nil
            }
        }
        return bytes
    }
}
