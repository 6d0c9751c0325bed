import BackendCore
import Packaging
import Spec
import Testing

/// PEP 503 normalisation lives in one place; every caller gives its answers.
@Suite struct PackageNameTests {
    /// Examples from PEP 503 and the packaging guide's "Names and normalization".
    @Test(arguments: [
        ("friendly-bard", "friendly-bard"), ("Friendly-Bard", "friendly-bard"), ("FRIENDLY-BARD", "friendly-bard"),
        ("friendly.bard", "friendly-bard"), ("friendly_bard", "friendly-bard"), ("friendly--bard", "friendly-bard"),
        ("FrIeNdLy-._.-bArD", "friendly-bard"), ("apache_tvm_ffi", "apache-tvm-ffi"),
    ])
    func normalisesAsPEP503(_ name: String, _ expected: String) {
        #expect(PackageName.normalized(name) == expected)
        #expect(Names.normalizedDistributionName(name) == expected)
        #expect(RuntimeManifest.normalized(name) == expected)
        #expect(MarkerEnvironment.normalizeName(name) == expected)
    }
}
