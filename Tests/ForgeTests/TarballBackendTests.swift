import BackendCore
import Foundation
import Planner
import Spec
import TarballBackend
import Testing

/// The fixture spec's path as the goldens' headers name it (scripts/tarball-goldens.sh runs
/// `emit` on it from the package root).
private let fixturePath = "Tests/ForgeTests/Fixtures/tarball/spec.yaml"

private func fixtureURL(_ relative: String) throws -> URL {
    try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures/tarball/\(relative)")
}

private func fixtureText() throws -> String {
    try String(contentsOf: fixtureURL("spec.yaml"), encoding: .utf8)
}

/// Plans spec text; fails the test on planning errors.
private func plan(_ text: String, path: String = fixturePath) throws -> BuildPlan {
    let (spec, loadDiagnostics) = SpecLoader.decode(Array(text.utf8), path: path)
    let loaded = try #require(spec, "\(loadDiagnostics.map(\.description))")
    let (plan, diagnostics) = Planner.plan(loaded)
    return try #require(plan, "\(diagnostics.filter { $0.severity == .error }.map(\.description))")
}

/// The rendering's error messages, `line:col: message`.
private func emitErrors(_ plan: BuildPlan) -> [String] {
    do {
        _ = try TarballBackend().render(plan, layout: "scripts")
        return []
    } catch {
        return error.diagnostics.map(\.description)
    }
}

@Suite("tarball backend")
struct TarballBackendTests {
    @Test func goldenFiles() throws {
        let files = try TarballBackend().render(try plan(fixtureText()), layout: "scripts")
        let golden = try fixtureURL("golden")
        var expected: [String: (text: String, executable: Bool)] = [:]
        let enumerator = try #require(FileManager.default.enumerator(at: golden, includingPropertiesForKeys: [.isRegularFileKey]))
        for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            let relative = String(url.standardizedFileURL.path.dropFirst(golden.standardizedFileURL.path.count + 1))
            let mode = (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue ?? 0
            expected[relative] = (try String(contentsOf: url, encoding: .utf8), mode & 0o100 != 0)
        }
        #expect(files.map(\.path).sorted() == expected.keys.sorted(), "run scripts/tarball-goldens.sh and review the diff")
        for file in files {
            guard let want = expected[file.path] else { continue }
            if file.contents != want.text {
                let got = file.contents.split(separator: "\n", omittingEmptySubsequences: false)
                let exp = want.text.split(separator: "\n", omittingEmptySubsequences: false)
                let line = Array(zip(got, exp)).firstIndex { $0 != $1 } ?? min(got.count, exp.count)
                Issue.record("\(file.path):\(line + 1) differs from the golden file (run scripts/tarball-goldens.sh):\n  golden: \(line < exp.count ? String(exp[line]) : "<end>")\n  now:    \(line < got.count ? String(got[line]) : "<end>")")
            }
            #expect(file.isExecutable == want.executable, "\(file.path): executable bit")
        }
        // Emitting is deterministic.
        #expect(try TarballBackend().render(try plan(fixtureText()), layout: "scripts") == files)
    }

    /// `specs/main.yaml` as `emit` sees it: with `specs/main.lock` (every wheel and the Python
    /// closure locked), through the command line, against `Fixtures/tarball/golden-main`.
    @Test func mainSpecWithItsLockMatchesGoldens() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("forge-tarball-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let emit = try TestSupport.run(TestSupport.executable.path, ["emit", "--backend", "tarball", "specs/main.yaml", "--locked", "-o", output.path], in: root)
        #expect(emit.status == 0, "\(emit.stderr)")
        let golden = try fixtureURL("golden-main")
        let diff = try TestSupport.run("/usr/bin/diff", ["-ru", "--exclude=.sglang-forge-manifest", golden.path, output.path])
        #expect(diff.status == 0, "run scripts/tarball-goldens.sh and review the diff:\n\(diff.stdout)")
        let script = try String(contentsOf: output.appendingPathComponent("sglang-python312-cuda12_8-sm90-avx512/build.sh"), encoding: .utf8)
        #expect(script.contains("PYTHON_DEPS_REQUIREMENTS=\"${PYTHON_DEPS_REQUIREMENTS:-$common/python-closure.txt}\""))
        // libcuda.so.1 comes from the driver: allowed from the host, refused inside the prefix.
        #expect(script.contains("die 'libcuda.so.1 must come from the driver, but the prefix contains a copy'"))
    }

