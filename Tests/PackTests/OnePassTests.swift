import Foundation
import Testing
@testable import Pack

/// A prefix with a launcher, a text file naming the prefix (so the head holds the manifest and
/// the prefix-rewrites list) and more than one zstd job of data.
private func makeMixedPrefix(_ work: TemporaryDirectory) throws -> String {
    let prefix = work.path + "/p"
    try work.write("p/bin/python3", "#!/bin/sh\necho python\n", executable: true)
    try work.write("p/bin/tool", "#!\(prefix)/bin/python3\nprint('hi')\n", executable: true)
    try work.write("p/lib/pkgconfig/x.pc", "prefix=\(prefix)\nlibdir=${prefix}/lib\n")
    try work.write("p/a/b.txt", String(repeating: "one pass ", count: 1 << 19))
    var generator = SystemRandomNumberGenerator()
    let noise = (0..<(3 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
    try Data(noise).write(to: URL(fileURLWithPath: prefix + "/a/noise.bin"))
    return prefix
}

/// Files in `directory` whose names start with `.` (the temporary siblings `pack` writes).
private func hiddenFiles(_ directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") }.sorted()
}

@Suite("one-pass writer")
struct OnePassTests {
    @Test func sameBytesTwiceAndWithTheReadWriteCopy() throws {
        let work = try TemporaryDirectory("one-pass")
        let prefix = try makeMixedPrefix(work)
        let out = work.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let first = try Packer.pack(prefix: prefix, output: out + "/a.tar.zst", options: PackOptions(zstdThreads: 2))
        _ = try Packer.pack(prefix: prefix, output: out + "/b.tar.zst", options: PackOptions(zstdThreads: 1))
        // The copy behind the head (instead of inserting the head in place) gives the same bytes.
        _ = try Packer.pack(prefix: prefix, output: out + "/c.tar.zst", options: PackOptions(zstdThreads: 3), libraries: .host(),
                            allowInsertRange: false, progress: nil)
        let bytes = try ["a", "b", "c"].map { try Data(contentsOf: URL(fileURLWithPath: out + "/\($0).tar.zst")) }
        #expect(bytes[0] == bytes[1])
        #expect(bytes[0] == bytes[2])
        #expect(Int64(bytes[0].count) == first.archiveBytes)
        #expect(first.textRewrites == ["lib/pkgconfig/x.pc"])
        #expect(first.rewrittenScripts == ["bin/tool"])
        // No temporary body or archive is left next to the output.
        #expect(try hiddenFiles(out) == [])
        // Two zstd frames (the head, then the body) and a skippable frame between them, which zstd
        // reads as one stream and tar as one archive: the manifest first, the rewrites list
        // second, then the tree in byte order.
        let listed = try Shell.run("zstd -lv \(shellQuoted(out))/a.tar.zst").output
        func count(_ label: String) -> Int? {
            listed.split(separator: "\n").first { $0.hasPrefix(label) }.flatMap { Int($0.split(separator: " ").last ?? "") }
        }
        #expect(count("# Zstandard Frames: ") == 2, "\(listed)")
        #expect(count("# Skippable Frames: ") == 1, "\(listed)")
        let listing = try Shell.run("zstd -dc \(shellQuoted(out))/a.tar.zst | tar -tf -")
        #expect(listing.output.split(separator: "\n").map(String.init) == [
            "share/sglang-forge/manifest.tsv", "share/sglang-forge/prefix-rewrites.tsv",
            "a/", "a/b.txt", "a/noise.bin", "bin/", "bin/python3", "bin/tool", "lib/", "lib/pkgconfig/", "lib/pkgconfig/x.pc",
            "share/", "share/sglang-forge/",
        ])
        // libarchive (unpack) reads the concatenated frames too, and every hash matches.
        let report = try Unpacker.unpack(archive: out + "/a.tar.zst", into: work.path + "/u")
        #expect(report.rewrittenFiles == 1)
        #expect(try String(contentsOfFile: work.path + "/u/lib/pkgconfig/x.pc", encoding: .utf8).hasPrefix("prefix=\(work.path)/u\n"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: work.path + "/u/a/noise.bin")) == Data(contentsOf: URL(fileURLWithPath: prefix + "/a/noise.bin")))
    }

    @Test func copyAllHandlesShortCopiesOffsetsAndTheFallback() throws {
        let work = try TemporaryDirectory("copy-all")
        var generator = SystemRandomNumberGenerator()
        // Larger than the fallback's 1 MiB buffer and not a multiple of it.
        let data = Data((0..<((3 << 20) + 17)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try data.write(to: URL(fileURLWithPath: work.path + "/body"))
        for allow in [true, false] {
            let output = work.path + "/out-\(allow)"
            try ArchiveAssembly.assemble(headFrame: Array("HEAD".utf8), body: work.path + "/body", output: output, allowCopyFileRange: allow)
            #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == Data("HEAD".utf8) + data, "allowCopyFileRange: \(allow)")
            // The output is created, never overwritten.
            #expect(throws: PackError.self) {
                try ArchiveAssembly.assemble(headFrame: [], body: work.path + "/body", output: output, allowCopyFileRange: allow)
            }
        }
        // From the current offset of the source to its end.
        let input = open(work.path + "/body", O_RDONLY), output = open(work.path + "/tail", O_WRONLY | O_CREAT | O_EXCL, 0o644)
        defer { close(input); close(output) }
        #expect(lseek(input, 1000, SEEK_SET) == 1000)
        let copied = try FileSystem.copyAll(from: input, to: output, source: "body", destination: "tail", allowCopyFileRange: false)
        #expect(copied == Int64(data.count - 1000))
        #expect(try Data(contentsOf: URL(fileURLWithPath: work.path + "/tail")) == data.dropFirst(1000))
    }

    @Test func headTarHasNoEndOfArchiveBlocks() throws {
        let tar = try ArchiveAssembly.headTar([("a.txt", Array("abc".utf8))], mtime: 0)
        // One 512-byte header and one 512-byte data block: no end-of-archive zero blocks.
        #expect(tar.count == 1024)
        #expect(Array(tar[512..<515]) == Array("abc".utf8))
        let frame = try ArchiveAssembly.zstdFrame(tar, level: 3)
        #expect(frame.starts(with: [0x28, 0xb5, 0x2f, 0xfd]))
        #expect(try ArchiveAssembly.zstdFrame(tar, level: 3) == frame)
    }

    @Test func paddedHeadEndsInOneSkippableFrameOnABlockBoundary() throws {
        for size in [0, 1, 100, 4087, 4088, 4089, 4096, 9000] {
            let frame = [UInt8](repeating: 0xAB, count: size)
            let padded = ArchiveAssembly.paddedHead(frame)
            #expect(padded.count % 4096 == 0 && padded.count >= size + 8, "size \(size)")
            #expect(Array(padded.prefix(size)) == frame)
            // RFC 8878 §3.1.2: magic 0x184D2A50 and the size of what follows, little-endian.
            #expect(Array(padded[size..<(size + 4)]) == [0x50, 0x2a, 0x4d, 0x18], "size \(size)")
            let skipped = padded[(size + 4)..<(size + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
            #expect(skipped == padded.count - size - 8 && padded[(size + 8)...].allSatisfy { $0 == 0 }, "size \(size)")
        }
    }

    @Test func prependInPlaceAndByCopyGiveTheSameFile() throws {
        let work = try TemporaryDirectory("prepend")
        var generator = SystemRandomNumberGenerator()
        let body = Data((0..<((1 << 20) + 5)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let head = ArchiveAssembly.paddedHead(Array("HEAD".utf8))
        for allow in [true, false] {
            let path = work.path + "/archive-\(allow)"
            try body.write(to: URL(fileURLWithPath: path))
            try ArchiveAssembly.prepend(head, to: path, allowInsertRange: allow)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(head) + body, "allowInsertRange: \(allow)")
        }
        // Nothing is left beside them (the copy's temporary body is removed).
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).sorted() == ["archive-false", "archive-true"])
    }

    @Test func aRefusedPackLeavesNoTemporaryFiles() throws {
        let work = try TemporaryDirectory("refused-temp")
        let prefix = try makeMixedPrefix(work)
        try FileManager.default.createSymbolicLink(atPath: prefix + "/a/sh", withDestinationPath: "/bin/sh")
        let out = work.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        #expect(throws: PackError.self) { try Packer.pack(prefix: prefix, output: out + "/x.tar.zst") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == [])
    }

    @Test func contentDigestFindsThePrefixAcrossEverySeam() throws {
        // The needle at every offset around a chunk seam, in chunks of every small size.
        let needle = "/build/prefix"
        for position in 0..<40 {
            var text = Array(repeating: UInt8(ascii: "x"), count: 64)
            text.replaceSubrange(position..<(position + needle.utf8.count), with: Array(needle.utf8))
            for chunk in [1, 3, 7, 13, 20, 64] {
                var digest = ContentDigest(needles: [needle])
                var at = 0
                while at < text.count {
                    let end = min(at + chunk, text.count)
                    text[at..<end].withUnsafeBytes { digest.update($0) }
                    at = end
                }
                #expect(digest.occurrences == 1 && digest.firstOffset == position, "position \(position), chunk \(chunk)")
            }
        }
    }
}
