/// Lowercase hexadecimal (RFC 4648 base16), the form `sha256sum`, PEP 503 `#sha256=` fragments
/// and PEP 691 `hashes` use.
public enum Base16 {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Encodes `bytes` as lowercase hex, two characters per byte.
    public static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { encode($0) }
    }

    /// Lowercase hex of `bytes`, written straight into the string's storage (one allocation:
    /// `pack` encodes a digest for every file).
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = digits[Int(byte >> 4)]
                out[2 * index + 1] = digits[Int(byte & 0x0f)]
            }
            return bytes.count * 2
        }
    }

    /// Decodes lowercase hex. Returns `nil` for an odd length, uppercase digits (non-canonical)
    /// or any other character.
    public static func decode(_ text: String) -> [UInt8]? {
        decode(utf8: ArraySlice(text.utf8))
    }

    /// Decodes lowercase hex given as its UTF-8 (ASCII) bytes, with the rules of ``decode(_:)``.
    public static func decode(utf8 chars: ArraySlice<UInt8>) -> [UInt8]? {
        guard chars.count % 2 == 0 else { return nil }
        // A table lookup, not comparisons: digits and letters alternate at random in a digest, and
        // the branch between them mispredicted on every other character (issue 13 §5: a closure
        // file holds thousands of hashes).
        return chars.withUnsafeBufferPointer { input -> [UInt8]? in
            values.withUnsafeBufferPointer { table -> [UInt8]? in
                let count = input.count / 2
                var valid = true
                let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                    var index = 0
                    while index < count {
                        let high = table[Int(input[2 &* index])], low = table[Int(input[2 &* index &+ 1])]
                        guard high | low < 16 else { valid = false; break }
                        buffer[index] = high << 4 | low
                        index &+= 1
                    }
                    initialized = index
                }
                return valid ? out : nil
            }
        }
    }

    /// The value of each byte as a lowercase hex digit, or 255 for any other byte.
    private static let values: [UInt8] = (0...255).map { byte -> UInt8 in
        switch UInt8(byte) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(byte) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(byte) - UInt8(ascii: "a") + 10
        default: 255
        }
    }
}
