import Hashes
import Testing

/// Values produced by Nix 2.8: `nix hash to-sri --type sha256 <b32>` and `nix-hash --to-base16`.
@Suite struct HashesTests {
    let base32 = "1i04bclcxsqhk172wvj74fcgk2sd7037mi9bgxp7jdx42886bl6h"
    let hex = "d0d0651012a437796e7f2bc57a06384d8bf99823476e2e4e9810ebce285b04c4"
    let sri = "sha256-0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMQ="

    @Test func allEncodingsOfOneDigestAgree() throws {
        for text in ["sha256:\(base32)", "sha256:\(hex)", sri, "sha256:0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMQ="] {
            let digest = try Digest(parsing: text)
            #expect(digest.hex == hex)
            #expect(digest.nixBase32 == base32)
            #expect(digest.sri == sri)
        }
    }

    @Test func secondKnownPair() throws {
        // The FlashInfer jit-cache wheel pin from the seed, converted by `nix hash to-sri`.
        let digest = try Digest(parsing: "sha256:175xcckipi4yxn2w0m3vbaxziil8qc0pp7wwswk5nw7zlsyvgf5n")
        #expect(digest.sri == "sha256-tri3vab/cFsm15yfewHDiMb4u1p7VMCF7Z7EGydjvZw=")
    }

    @Test func roundTripsForEveryByteValue() throws {
        for algorithm in HashAlgorithm.allCases {
            let bytes = (0..<algorithm.byteCount).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            #expect(NixBase32.decode(NixBase32.encode(bytes), byteCount: bytes.count) == bytes)
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
            #expect(Base16.decode(Base16.encode(bytes)) == bytes)
            #expect(NixBase32.encode(bytes).count == algorithm.nixBase32Length)
        }
    }

    @Test func nonCanonicalEncodingsAreRejected() {
        // Top digit 'z' sets bits beyond 256: Nix rejects it too.
        #expect(throws: DigestError.notCanonical("sha256:z\(base32.dropFirst())")) { try Digest(parsing: "sha256:z\(base32.dropFirst())") }
        // 'e', 'o', 'u', 't' are not in Nix's alphabet.
        #expect(throws: DigestError.notCanonical("sha256:e\(base32.dropFirst())")) { try Digest(parsing: "sha256:e\(base32.dropFirst())") }
        // Uppercase hex.
        #expect(throws: DigestError.notCanonical("sha256:\(hex.uppercased())")) { try Digest(parsing: "sha256:\(hex.uppercased())") }
        // Base64 with non-zero padding bits ('N' instead of 'M' before '=').
        #expect(throws: DigestError.notCanonical("sha256-0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMR=")) { try Digest(parsing: "sha256-0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMR=") }
        #expect(throws: DigestError.unsupportedAlgorithm("md5")) { try Digest(parsing: "md5:00") }
        #expect(throws: DigestError.missingAlgorithm(hex)) { try Digest(parsing: hex) }
    }

    @Test func theOCIFormReadsAndWritesAlgorithmColonHex() throws {
        let digest = try Digest(prefixedHex: "sha256:\(hex)")
        #expect(digest.sri == sri && digest.prefixedHex == "sha256:\(hex)")
        #expect(try Digest(parsing: sri).prefixedHex == "sha256:\(hex)")
        #expect(throws: DigestError.missingAlgorithm(sri)) { try Digest(prefixedHex: sri) }
        #expect(throws: DigestError.unsupportedAlgorithm("md5")) { try Digest(prefixedHex: "md5:\(hex)") }
        #expect(throws: DigestError.notCanonical("sha256:\(hex.uppercased())")) { try Digest(prefixedHex: "sha256:\(hex.uppercased())") }
        #expect(throws: DigestError.badEncoding("sha256:\(base32)", expected: "64 lowercase hex characters after 'sha256:'")) {
            try Digest(prefixedHex: "sha256:\(base32)")
        }
    }
}
