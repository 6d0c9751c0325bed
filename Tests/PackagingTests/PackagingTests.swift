import Packaging
import Testing

@Suite struct PEP440Tests {
    func v(_ s: String) -> PEP440Version { PEP440Version(s)! }

    @Test func normalisation() {
        #expect(v("1.0-ALPHA.1").description == "1.0a1")
        #expect(v("v2.0.post1").description == "2.0.post1")
        #expect(v("1.0-1").description == "1.0.post1")
        #expect(v("1.0c2").description == "1.0rc2")
        #expect(v("1.0.dev").description == "1.0.dev0")
        #expect(v("0.6.5+CU128").description == "0.6.5+cu128")
        #expect(v("1!2.0").epoch == 1)
        for bad in ["", "1.0+", "1..0", "abc", "1.0+cu_", "1.0 2"] { #expect(PEP440Version(bad) == nil, "\(bad)") }
    }

    @Test func ordering() {
        let ordered = ["1.0.dev1", "1.0a1", "1.0a2.dev1", "1.0a2", "1.0b1", "1.0rc1", "1.0", "1.0+local", "1.0.post1.dev1", "1.0.post1", "1.1", "1!0.1"]
        for (a, b) in zip(ordered, ordered.dropFirst()) { #expect(v(a) < v(b), "\(a) < \(b)") }
        #expect(v("1.0") == v("1.0.0"))
        #expect(v("1.0+cu128") > v("1.0+cu126"))
        #expect(v("1.0+1") > v("1.0+abc"))
        #expect(v("0.6.5+cu128").publicVersion == v("0.6.5"))
        #expect(v("0.10.0") > v("0.9.9"))  // numeric, not a string prefix
    }
}

@Suite struct WheelTagTests {
    let target = TargetEnvironment(pythonMajor: 3, pythonMinor: 12, architecture: "x86_64", glibc: GlibcVersion(major: 2, minor: 35))

    func compatibility(_ name: String) throws -> WheelCompatibility {
        try target.compatibility(of: WheelFilename(parsing: name))
    }

    @Test func parsesCompressedTagSets() throws {
        let wheel = try WheelFilename(parsing: "xgrammar-0.1.27-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl")
        #expect(wheel.tags.map(\.description) == ["cp312-cp312-manylinux_2_27_x86_64", "cp312-cp312-manylinux_2_28_x86_64"])
        #expect(try WheelFilename(parsing: "a-1.0-1build-py3-none-any.whl").build == "1build")
        #expect(throws: WheelFilenameError.self) { try WheelFilename(parsing: "a-1.0-py3-none.whl") }
        #expect(throws: WheelFilenameError.self) { try WheelFilename(parsing: "a-1.0.tar.gz") }
    }

    @Test func compatibleWheelsAndTheirGlibc() throws {
        #expect(try compatibility("f-0.6.5+cu128-cp39-abi3-manylinux_2_28_x86_64.whl") == .compatible(requiresGlibc: GlibcVersion(major: 2, minor: 28)))
        #expect(try compatibility("x-1-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl") == .compatible(requiresGlibc: GlibcVersion(major: 2, minor: 27)))
        #expect(try compatibility("x-1-cp310-abi3-manylinux2014_x86_64.whl") == .compatible(requiresGlibc: GlibcVersion(major: 2, minor: 17)))
        #expect(try compatibility("x-1-py3-none-any.whl") == .compatible(requiresGlibc: nil))
        #expect(try compatibility("x-1-py2.py3-none-any.whl") == .compatible(requiresGlibc: nil))
    }

    @Test func incompatibleWheels() throws {
        #expect(try compatibility("x-1-cp311-cp311-manylinux_2_17_x86_64.whl") == .wrongInterpreter)
        #expect(try compatibility("x-1-cp313-abi3-manylinux_2_17_x86_64.whl") == .wrongInterpreter)
        #expect(try compatibility("x-1-cp312-cp312-manylinux_2_39_x86_64.whl") == .glibcTooNew(GlibcVersion(major: 2, minor: 39)))
        #expect(try compatibility("x-1-cp312-cp312-musllinux_1_2_x86_64.whl") == .wrongPlatform)
        #expect(try compatibility("x-1-cp312-cp312-manylinux_2_17_aarch64.whl") == .wrongPlatform)
        #expect(try compatibility("x-1-cp312-cp312-linux_x86_64.whl") == .wrongPlatform)
    }
}
