import Crypto
import ForgeTestSupport
import Foundation
import Hashes
import Testing

private typealias Digest = Hashes.Digest

/// hex ⇄ Nix base-32 ⇄ SRI, against values Nix itself prints.
struct HashEncodingTests {
    /// Printed by `nix hash to-base32 --type T HEX` and `nix hash to-sri --type T HEX`
    /// (nix-bin 2.8.0) for the SHA-256/SHA-512 of "", "abc" and "sglang-forge".
    static let recorded: [(hex: String, base32: String, sri: String)] = [
        ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73",
         "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
        ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
         "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s",
         "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="),
        ("57a90f52ad30d9454d18830280854ed0a25c891748b7e55c0396792760c34872",
         "0wj8qdh2fycn0dffbds82y4mr8nh9s2q00l3316lbn9hmm90zaap",
         "sha256-V6kPUq0w2UVNGIMCgIVO0KJciRdIt+VcA5Z5J2DDSHI="),
        ("cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
         "0zdl9zrg8r3i9c1g90lgg9ip5ijzv3yhz91i0zzn3r8ap9ws784gkp9dk9j3aglhgf1amqb0pj21mh7h1nxcl18akqvvf7ggqsy30yg",
         "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="),
        ("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
         "2gs8k559z4rlahfx0y688s49m2vvszylcikrfinm30ly9rak69236nkam5ydvly1ai7xac99vxfc4ii84hawjbk876blyk1jfhkbbyx",
         "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw=="),
    ]

    @Test(arguments: recorded.indices)
    func recordedNixValuesConvertBothWays(index: Int) throws {
        let (hex, base32, sri) = Self.recorded[index]
        let algorithm = hex.count == 64 ? "sha256" : "sha512"
        let fromHex = try Digest(parsing: "\(algorithm):\(hex)")
        #expect(fromHex.nixBase32 == base32)
        #expect(fromHex.sri == sri)
        #expect(try Digest(parsing: "\(algorithm):\(base32)") == fromHex)
        #expect(try Digest(parsing: sri) == fromHex)
        #expect(try Digest(parsing: sri).hex == hex)
    }

    static let haveNix = Shell.has("nix")

    /// Fresh digests (SHA-256 and SHA-512 of 0…15) through the `nix` binary installed here.
    @Test(.enabled(if: haveNix, "needs nix (Debian nix-bin) on PATH"), arguments: ["sha256", "sha512"])
    func liveNixAgreesOnFreshDigests(algorithm: String) throws {
        let digests: [Digest] = try (0..<16).map { i in
            let data = Data("forge-\(i)".utf8)
            let bytes = algorithm == "sha256" ? Array(SHA256.hash(data: data)) : Array(SHA512.hash(data: data))
            return try Digest(algorithm: algorithm == "sha256" ? .sha256 : .sha512, bytes: bytes)
        }
        let nix = ["nix", "--extra-experimental-features", "nix-command", "hash"]
        let base32 = try Shell.check(nix + ["to-base32", "--type", algorithm] + digests.map(\.hex)).split(separator: "\n").map(String.init)
        let sri = try Shell.check(nix + ["to-sri", "--type", algorithm] + digests.map(\.hex)).split(separator: "\n").map(String.init)
        let back = try Shell.check(nix + ["to-base16"] + digests.map(\.sri)).split(separator: "\n").map(String.init)
        #expect(base32 == digests.map(\.nixBase32))
        #expect(sri == digests.map(\.sri))
        #expect(back == digests.map(\.hex))
        for (digest, text) in zip(digests, base32) { #expect(try Digest(parsing: "\(algorithm):\(text)") == digest) }
    }

    /// Non-canonical encodings that Nix also refuses.
    @Test(arguments: [
        // Nix base-32 whose top 4 unused bits are set: the first digit of a SHA-256 can only be 0 or 1.
        "sha256:2shsybg1n03254swkk425r5fy5gw1j48mxrw45d4j2niapqmx1db",
        // Characters outside Nix's base-32 alphabet (e, o, u, t) and uppercase.
        "sha256:1shsybg1n03254swkk425r5fy5gw1j48mxrw45d4j2niapqmx1de",
        "sha256:1SHSYBG1n03254swkk425r5fy5gw1j48mxrw45d4j2niapqmx1db",
    ])
    func nonCanonicalBase32IsRejectedLikeNix(text: String) throws {
        #expect(throws: DigestError.notCanonical(text)) { try Digest(parsing: text) }
        if Self.haveNix {
            let nix = try Shell.run(["nix", "--extra-experimental-features", "nix-command", "hash", "to-sri", text])
            #expect(nix.status != 0, "nix accepted \(text)")
        }
    }

    /// Non-canonical encodings we refuse although some tools accept them.
    @Test func otherNonCanonicalEncodingsAreRejected() {
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        #expect(throws: DigestError.notCanonical("sha256:\(hex.uppercased())")) { try Digest(parsing: "sha256:\(hex.uppercased())") }
        // Non-zero padding bits in base64 (Nix 2.8 accepts this one; it is not canonical).
        #expect(throws: DigestError.notCanonical("sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa1=")) {
            try Digest(parsing: "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa1=")
        }
        // Unpadded SRI, wrong lengths, unknown or missing algorithm.
        #expect(throws: DigestError.self) { try Digest(parsing: "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0") }
        #expect(throws: DigestError.self) { try Digest(parsing: "sha256:\(hex.dropLast())") }
        #expect(throws: DigestError.unsupportedAlgorithm("md5")) { try Digest(parsing: "md5:\(hex.prefix(32))") }
        #expect(throws: DigestError.missingAlgorithm(hex)) { try Digest(parsing: hex) }
        #expect(NixBase32.decode("1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s", byteCount: 31) == nil)
        #expect(Base16.decode("abc") == nil)
        #expect(Base64.decode("ab=c") == nil)
    }
}
