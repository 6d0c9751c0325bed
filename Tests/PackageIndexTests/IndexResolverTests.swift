import ForgeTestSupport
import Foundation
import PackageIndex
import Packaging
import Testing

/// The index client against the fixture index on 127.0.0.1 (never the internet).
@Suite(.serialized) struct IndexResolverTests {
    let target = TargetEnvironment(pythonMajor: 3, pythonMinor: 12, architecture: "x86_64", glibc: GlibcVersion(major: 2, minor: 35))

    func withIndex<T>(timeout: Double = 10, _ body: (FixtureIndex, IndexResolver) async throws -> T) async throws -> T {
        let index = try FixtureIndex()
        defer { index.stop() }
        let cache = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: cache) }
        let resolver = IndexResolver(client: HTTPClient(timeout: timeout, attempts: 2, backoff: 0.05), chooser: WheelChooser(target: target), cacheDirectory: cache)
        return try await body(index, resolver)
    }

    func request(_ project: String, _ specifier: String, _ index: FixtureIndex) throws -> ResolveRequest {
        ResolveRequest(key: project, project: project, specifier: try SpecifierSet(parsing: specifier), index: index.root)
    }

    @Test func picksTheBestTaggedWheelOfThePinnedVersion() async throws {
        try await withIndex { index, resolver in
            let wheel = try await resolver.resolve(try request("alpha", "==1.0", index))
            #expect(wheel.choice.file.filename == "alpha-1.0-cp312-cp312-manylinux_2_17_x86_64.whl")
            #expect(wheel.choice.requiresGlibc == GlibcVersion(major: 2, minor: 17))
            #expect(wheel.metadataOrigin == .pep658)
            #expect(wheel.metadata.requiresDist.contains("beta==0.9"))
            #expect(wheel.choice.file.url == "http://127.0.0.1:\(index.port)/files/alpha-1.0-cp312-cp312-manylinux_2_17_x86_64.whl")
        }
    }

    @Test func rangesSkipAllYankedVersionsAndPreReleases() async throws {
        try await withIndex { index, resolver in
            let wheel = try await resolver.resolve(try request("alpha", ">=1.0", index))
            #expect(wheel.choice.wheel.version.description == "1.1")
        }
    }

    @Test func anExactPinAdmitsAPreRelease() async throws {
        try await withIndex { index, resolver in
            let wheel = try await resolver.resolve(try request("alpha", "==2.0rc1", index))
            #expect(wheel.choice.file.filename == "alpha-2.0rc1-py3-none-any.whl")
        }
    }

    @Test func anAllYankedPinIsAnError() async throws {
        try await withIndex { index, resolver in
            await #expect(throws: IndexError.allYanked(project: "alpha", version: "1.2", reasons: ["broken upload", ""])) {
                try await resolver.resolve(try request("alpha", "==1.2", index))
            }
        }
    }

    @Test func anUnknownVersionListsTheAvailableOnes() async throws {
        try await withIndex { index, resolver in
            await #expect(throws: IndexError.noMatchingVersion(project: "alpha", specifier: "==3.0", available: ["1.0", "1.1", "1.2", "2.0rc1"])) {
                try await resolver.resolve(try request("alpha", "==3.0", index))
            }
        }
    }

    @Test func htmlFallbackWithoutPEP658ReadsMETADATAFromTheWheel() async throws {
        try await withIndex { index, resolver in
            let wheel = try await resolver.resolve(try request("beta", "==1.0", index))
            #expect(wheel.choice.file.filename == "beta-1.0-py3-none-any.whl")
            #expect(wheel.metadataOrigin == .wheel)
            #expect(wheel.metadata.requiresDist == ["alpha>=1.0"])
            #expect(wheel.sha256 == wheel.choice.file.hashes["sha256"])
            #expect(wheel.size > 0)
        }
    }

    @Test func aMissingHashIsComputedFromTheDownload() async throws {
        try await withIndex { index, resolver in
            let wheel = try await resolver.resolve(try request("nohash", "==1.0", index))
            let data = try Data(contentsOf: URL(string: wheel.choice.file.url)!)
            #expect(wheel.sha256 == FileHasher.sha256(of: data))
            #expect(wheel.size == data.count)
        }
    }

    @Test func aWrongHashFails() async throws {
        try await withIndex { index, resolver in
            let error = await #expect(throws: IndexError.self) { try await resolver.resolve(try request("badhash", "==1.0", index)) }
            guard case .hashMismatch(let url, let expected, _) = error else { Issue.record("unexpected \(String(describing: error))"); return }
            #expect(url.hasSuffix("/files/badhash-1.0-py3-none-any.whl"))
            #expect(expected == String(repeating: "0", count: 64))
        }
    }

    @Test func aWrongMetadataHashFails() async throws {
        try await withIndex { index, resolver in
            let error = await #expect(throws: IndexError.self) { try await resolver.resolve(try request("badmeta", "==1.0", index)) }
            guard case .metadataHashMismatch(let url, _, _) = error else { Issue.record("unexpected \(String(describing: error))"); return }
            #expect(url.hasSuffix("badmeta-1.0-py3-none-any.whl.metadata"))
        }
    }

    @Test func missingMetadataFileIsA404() async throws {
        try await withIndex { index, resolver in
            await #expect(throws: IndexError.httpStatus(url: "http://127.0.0.1:\(index.port)/files/nometa-1.0-py3-none-any.whl.metadata", status: 404)) {
                try await resolver.resolve(try request("nometa", "==1.0", index))
            }
        }
    }

    @Test func aMissingProjectIsA404() async throws {
        try await withIndex { index, resolver in
            await #expect(throws: IndexError.httpStatus(url: "\(index.root)gone/", status: 404)) {
                try await resolver.resolve(try request("gone", "==1.0", index))
            }
        }
    }

    @Test func aSlowIndexTimesOutAfterRetries() async throws {
        try await withIndex(timeout: 0.5) { index, resolver in
            await #expect(throws: IndexError.timedOut(url: "\(index.root)slow/", seconds: 0.5, attempts: 2)) {
                try await resolver.resolve(try request("slow", "==1.0", index))
            }
        }
    }

    @Test func aSlowIndexWithinTheTimeLimitAnswers() async throws {
        try await withIndex(timeout: 10) { index, resolver in
            let wheel = try await resolver.resolve(try request("slow", "==1.0", index))
            #expect(wheel.choice.file.filename == "slow-1.0-py3-none-any.whl")
        }
    }

    @Test func noCompatibleWheelNamesEveryRejectedFile() throws {
        let chooser = WheelChooser(target: target)
        let files = ["c-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "c-1.0-cp312-cp312-manylinux_2_39_x86_64.whl", "c-1.0-cp312-cp312-macosx_11_0_arm64.whl"].map {
            IndexFile(filename: $0, url: "https://x/\($0)", hashes: [:], requiresPython: nil, yanked: nil, coreMetadata: .absent, size: nil)
        }
        #expect(throws: IndexError.noCompatibleWheel(project: "c", version: "1.0", target: chooser.targetDescription, rejected: [
            "c-1.0-cp311-cp311-manylinux_2_17_x86_64.whl (no tag for cp312)",
            "c-1.0-cp312-cp312-macosx_11_0_arm64.whl (platform macosx_11_0_arm64)",
            "c-1.0-cp312-cp312-manylinux_2_39_x86_64.whl (needs glibc 2.39)",
        ])) {
            try chooser.choose(from: files, project: "c", specifier: try SpecifierSet(parsing: "==1.0"))
        }
    }

    @Test func htmlPagesAreParsed() throws {
        let html = #"<html><body><a href="../../f/x-1.0-py3-none-any.whl#sha256=abc" data-requires-python="&gt;=3.8" data-yanked="bad &amp; old" data-core-metadata="sha256=def">x-1.0-py3-none-any.whl</a></body></html>"#
        let files = try SimpleHTMLPage.parse(Data(html.utf8), pageURL: URL(string: "https://i.example/simple/x/")!)
        #expect(files == [IndexFile(filename: "x-1.0-py3-none-any.whl", url: "https://i.example/f/x-1.0-py3-none-any.whl", hashes: ["sha256": "abc"],
                                    requiresPython: ">=3.8", yanked: "bad & old", coreMetadata: .available(hashes: ["sha256": "def"]), size: nil)])
    }
}
