import Bump
import Foundation
import Hashes
import PackageIndex
import Packaging
import Spec
import Testing

/// Discovery, grouping and the spec edit against the fixture server (no network).
@Suite(.serialized) struct BumpDiscoveryTests {
    static func proposer(_ server: BumpServer, spec: Spec, allowCUDAMajor: Bool = false, meter: TransferMeter? = nil) -> Proposer {
        var client = HTTPClient(timeout: 10, attempts: 1)
        client.meter = meter
        let http = client
        let target = TargetEnvironment(pythonMajor: 3, pythonMinor: 12, architecture: "x86_64", glibc: GlibcVersion("2.35")!)
        let resolver = IndexResolver(client: http, chooser: WheelChooser(target: target), cacheDirectory: FileManager.default.temporaryDirectory)
        let catalog = ReleaseCatalog(resolver: resolver, metadata: RemoteWheelMetadata(client: http))
        let fetch: @Sendable (String) async throws -> Digest = { url in
            let (body, _) = try await http.get(URL(string: url)!)
            return try Digest(parsing: "sha256:" + FileHasher.sha256(of: body))
        }
        return Proposer(spec: spec, lock: nil, allowCUDAMajor: allowCUDAMajor, sources: BumpSources(catalog: catalog, fetchArtifact: fetch))
    }

    static func load(_ text: String) throws -> Spec {
        try #require(SpecLoader.decode(Array(text.utf8), path: "spec.yaml").spec)
    }

