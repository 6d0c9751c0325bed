import Crypto
import Foundation
import Hashes
import Testing

private typealias Digest = Hashes.Digest

/// Hex read from bytes (the closure reader's path) agrees with hex read from strings, and the
/// digest order without hex strings is the hex strings' order.
struct HexBytesTests {
    static let samples: [String] = (0..<64).map { Base16.encode(Array(SHA256.hash(data: Data("sample \($0)".utf8)))) }

    @Test func bytesAndStringsDecodeAlike() throws {
        for hex in Self.samples {
            #expect(Base16.decode(utf8: ArraySlice(hex.utf8)) == Base16.decode(hex))
            #expect(try Digest(algorithm: .sha256, hexUTF8: ArraySlice(hex.utf8)) == Digest(algorithm: .sha256, hex: hex))
        }
        // From a slice that does not start at index 0, as the closure reader passes it.
        let line = Array("--hash=sha256:\(Self.samples[0])".utf8)
        #expect(try Digest(algorithm: .sha256, hexUTF8: line.dropFirst(14)).hex == Self.samples[0])
    }

    @Test func malformedHexIsRefusedLikeTheStringForm() {
        let good = Self.samples[1]
        for bad in [String(good.dropLast()), good.uppercased(), String(good.dropLast()) + "g", String(good.dropLast()) + " ", good + "00", ""] {
            #expect(Base16.decode(utf8: ArraySlice(bad.utf8)) == Base16.decode(bad), "\(bad)")
            let fromBytes = Result { () throws(DigestError) in try Digest(algorithm: .sha256, hexUTF8: ArraySlice(bad.utf8)) }
            let fromString = Result { () throws(DigestError) in try Digest(algorithm: .sha256, hex: bad) }
            #expect(fromBytes.error == fromString.error, "\(bad)")
            #expect(fromBytes.error != nil, "\(bad) was accepted")
        }
        #expect(Base16.decode(utf8: ArraySlice("0".utf8)) == nil)
        #expect(Base16.decode(utf8: ArraySlice("0x".utf8)) == nil)
        #expect(Base16.decode(utf8: ArraySlice("ff00".utf8)) == [0xff, 0x00])
    }

    @Test func hexOrderWithoutHexStrings() throws {
        let digests = try Self.samples.map { try Digest(algorithm: .sha256, hex: $0) }
        #expect(digests.sorted { $0.precedesInHexOrder($1) }.map(\.hex) == Self.samples.sorted())
        let other = try Digest(algorithm: .sha512, hex: String(repeating: "0", count: 128))
        #expect(digests[0].precedesInHexOrder(other) == (digests[0].prefixedHex < other.prefixedHex))
        #expect(!digests[0].precedesInHexOrder(digests[0]))
    }
}

private extension Result {
    var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