    @Test func everyVariantBuildsWithTheSameSteps() throws {
        let files = try TarballBackend().render(try plan(fixtureText()), layout: "scripts")
        let scripts = files.filter { $0.path.hasSuffix("/build.sh") }
        #expect(scripts.count == 18)
        for script in scripts {
            let text = script.contents
            #expect(text.hasPrefix("#!/usr/bin/env bash\n# Generated by sglang-forge from \(fixturePath);"))
            #expect(text.contains("\nset -euo pipefail\n"))
            // Every download is checked: each `fetch` has an algorithm and a 64-hex digest.
            for line in text.split(separator: "\n") where line.hasPrefix("fetch ") {
                #expect(line.split(separator: " ").count == 5 && line.split(separator: " ")[2] == "sha256" && line.split(separator: " ")[3].count == 64, "\(line)")
            }
            #expect(!text.contains("libcuda.so.1 libcuda"), "libcuda is never bundled")
            #expect(text.contains("pip_install --force-reinstall --require-hashes -r \"$common/requirements.txt\""))
        }
        let requirements = try #require(files.first { $0.path == "common/requirements.txt" }).contents
        for line in requirements.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.contains(" @ https://") && line.contains(" --hash=sha256:"), "\(line)")
        }
        let sm61 = try #require(files.first { $0.path == "sglang-python312-cuda12_8-sm61-avx2/runtime.json" }).contents
        // The shared runtime manifest (RuntimeManifest): the SM61 cuDNN override and the driver.
        #expect(sm61.contains("\"name\" : \"USE_CUDNN\",\n        \"reason\" : \"cuDNN 9.11+ dropped support for compute capabilities below 7.5\",\n        \"value\" : \"0\""), "\(sm61)")
        #expect(sm61.contains("\"minDriver\" : \"550\""))
        #expect(sm61.contains("\"schema\" : \"sglang-forge/runtime\""))
    }

    @Test func unpinnedWheelsAreLocatedErrors() throws {
        // specs/main.yaml as it is: six wheels wait for `sglang-forge lock`.
        let main = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("specs/main.yaml"), encoding: .utf8)
        let errors = emitErrors(try plan(main, path: "specs/main.yaml"))
        let message = { (name: String) in "error: component '\(name)' has no pinned wheel: the tarball backend installs only wheels pinned by url and hash (pin it in the spec, or run `sglang-forge lock`)" }
        // Each error points at the component's key in the spec.
        let lines = main.split(separator: "\n", omittingEmptySubsequences: false)
        let line = { (name: String) in (lines.firstIndex { $0 == "  \(name):" } ?? -1) + 1 }
        let names = ["sglang", "sgl-kernel", "flashinfer-python", "flashinfer-cubin", "apache-tvm-ffi", "xgrammar"]
        #expect(errors == names.map { "specs/main.yaml:\(line($0)):3: \(message($0))" })
    }

    @Test func missingTarballSectionAndPins() throws {
        let text = try fixtureText()
        let withoutSection = String(text[..<text.range(of: "\n# Read only by the tarball backend")!.lowerBound]) + "\n"
        #expect(emitErrors(try plan(withoutSection)) == [
            "\(fixturePath): error: the spec has no 'tarball' section; the tarball backend needs at least 'tarball.python', a relocatable CPython pinned by url and hash",
        ])
        // No CUDA runtime wheel for nvrtc: every component linking it is reported.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0 == "    cuda_nvrtc:" })
        let withoutNVRTC = (lines[..<start] + lines[(start + 4)...]).joined(separator: "\n")
        let errors = emitErrors(try plan(withoutNVRTC))
        #expect(errors.count == 2)
        #expect(errors.first?.hasSuffix("error: component 'sgl-kernel' links 'cuda_nvrtc' (libnvrtc.so.12), a CUDA library the tarball must bundle, but 'tarball.libraries' pins no artifact for it") == true, "\(errors)")
    }

    @Test func plannerChecksTheTarballSection() throws {
        let text = try fixtureText()
        func planErrors(_ edited: String) -> [String] {
            let (spec, load) = SpecLoader.decode(Array(edited.utf8), path: "t.yaml")
            guard let spec else { return load.filter { $0.severity == .error }.map(\.description) }
            return Planner.plan(spec).diagnostics.filter { $0.severity == .error }.map(\.description)
        }
        let wrongPython = text.replacingOccurrences(of: "    version: 3.12.14\n", with: "    version: 3.11.9\n")
        #expect(planErrors(wrongPython).first?.contains("error: 'tarball.python' is CPython 3.11.9, but 'runtime.python' is 3.12") == true, "\(planErrors(wrongPython))")
        let driver = text.replacingOccurrences(of: "    numactl:\n      version: 2.0.16-1", with: "    libcuda:\n      version: 2.0.16-1")
        #expect(planErrors(driver).first?.hasSuffix("error: system library 'libcuda' comes from the NVIDIA driver and is never bundled") == true, "\(planErrors(driver))")
        let typo = text.replacingOccurrences(of: "  libraries:\n", with: "  librarys:\n")
        #expect(planErrors(typo).first?.contains("unknown key 'librarys'") == true, "\(planErrors(typo))")
        let unhashed = text.replacingOccurrences(of: "    hash: sha256:639e1ab6bd66ead40db8a22c332d7199679fa22db261cac34444eb8eb4c17dda\n", with: "")
        #expect(planErrors(unhashed).first?.hasSuffix("error: library 'numactl' is pinned by URL but has no 'hash'; every download needs one") == true, "\(planErrors(unhashed))")
    }

    /// Values with every shell quoting hazard a spec may hold (apostrophes, `$`, backticks,
    /// `$(`, backslashes, a `#` after a space) come out of `env.sh` as exactly those values in
    /// bash and in dash; comments hold the `why` text, never a command.
    @Test(arguments: ["bash", "sh"])
    func environmentValuesAreDataInEnvSh(shell: String) throws {
        let hostile = #"it's "$HOME" `touch /tmp/forge-pwned` $(touch /tmp/forge-pwned) $((1+1)) \ # not a comment {prefix}/x"#
        let text = try fixtureText().replacingOccurrences(of: "environment:\n", with: """
            environment:
              HOSTILE_VALUE:
                value: '\(hostile.replacingOccurrences(of: "'", with: "''"))'
                why: "it's $(touch /tmp/forge-pwned) `x`"
              PYTHONPATH:
                value: "it's {prefix}/lib"

            """)
        let files = try TarballBackend().render(try plan(text), layout: "scripts")
        let env = try #require(files.first { $0.path.hasSuffix("/env.sh") })
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("env.sh")
        try Data(env.contents.utf8).write(to: script)
        let run = try TestSupport.run("/usr/bin/env", [
            "-u", "HOSTILE_VALUE", "PYTHONPATH=/old", "SGLANG_FORGE_PREFIX=/opt/it's", shell, "-c",
            ". \"$1\" && printf '%s\\0' \"$HOSTILE_VALUE\" \"$PYTHONPATH\"", "sh", script.path,
        ])
        #expect(run.status == 0 && run.stderr.isEmpty, "\(shell): \(run.stderr)")
        let expected = hostile.replacingOccurrences(of: "{prefix}", with: "/opt/it's") + "\0it's /opt/it's/lib:/old\0"
        #expect(run.stdout == expected)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/forge-pwned"))
    }
}
