import Packaging
import Testing

@Suite struct VersionOrderTests {
    @Test func releaseSegmentsCompareNumericallyWhateverTheirLength() {
        #expect(PEP440Version("3.12.0")! < PEP440Version("4")!)
        #expect(PEP440Version("1.0.1")! < PEP440Version("2.0")!)
        #expect(PEP440Version("1.0")! == PEP440Version("1.0.0")!)
        #expect(PEP440Version("1.0rc1")! < PEP440Version("1.0")!)
        #expect(PEP440Version("1.0.dev1")! < PEP440Version("1.0a1")!)
        #expect(PEP440Version("1.0")! < PEP440Version("1.0.post1")!)
        #expect(PEP440Version("0.6.5")! < PEP440Version("0.6.5+cu128")!)
    }
}

@Suite struct SpecifierTests {
    func admits(_ spec: String, _ version: String, pre: Bool = false) throws -> Bool {
        try SpecifierSet(parsing: spec).contains(PEP440Version(version)!, prereleases: pre)
    }

    @Test func operators() throws {
        #expect(try admits("<4,>=3.8", "3.12.0"))
        #expect(try !admits(">=3.13", "3.12.0"))
        #expect(try admits("==0.6.*", "0.6.5"))
        #expect(try !admits("==0.6.*", "0.7.0"))
        #expect(try admits("~=1.4.2", "1.4.9"))
        #expect(try !admits("~=1.4.2", "1.5.0"))
        #expect(try admits("!=1.0", "1.1"))
        #expect(try !admits("!=1.0", "1.0.0"))
        #expect(try admits("==0.6.5", "0.6.5+cu128"))
        #expect(try !admits("==0.6.5+cu128", "0.6.5"))
        #expect(try !admits(">1.0", "1.0.post1"))
        #expect(try !admits("<2.0", "2.0rc1", pre: true))
    }

    @Test func preReleasesOnlyWhenAskedOrNamed() throws {
        #expect(try !admits(">=1.0", "2.0rc1"))
        #expect(try admits(">=1.0", "2.0rc1", pre: true))
        #expect(try admits("==2.0rc1", "2.0rc1"))
        #expect(try SpecifierSet(parsing: "==2.0rc1").isExactPin)
        #expect(try !SpecifierSet(parsing: ">=2").isExactPin)
    }

    @Test func badSpecifiersAreRejected() {
        #expect(throws: RequirementError.self) { try SpecifierSet(parsing: ">=1.0.*") }
        #expect(throws: RequirementError.self) { try SpecifierSet(parsing: "~=1") }
        #expect(throws: RequirementError.self) { try SpecifierSet(parsing: "=>1.0") }
    }
}

@Suite struct RequirementTests {
    let linux = MarkerEnvironment.linuxCPython(TargetEnvironment(pythonMajor: 3, pythonMinor: 12, architecture: "x86_64", glibc: GlibcVersion(major: 2, minor: 35)))

    @Test func parsesNamesExtrasSpecifiersAndMarkers() throws {
        let r = try Requirement(parsing: "uvicorn[standard, http2] >=0.30,<1 ; python_version >= \"3.9\"")
        #expect(r.name == "uvicorn")
        #expect(r.extras == ["standard", "http2"])
        #expect(r.specifier.description == "<1,>=0.30")
        #expect(r.applies(in: linux))
        let u = try Requirement(parsing: "pkg @ https://example.org/pkg-1.0.whl ; sys_platform == 'linux'")
        #expect(u.url == "https://example.org/pkg-1.0.whl")
        #expect(try Requirement(parsing: "flashinfer_python==0.6.3").normalizedName == "flashinfer-python")
        #expect(try Requirement(parsing: "torch (==2.9.1)").specifier.description == "==2.9.1")
    }

    @Test func evaluatesMarkersForTheTarget() throws {
        func applies(_ text: String, extras: [String] = []) throws -> Bool {
            var env = linux
            env.extras = extras
            return try Requirement(parsing: text).applies(in: env)
        }
        #expect(try !applies("pywin32; sys_platform == \"win32\""))
        #expect(try applies("triton; platform_system == \"Linux\" and platform_machine == \"x86_64\""))
        #expect(try !applies("x; platform_machine == \"aarch64\" or python_version < \"3.10\""))
        #expect(try applies("x; python_full_version >= '3.12.0' and (os_name == 'posix' or extra == 'nope')"))
        #expect(try !applies("pytest; extra == \"test\""))
        #expect(try applies("pytest; extra == \"Test\"", extras: ["test"]))
        #expect(try applies("x; 'linux' in sys_platform"))
        #expect(try !applies("x; python_version not in '3.11 3.12'"))
        #expect(try applies("x; python_version > '3.9'"))
    }

    @Test func syntaxErrorsNamePosition() {
        #expect(throws: RequirementError.syntax("x; foo == 'a'", position: 3, expected: "a marker variable or a quoted string")) {
            try Requirement(parsing: "x; foo == 'a'")
        }
        #expect(throws: RequirementError.self) { try Requirement(parsing: "x; python_version >= '3.9' and") }
        #expect(throws: RequirementError.self) { try Requirement(parsing: "[extra]") }
    }
}

@Suite struct CoreMetadataTests {
    @Test func readsHeadersAndContinuations() throws {
        let text = "Metadata-Version: 2.1\nName: sglang\nVersion: 0.5.9\nRequires-Python: >=3.10\nRequires-Dist: torch==2.9.1\nRequires-Dist: a;\n  extra == 'x'\n\nBody: not a header\n"
        let m = try CoreMetadata(parsing: text)
        #expect(m.name == "sglang")
        #expect(m.requiresPython == ">=3.10")
        #expect(m.requiresDist == ["torch==2.9.1", "a;\nextra == 'x'"])
        #expect(throws: CoreMetadataError.missingField("Version")) { try CoreMetadata(parsing: "Name: x\n") }
    }
}

@Suite struct TagPriorityTests {
    let target = TargetEnvironment(pythonMajor: 3, pythonMinor: 12, architecture: "x86_64", glibc: GlibcVersion(major: 2, minor: 35))

    @Test func prefersTheMostSpecificInstallableTag() throws {
        func best(_ name: String) throws -> Int? { target.bestPriority(of: try WheelFilename(parsing: name)) }
        let cp312 = try #require(try best("a-1-cp312-cp312-manylinux_2_17_x86_64.whl"))
        let abi3 = try #require(try best("a-1-cp312-abi3-manylinux_2_28_x86_64.whl"))
        let abi3old = try #require(try best("a-1-cp39-abi3-manylinux_2_28_x86_64.whl"))
        let pure = try #require(try best("a-1-py3-none-any.whl"))
        let newer = try #require(try best("a-1-cp312-cp312-manylinux_2_34_x86_64.whl"))
        #expect(newer < cp312)
        #expect(cp312 < abi3)
        #expect(abi3 < abi3old)
        #expect(abi3old < pure)
        #expect(try best("a-1-cp312-cp312-manylinux_2_39_x86_64.whl") == nil)
        #expect(try best("a-1-cp311-cp311-manylinux_2_17_x86_64.whl") == nil)
        #expect(try best("a-1-cp39-abi3-musllinux_1_2_x86_64.whl") == nil)
    }
}
