import Foundation
import Hashes
import Lock
import Planner
import Spec
import Testing

/// The lock's nixpkgs `narHash` (used when the spec records no `tarball-hash`) crosses into the
/// plan as a typed digest, or is an error at `nixpkgs.rev`.
@Suite struct LockedNarHashTests {
    /// The main spec without its `tarball-hash` line, planned with the main lock whose nixpkgs
    /// narHash is `narHash`.
    static func plan(lockNarHash narHash: String?) throws -> (plan: BuildPlan?, diagnostics: [Diagnostic]) {
        let text = try DeviceCodePlanTests.mainText()
        let line = try #require(text.range(of: "  tarball-hash: sha256:1i04bclcxsqhk172wvj74fcgk2sd7037mi9bgxp7jdx42886bl6h\n"))
        let (spec, load) = SpecLoader.decode(Array(text.replacingCharacters(in: line, with: "").utf8), path: "specs/main.yaml")
        var lock = try DeviceCodePlanTests.mainLock()
        lock.nixpkgs.narHash = narHash
        return Planner.plan(try #require(spec, "\(load)"), lock: lock)
    }

    @Test func anSRILockNarHashBecomesThePlansDigest() throws {
        let sri = "sha256-0NBlEBKkN3lufyvFegY4TYv5mCNHbi5OmBDrzihbBMQ="
        let (plan, diagnostics) = try Self.plan(lockNarHash: sri)
        #expect(diagnostics.allSatisfy { $0.severity != .error }, "\(diagnostics)")
        #expect(plan?.nixpkgs.narHash == (try Digest(parsing: sri)))
        #expect(try Self.plan(lockNarHash: nil).plan?.nixpkgs.narHash == nil)
    }

    @Test(arguments: ["sha256:d0d0651012a437796e7f2bc57a06384d8bf99823476e2e4e9810ebce285b04c4", "sha256-abc", "narhash"])
    func aMalformedLockNarHashIsAnErrorAtTheRev(narHash: String) throws {
        let (plan, diagnostics) = try Self.plan(lockNarHash: narHash)
        #expect(plan == nil)
        let errors = diagnostics.filter { $0.severity == .error }.map(\.message)
        #expect(errors == ["the lock's nixpkgs narHash '\(narHash)' is not an SRI sha256 hash ('sha256-<base64>'); run `sglang-forge pin` or `sglang-forge lock`"])
    }
}