    @Test func proposalsMoveCoupledReleasesTogether() async throws {
        let server = try BumpServer()
        let text = try server.spec()
        let meter = TransferMeter()
        let run = BumpRun(proposer: Self.proposer(server, spec: try Self.load(text), meter: meter), source: Array(text.utf8), specPath: "spec.yaml",
                          validator: nil, publisher: nil, specInRepository: "spec.yaml", meter: meter)
        let report = await run.run()
        #expect(report.proposals.map(\.group) == ["rt", "rt-cuda13", "helper"])
        #expect(report.errors.isEmpty)

        let rt = try #require(report.proposals.first)
        #expect(rt.status == .ready)
        #expect(rt.changes.map { "\($0.component)\($0.renamedTo.map { "→" + $0 } ?? "") \($0.old)→\($0.new) \($0.uploaded ?? "-")" } == [
            "rt 1.0→1.2 -",  // only the HTML page lists 1.2, and HTML has no upload-time
            "fi-cubin 0.5→0.7 2026-01-28",
            "fi-jit 0.5+cu128→0.7+cu128 -",
            "fi-python 0.5→0.7 2026-01-28",
            "kern→kern-ng 1.0→2.0rc1 2026-01-30",
            "torch 2.0→2.1 2026-01-20",
        ])
        let jit = try #require(rt.changes.first { $0.component == "fi-jit" })
        #expect(jit.url == "http://127.0.0.1:\(server.port)/artifacts/v0.7/fi_jit-0.7+cu128-py3-none-any.whl")
        #expect(jit.hash == "sha256:" + server.hex(try server.get("/artifacts/v0.7/fi_jit-0.7+cu128-py3-none-any.whl")))
        #expect(rt.removedWaivers == [RemovedWaiver(component: "rt", requirement: "kern==1.0")])
        #expect(rt.heldBack.map { "\($0.version): \($0.reason)" } == [
            "2.0: needs CUDA 13 (cuda-python>=13.0, fi-python[cu13]==0.8, nvidia-cublas-cu13); the spec has CUDA 12.8",
            "1.3: yanked (PEP 592): broken upload",
        ])
        #expect(rt.impact?.sourceRebuilds == ["demo-sm90-avx2"])

        // The newer release needs CUDA 13: a separate, breaking proposal, not applied without the flag.
        let breaking = report.proposals[1]
        #expect(breaking.status == .needsCUDAMajor)
        #expect(breaking.cuda.map { "\($0.old)→\($0.new)" } == "12.8→13.0")
        #expect(breaking.changes.first.map { "\($0.old)→\($0.new)" } == "1.0→2.0")
        #expect(breaking.blockers.contains { $0.contains("fi-jit 0.8+cu128: cannot download") && $0.contains("HTTP 404") })

        let helper = report.proposals[2]
        #expect(helper.changes.map { "\($0.old)→\($0.new)" } == ["1.0→1.5"])
        #expect(helper.heldBack.map { "\($0.version): \($0.reason)" } == ["2.0: rt 1.0 requires helper<2"])

        #expect(report.skipped.map(\.package) == ["fi-python, fi-cubin, fi-jit", "kern", "torch"])
        // The JSON page is stale: release 1.2 was found on the HTML page, and that is reported.
        let rtSource = try #require(report.sources.first { $0.project == "rt" })
        #expect(rtSource.source == .htmlNewer && rtSource.onlyInHTML == 1)

        // 1.2 has no PEP 658 file: read through range requests, never downloaded whole.
        let requests = try server.requests()
        let wheel12 = requests.filter { $0.path.hasSuffix("rt-1.2-py3-none-any.whl") }
        #expect(!wheel12.isEmpty && wheel12.allSatisfy { $0.range != nil })
        #expect(wheel12.first?.range == "bytes=-65536")
        let kernel = requests.filter { $0.path.hasSuffix("kern_ng-2.0rc1-py3-none-any.whl") }
        #expect(!kernel.isEmpty && kernel.allSatisfy { $0.range != nil })
        #expect(report.bytesDownloaded > 0 && report.bytesDownloaded == meter.snapshot.bytes)
    }

    @Test func theEditChangesExactlyTheProposedBytes() async throws {
        let server = try BumpServer()
        let text = try server.spec()
        let (proposals, _) = await Self.proposer(server, spec: try Self.load(text)).run()
        let rt = try #require(proposals.first { $0.group == "rt" })
        let edited = try ProposalEdit.apply(to: Array(text.utf8), path: "spec.yaml", proposal: rt)
        let newHash = server.hex(try server.get("/artifacts/v0.7/fi_jit-0.7+cu128-py3-none-any.whl"))
        let oldHash = server.hex(try server.get("/artifacts/v0.5/fi_jit-0.5+cu128-py3-none-any.whl"))
        var expected = text
        for (old, new) in [
            ("  rt:\n    version: 1.0\n", "  rt:\n    version: 1.2\n"),
            ("depends: [kern, fi-python, torch]", "depends: [kern-ng, fi-python, torch]"),
            ("      - requirement: kern==1.0\n        reason: kept until the kernel moves   # a comment that stays\n", ""),
            ("  kern:\n    version: \"1.0\"       # quoted on purpose", "  kern-ng:\n    version: \"2.0rc1\"       # quoted on purpose"),
            ("  fi-python:\n    version: 0.5\n", "  fi-python:\n    version: 0.7\n"),
            ("  fi-cubin:\n    version: 0.5\n", "  fi-cubin:\n    version: 0.7\n"),
            ("version: 0.5+cu128", "version: 0.7+cu128"),
            ("/artifacts/v0.5/fi_jit-0.5+cu128-", "/artifacts/v0.7/fi_jit-0.7+cu128-"),
            ("hash: sha256:\(oldHash)", "hash: sha256:\(newHash)"),
            ("  torch:\n    version: 2.0\n", "  torch:\n    version: 2.1\n"),
        ] {
            #expect(expected.components(separatedBy: old).count == 2, "'\(old)' occurs once")
            expected = expected.replacingOccurrences(of: old, with: new)
        }
        #expect(String(decoding: edited, as: UTF8.self) == expected)

        // Removing the last waiver removes the key; a second waiver keeps its neighbours.
        var both = rt
        both.removedWaivers.append(RemovedWaiver(component: "rt", requirement: "cuda-python==12.9"))
        let bare = String(decoding: try ProposalEdit.apply(to: Array(text.utf8), path: "spec.yaml", proposal: both), as: UTF8.self)
        #expect(!bare.contains("waivers:") && bare.contains("    depends: [kern-ng, fi-python, torch]\n  kern-ng:\n"))
    }

    @Test func allowCUDAMajorAppliesTheBreakingProposal() async throws {
        let server = try BumpServer()
        let text = try server.spec()
        let (proposals, _) = await Self.proposer(server, spec: try Self.load(text), allowCUDAMajor: true).run()
        let breaking = try #require(proposals.first { $0.group == "rt-cuda13" })
        // Allowed, but still blocked: its jit-cache artifact cannot be fetched.
        #expect(breaking.status == .blocked)
        #expect(breaking.blockers.count == 1)
    }

    @Test func prBodyHasTheTableAndTheMarker() async throws {
        let server = try BumpServer()
        let text = try server.spec()
        let (proposals, skipped) = await Self.proposer(server, spec: try Self.load(text)).run()
        let rt = try #require(proposals.first)
        let body = PullRequestBody.render(rt, skipped: skipped)
        #expect(PullRequestBody.targets(in: body) == rt.targets)
        #expect(rt.targets == "fi-cubin==0.7,fi-jit==0.7+cu128,fi-python==0.7,kern-ng==2.0rc1,rt==1.2,torch==2.1")
        #expect(body.contains("| kern → kern-ng | 1.0 | 2.0rc1 | 2026-01-30 |"))
        #expect(body.contains("- rt 1.3: yanked (PEP 592): broken upload"))
        #expect(body.contains("### Waivers removed"))
        #expect(body.contains("torch is built from source per variant: every variant rebuilds"))
        #expect(PullRequestBody.commitMessage(rt).contains("- kern → kern-ng: 1.0 → 2.0rc1\n"))
    }
}

