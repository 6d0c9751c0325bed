import ForgeTestSupport
import Foundation
import NAR
import Testing

/// The NAR writer on its own: the encoding of single nodes (against `nix-store --dump`) and the
/// checks that keep it from writing archives Nix would reject.
struct NARWriterTests {
    @Test(.enabled(if: Shell.has("nix-store"), "needs nix-store on PATH"), arguments: [0, 1, 7, 8, 9, 4096])
    func singleFileMatchesNixStoreDump(size: Int) throws {
        let temp = try TemporaryDirectory("nar-file")
        let path = temp.path + "/f"
        let contents = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        try Data(contents).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        var writer = NARWriter(sink: NARBytesSink())
        contents.withUnsafeBytes { writer.regular(executable: true, contents: $0) }
        let dump = try Shell.run(["nix-store", "--dump", path])
        #expect(dump.status == 0)
        #expect(writer.sink.bytes == [UInt8](dump.stdout))

        var hasher = NARWriter(sink: NARSHA256Sink())
        contents.withUnsafeBytes { hasher.regular(executable: true, contents: $0) }
        #expect(hasher.sink.finalize().nixBase32 == (try Shell.check(["nix-hash", "--type", "sha256", "--base32", path])))
    }

    @Test func entriesMustBeSortedByteWiseAndNamesValid() throws {
        var writer = NARWriter(sink: NARBytesSink())
        writer.beginDirectory()
        try writer.beginEntry(name: Array("B".utf8)); writer.symlink(target: Array("x".utf8)); writer.endEntry()
        try writer.beginEntry(name: Array("a".utf8)); writer.symlink(target: Array("x".utf8)); writer.endEntry()
        #expect(throws: NARError.unsorted(previous: Array("a".utf8), next: Array("a".utf8))) { try writer.beginEntry(name: Array("a".utf8)) }
        #expect(throws: NARError.unsorted(previous: Array("a".utf8), next: Array("B".utf8))) { try writer.beginEntry(name: Array("B".utf8)) }
        for bad in ["", ".", "..", "a/b", "nul\0"] {
            #expect(throws: NARError.invalidName(Array(bad.utf8))) { try writer.beginEntry(name: Array(bad.utf8)) }
        }
        // Byte-wise, "ä" (0xc3 0xa4) sorts after "z".
        try writer.beginEntry(name: Array("z".utf8)); writer.symlink(target: [0x2e]); writer.endEntry()
        try writer.beginEntry(name: Array("ä".utf8)); writer.symlink(target: [0x2e]); writer.endEntry()
        writer.endDirectory()
    }

    @Test func declaredSizeMustMatchContents() {
        var writer = NARWriter(sink: NARBytesSink())
        #expect(throws: NARError.sizeMismatch(declared: 4, written: 3)) {
            try writer.regular(executable: false, size: 4) { write in [UInt8](repeating: 1, count: 3).withUnsafeBytes { write($0) } }
        }
    }
}
