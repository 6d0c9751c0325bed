import DeviceCode
import Foundation
import Testing

/// Runs `script` with bash; returns standard output (standard error merged); fails on a non-zero exit.
private func sh(_ script: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-euo", "pipefail", "-c", script]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self)
    if process.terminationStatus != 0 { throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: output]) }
    return output
}

/// What `readelf -d` (the oracle) prints for the dynamic section: NEEDED, SONAME, RPATH, RUNPATH.
private func readelfDynamic(_ path: String) throws -> ELFDynamicSection {
    var result = ELFDynamicSection()
    for line in try sh("readelf -d -W '\(path)'").split(separator: "\n") {
        guard let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { continue }
        let value = String(line[line.index(after: open)..<close])
        if line.contains("(NEEDED)") { result.needed.append(value) }
        if line.contains("(SONAME)") { result.soname = value }
        if line.contains("(RPATH)") { result.rpath = value }
        if line.contains("(RUNPATH)") { result.runpath = value }
    }
    return result
}

@Suite("ELF dynamic section")
struct ELFDynamicSectionTests {
    @Test func matchesReadelfWithAndWithoutSectionHeaders() throws {
        let work = FileManager.default.temporaryDirectory.path + "/sglang-forge-elfdyn-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try sh("""
            cd '\(work)'
            echo 'int inner(void) { return 1; }' > inner.c
            echo 'int inner(void); double sqrt(double); int outer(double x) { return inner() + (int)sqrt(x); }' > outer.c
            echo 'int main(void) { return 0; }' > main.c
            gcc -shared -fPIC -Wl,-soname,libinner.so.1 -o libinner.so.1 inner.c
            gcc -shared -fPIC -Wl,-soname,libouter.so -Wl,--no-as-needed -o libouter.so outer.c ./libinner.so.1 -lm -Wl,-rpath,'$ORIGIN/../lib:/opt/x'
            gcc -shared -fPIC -Wl,--disable-new-dtags -Wl,--no-as-needed -o libold.so outer.c ./libinner.so.1 -Wl,-rpath,'$ORIGIN'
            gcc -static -o static main.c 2>/dev/null || true
            gcc -c -o inner.o inner.c
            objcopy --only-keep-debug libouter.so libouter.debug
            """)
        for name in ["libinner.so.1", "libouter.so", "libold.so"] {
            let read = try ELFDynamicSection.read(path: work + "/" + name)
            #expect(read == (try readelfDynamic(work + "/" + name)), "\(name)")
        }
        #expect(try ELFDynamicSection.read(path: work + "/libouter.so")?.needed.contains("libm.so.6") == true)
        #expect(try ELFDynamicSection.read(path: work + "/libold.so")?.rpath == "$ORIGIN")
        // Without section headers (e_shoff, e_shnum, e_shstrndx zeroed, as sstrip leaves a
        // file), the same facts come through PT_DYNAMIC and DT_STRTAB.
        try sh("""
            cd '\(work)'
            cp libouter.so noheaders.so
            python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(40); f.write(bytes(8)); f.seek(60); f.write(bytes(4)); f.close()' noheaders.so
            """)
        #expect(try sh("readelf -S -W '\(work)/noheaders.so'").contains("There are no sections"))
        #expect(try ELFDynamicSection.read(path: work + "/noheaders.so") == (try readelfDynamic(work + "/libouter.so")))
        if FileManager.default.fileExists(atPath: work + "/static"), try sh("readelf -d '\(work)/static'").contains("no dynamic section") {
            #expect(try ELFDynamicSection.read(path: work + "/static") == nil)
        }
        // An object file has no dynamic section; nor has a separate debug file, whose .dynamic
        // is SHT_NOBITS although its PT_DYNAMIC is kept.
        #expect(try ELFDynamicSection.read(path: work + "/inner.o") == nil)
        #expect(try sh("readelf -S -W '\(work)/libouter.debug'").contains("NOBITS"))
        #expect(try ELFDynamicSection.read(path: work + "/libouter.debug") == nil)
        // A 32-bit ELF is unsupported, with a message that says so.
        try sh("cd '\(work)' && printf '\\x7fELF\\x01\\x01\\x01' > elf32 && head -c 64 /dev/zero >> elf32")
        #expect(throws: DeviceCodeError(path: work + "/elf32", problem: "unsupported: 32-bit ELF (only ELF64 is read)")) {
            try ELFDynamicSection.read(path: work + "/elf32")
        }
    }
}