/// The pieces, on their own.
@Suite struct BumpUnitTests {
    @Test func urlPatterns() {
        #expect(URLPattern.derive(
            oldURL: "https://github.com/flashinfer-ai/flashinfer/releases/download/v0.6.5/flashinfer_jit_cache-0.6.5+cu128-cp39-abi3-manylinux_2_28_x86_64.whl",
            oldVersion: "0.6.5+cu128", newVersion: "0.6.7.post3+cu128")
            == "https://github.com/flashinfer-ai/flashinfer/releases/download/v0.6.7.post3/flashinfer_jit_cache-0.6.7.post3+cu128-cp39-abi3-manylinux_2_28_x86_64.whl")
        #expect(URLPattern.derive(oldURL: "https://x/v1.0/a-1.0%2Bcu128.whl", oldVersion: "1.0+cu128", newVersion: "1.0.post1+cu128")
            == "https://x/v1.0.post1/a-1.0.post1%2Bcu128.whl")
        #expect(URLPattern.derive(oldURL: "https://x/latest.whl", oldVersion: "1.0", newVersion: "2.0") == nil)
    }

    @Test func cudaMajorsFromRequirements() {
        let env = MarkerEnvironment.linuxCPython(TargetEnvironment(pythonMajor: 3, pythonMinor: 12, architecture: "x86_64", glibc: GlibcVersion("2.35")!))
        let facts = RequirementFacts([
            "cuda-python==12.9", "nvidia-cublas-cu12", "torch==2.9.1+cu128", "x[cu13]==1; sys_platform == 'win32'", "y; extra == 'cu13'",
        ], environment: env)
        #expect(CUDANeed(facts).conflicts(withMajor: 12).isEmpty)
        let newer = RequirementFacts(["cuda-python>=13.0", "flashinfer_python[cu13]==0.7.2", "nvshmem4py-cu13", "cuda-bindings>=12.8,<14"], environment: env)
        #expect(CUDANeed(newer).conflicts(withMajor: 12).map(\.requirement) == ["cuda-python>=13.0", "flashinfer_python[cu13]==0.7.2", "nvshmem4py-cu13"])
        #expect(CUDANeed(newer).conflicts(withMajor: 13).isEmpty)
    }

    @Test func listingsMergeBothViews() {
        func file(_ name: String, yanked: String? = nil, upload: String? = nil) -> IndexFile {
            IndexFile(filename: name, url: "https://x/\(name)", hashes: [:], requiresPython: nil, yanked: yanked, coreMetadata: .absent, size: nil, uploadTime: upload)
        }
        let merged = ProjectListing.merge(project: "p", json: [file("p-1.0-py3-none-any.whl", upload: "2026-01-01T00:00:00Z")],
                                          html: [file("p-1.0-py3-none-any.whl", yanked: "bad"), file("p-2.0-py3-none-any.whl")])
        #expect(merged.source == .htmlNewer && merged.onlyInHTML == ["p-2.0-py3-none-any.whl"])
        #expect(merged.files.map(\.filename) == ["p-1.0-py3-none-any.whl", "p-2.0-py3-none-any.whl"])
        #expect(merged.files[0].yanked == "bad" && merged.files[0].uploadTime == "2026-01-01T00:00:00Z")
        #expect(ProjectListing.merge(project: "p", json: nil, html: [file("a")]).source == .htmlOnly)
    }
}

@Suite struct RenameTests {
    @Test func partners() {
        #expect(Renames.partner(of: "sgl-kernel", among: ["sgl-deep-gemm", "sgl-flash-mla", "sglang-kernel", "quack-kernels"]) == "sglang-kernel")
        #expect(Renames.partner(of: "flashinfer-cubin", among: ["sgl-flash-mla", "sglang-kernel"]) == nil)
        #expect(Renames.partner(of: "kern", among: ["kern-ng", "helper"]) == "kern-ng")
        #expect(Renames.partner(of: "xgrammar", among: ["llguidance"]) == nil)
    }
}

/// Range-request metadata against Python's zipfile as the format's oracle.
@Suite struct RemoteMetadataTests {
    @Test func zip64WheelsAreReadThroughRanges() async throws {
        let server = try BumpServer()
        let url = "http://127.0.0.1:\(server.port)/files/big-1.0-py3-none-any.whl"
        let meter = TransferMeter()
        var client = HTTPClient(timeout: 30, attempts: 1)
        client.meter = meter
        let wheel = try WheelFilename(parsing: "big-1.0-py3-none-any.whl")
        let (text, origin) = try await RemoteWheelMetadata(client: client).metadataText(url: url, wheel: wheel)
        #expect(origin == .rangeRequests)
        let oracle = try run(["python3", "-c", "import sys, zipfile, io; print(zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read())).read('big-1.0.dist-info/METADATA').decode(), end='')"],
                             environment: [:], input: try server.get("/files/big-1.0-py3-none-any.whl"))
        #expect(text == oracle.stdout)
        #expect(text.contains("Requires-Dist: torch==2.1"))
        let whole = try server.get("/files/big-1.0-py3-none-any.whl").count
        #expect(meter.snapshot.bytes < whole / 4, "range requests read \(meter.snapshot.bytes) of \(whole) bytes")
    }
}
