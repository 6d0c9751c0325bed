import CUDACompatibility
import DeviceCode
import Foundation
import Testing
import ZIPFoundation

/// The readers against cuobjdump's recorded view of fixtures made from real device code.
@Suite struct DeviceCodeReaderTests {
    static let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    static let files = ["multi.fatbin", "zstd.fatbin", "ptxonly.fatbin", "nokernels.fatbin", "lz4.fatbin", "libmulti.so", "libptx13.so",
                        "libnodevice.so", "k_sm_61.cubin", "k_sm_90a.cubin", "k_sm_100a.cubin", "k12_sm_100a.cubin", "nokernels_sm_90.cubin"]

    static func read(_ name: String) throws -> DeviceCodeFile {
        try #require(try DeviceCodeReader().read(path: fixtures.appendingPathComponent(name).path).first)
    }

    static func recorded(_ name: String, _ suffix: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent("\(name).\(suffix)"), encoding: .utf8)
    }

    static func counts(_ file: DeviceCodeFile) -> [String: Int] {
        Dictionary(file.entries.map { ($0.target.description, 1) }, uniquingKeysWith: +)
    }

    @Test(arguments: files) func targetsMatchCuobjdumpListing(_ name: String) throws {
        let file = try Self.read(name)
        #expect(Self.counts(file) == CuobjdumpOracle.targets(fromListing: try Self.recorded(name, "cuobjdump.txt")))
    }

    @Test(arguments: files) func entryKernelsMatchCuobjdumpSymbols(_ name: String) throws {
        let file = try Self.read(name)
        let ours = file.entries.filter { $0.target.kind == .sass }.map { $0.kernels ?? -1 }.reduce(0, +)
        #expect(ours == CuobjdumpOracle.entryKernels(fromSymbols: try Self.recorded(name, "symbols.txt")))
    }

    @Test(arguments: files.filter { $0.hasSuffix(".cubin") && $0 != "k_sm_61.cubin" })
    func cubinArchitectureMatchesCuobjdumpELFHeader(_ name: String) throws {
        let file = try Self.read(name)
        #expect(file.kind == .cubin)
        #expect(file.entries.map(\.target.description) == [CuobjdumpOracle.cubinArchitecture(fromELF: try Self.recorded(name, "elf.txt"))])
    }

    @Test func bothELFABIVersions() throws {
        // ABI 7 (ptxas 12.9, sm_61): the SM in the low byte of e_flags.
        #expect(try Self.read("k_sm_61.cubin").entries.map(\.target.description) == ["sm_61"])
        // ABI 8 with EF_CUDA_ACCELERATORS (ptxas 12.9) and with the .nv.compat attribute (ptxas 13.5).
        #expect(try Self.read("k12_sm_100a.cubin").entries.map(\.target.description) == ["sm_100a"])
        #expect(try Self.read("k_sm_100a.cubin").entries.map(\.target.description) == ["sm_100a"])
        #expect(try Self.read("k_sm_90a.cubin").entries.map(\.target.description) == ["sm_90a"])
    }

    @Test func compressedEntriesAreDecompressedToCountKernels() throws {
        let zstd = try Self.read("zstd.fatbin")
        #expect(zstd.entries.map(\.compression) == [.zstd, .zstd, .zstd])
        #expect(zstd.entries.map(\.kernels) == [2, nil, 2])
        let lz4 = try Self.read("lz4.fatbin")
        #expect(lz4.entries.map(\.compression) == [.lz4, .lz4])
        #expect(lz4.entries.first { $0.target.kind == .sass }?.kernels == 2)
    }

    @Test func cubinWithoutEntryKernels() throws {
        let file = try Self.read("nokernels.fatbin")
        #expect(file.kernels(of: DeviceCodeTarget("sm_90")!) == 0)
        #expect(file.kernels(of: DeviceCodeTarget("sm_80")!) == 2)
    }

    @Test func cudaRuntimeMajorFromDTNeeded() throws {
        #expect(try Self.read("libmulti.so").cudaRuntimeMajors == [12])
        #expect(try Self.read("libptx13.so").cudaRuntimeMajors == [13])
        let none = try Self.read("libnodevice.so")
        #expect(none.entries.isEmpty && none.cudaRuntimeMajors.isEmpty && none.kind == .elf)
        #expect(try Self.read("libmulti.so").needed == ["libcudart.so.12"])
    }

    @Test func runsCuobjdumpWhenInstalled() throws {
        guard CuobjdumpOracle.executable != nil else { return } // CI has no cuobjdump: the recorded output is the oracle there.
        for name in Self.files where !name.hasPrefix("k_sm_61") {
            let path = Self.fixtures.appendingPathComponent(name).path
            #expect(Self.counts(try Self.read(name)) == CuobjdumpOracle.targets(fromListing: try CuobjdumpOracle.run(["--list-elf", "--list-ptx", path])), "\(name)")
        }
    }

    @Test func truncatedAndCorruptInputIsAnErrorNotACrash() throws {
        let reader = DeviceCodeReader()
        for name in ["multi.fatbin", "libmulti.so", "k_sm_90a.cubin", "lz4.fatbin"] {
            let bytes = try Array(Data(contentsOf: Self.fixtures.appendingPathComponent(name)))
            for cut in [17, 80, bytes.count / 2, bytes.count - 9] {
                let part = Array(bytes[..<cut])
                _ = part.withUnsafeBytes { raw in Result { try reader.read(bytes: raw, path: "cut") } }
            }
            // Flipped bytes everywhere in the headers.
            for offset in stride(from: 0, to: min(bytes.count, 512), by: 3) {
                var damaged = bytes
                damaged[offset] ^= 0xff
                _ = damaged.withUnsafeBytes { raw in Result { try reader.read(bytes: raw, path: "damaged") } }
            }
        }
        let cut = try Array(Data(contentsOf: Self.fixtures.appendingPathComponent("multi.fatbin")))
        let error = cut[..<100].withUnsafeBytes { raw in Result { try reader.read(bytes: UnsafeRawBufferPointer(raw), path: "x.fatbin") } }
        #expect(throws: DeviceCodeError.self) { try error.get() }
        let text = Array("hello".utf8).withUnsafeBytes { raw in Result { try reader.read(bytes: raw, path: "t.so") } }
        #expect(throws: DeviceCodeError(path: "t.so", problem: "neither an ELF file nor a fatbin (no \\x7fELF or 0xBA55ED50 magic)")) { try text.get() }
    }

    @Test func wheelMembersAreReadFromTheZip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("devicecode-wheel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let wheel = dir.appendingPathComponent("kern-1.0-cp312-abi3-manylinux_2_28_x86_64.whl")
        let archive = try Archive(url: wheel, accessMode: .create)
        func add(_ path: String, _ data: Data, _ method: CompressionMethod) throws {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: method) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("kern/libmulti.so", try Data(contentsOf: Self.fixtures.appendingPathComponent("libmulti.so")), .deflate)
        try add("kern/cubins/k_sm_90a.cubin", try Data(contentsOf: Self.fixtures.appendingPathComponent("k_sm_90a.cubin")), .none)
        try add("kern/libnot.so.1", Data("not an ELF".utf8), .deflate)
        try add("kern/__init__.py", Data("".utf8), .deflate)
        try add("kern-1.0.dist-info/METADATA", Data("Metadata-Version: 2.1\nName: kern\nVersion: 1.0\n".utf8), .deflate)
        let files = try DeviceCodeReader().read(path: wheel.path)
        #expect(files.map { $0.path.replacingOccurrences(of: wheel.path, with: "W") } == ["W!kern/libmulti.so", "W!kern/cubins/k_sm_90a.cubin"])
        #expect(files.map { $0.targets.map(\.description) } == [["sm_80", "compute_90", "sm_90a", "sm_100a"], ["sm_90a"]])
    }

    @Test func renderingsNameEveryTarget() throws {
        let files = try ["libmulti.so", "lz4.fatbin", "libnodevice.so"].map(Self.read)
        let table = AuditRendering.table(files)
        #expect(table.contains("libmulti.so     sm_90a          1        2        -           libcudart.so.12"))
        #expect(table.contains("lz4.fatbin      sm_86           1        2        1 lz4"))
        #expect(table.contains("libnodevice.so  no device code"))
        #expect(table.hasSuffix("3 files, 2 with device code; targets: sm_80 compute_80 sm_86 compute_90 sm_90a sm_100a\n"))
        let json = try JSONSerialization.jsonObject(with: Data(AuditRendering.json(files).utf8)) as? [String: [[String: Any]]]
        #expect(json?["files"]?.count == 3)
    }

    /// The real sgl-kernel 0.3.21 and flashinfer-cubin 0.6.5 wheels, where they were downloaded
    /// (not in CI): `SGLANG_FORGE_REAL_WHEELS=/tmp/wheels swift test --filter realKernelWheels`
    /// after `pip download --no-deps sgl-kernel==0.3.21 flashinfer-cubin==0.6.5 -d /tmp/wheels`.
    /// The expected figures are cuobjdump 13.5's (`--list-elf --list-ptx`, `-symbols`) on the
    /// unzipped members.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SGLANG_FORGE_REAL_WHEELS"] != nil))
    func realKernelWheels() throws {
        let dir = URL(fileURLWithPath: ProcessInfo.processInfo.environment["SGLANG_FORGE_REAL_WHEELS"]!)
        let sgl = try DeviceCodeReader().read(path: dir.appendingPathComponent("sgl_kernel-0.3.21-cp310-abi3-manylinux2014_x86_64.whl").path)
        #expect(Set(sgl.flatMap(\.targets).map(\.description)) == ["sm_80", "compute_80", "sm_86", "sm_89", "sm_90", "compute_90", "sm_90a", "sm_100a", "sm_120a"])
        #expect(Set(sgl.flatMap(\.cudaRuntimeMajors)) == [12])
        let common = try #require(sgl.first { $0.path.hasSuffix("!sgl_kernel/sm90/common_ops.abi3.so") })
        #expect(common.entries.count == 444 && common.entries.filter { $0.compression == .lz4 }.count == 14)
        #expect(common.entries.compactMap(\.kernels).reduce(0, +) == 15336) // cuobjdump -symbols: 15336 FUNC … ENTRY
        let cubin = try DeviceCodeReader().read(path: dir.appendingPathComponent("flashinfer_cubin-0.6.5-py3-none-any.whl").path)
        #expect(cubin.count == 9262)
        #expect(Dictionary(cubin.flatMap(\.entries).map { ($0.target.description, 1) }, uniquingKeysWith: +) == ["sm_100": 7922, "sm_100a": 198, "sm_103a": 1142])
    }
}
