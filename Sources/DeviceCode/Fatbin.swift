import CUDACompatibility
import Dispatch

/// Reads fatbin containers: the `.nv_fatbin` section of a host ELF, or a `.fatbin` file.
///
/// Layout (little-endian; NVIDIA does not publish it — fields as documented by the open readers
/// `n-eiling/cuda-fatbin-decompression` (`fatbin-decompress.h`) and LLVM offload tooling, checked
/// here against `cuobjdump --list-elf --list-ptx` of CUDA 13.5 on fixtures made by `fatbinary`):
///
/// - Container header, 16 bytes: `u32 magic = 0xBA55ED50`, `u16 version = 1`, `u16 header size`,
///   `u64 size of the entries that follow`. Containers follow each other, 8-byte aligned.
/// - Entry header (`header size` bytes, 64 or more): `u16 kind` (1 PTX, 2 ELF/SASS), `u16`,
///   `u32 header size`, `u64 payload size` (padded), `u32 compressed size`, `u32`, `u16 code
///   version minor`, `u16 major`, `u32 SM number` (`90`), `u32 name offset`, `u32 name size`,
///   `u64 flags`, `u64`, `u64 uncompressed size`; the payload follows the header.
/// - Flags: `0x1` 64-bit, `0x2` debug, `0x10` Linux host, `0x2000` LZ4-compressed payload,
///   `0x8000` zstd-compressed payload, `0x100000` architecture-specific code (`sm_90a`; seen on
///   every entry `cuobjdump` names with an `a`).
enum Fatbin {
    /// Counts the entry kernels of every pending cubin, in parallel when there are many
    /// (compressed cubins are decompressed in memory, the costly part).
    private static func countKernels(of pending: [(index: Int, payload: ByteView, compression: PayloadCompression, size: Int)],
                                     into result: inout [DeviceCodeEntry]) {
        guard !pending.isEmpty else { return }
        if pending.count < 16 {
            for job in pending { Cubin.countKernels(job.payload, compression: job.compression, uncompressedSize: job.size, into: &result[job.index]) }
            return
        }
        let entries = UnsafeMutableBufferPointer<DeviceCodeEntry>.allocate(capacity: pending.count)
        defer { entries.deallocate() }
        _ = entries.initialize(from: pending.map { result[$0.index] })
        nonisolated(unsafe) let jobs = pending
        nonisolated(unsafe) let out = entries
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
            Cubin.countKernels(jobs[i].payload, compression: jobs[i].compression, uncompressedSize: jobs[i].size, into: &out[i])
        }
        for (i, job) in pending.enumerated() { result[job.index] = entries[i] }
    }

    static let magic: UInt32 = 0xBA55_ED50

    static let flagLZ4: UInt64 = 0x2000
    static let flagZstd: UInt64 = 0x8000
    static let flagArchSpecific: UInt64 = 0x10_0000

    /// Every entry of every container in `bytes`.
    /// - Returns: the entries and the number of containers.
    static func entries(in bytes: ByteView, countKernels: Bool) throws(OutOfBounds) -> (entries: [DeviceCodeEntry], containers: Int) {
        var result: [DeviceCodeEntry] = []
        var pending: [(index: Int, payload: ByteView, compression: PayloadCompression, size: Int)] = []
        var containers = 0
        var at = 0
        while at + 16 <= bytes.count {
            let word = try bytes.u32(at, "a fatbin container header")
            guard word == magic else {
                // Padding between containers: zeros up to the next 8-byte boundary.
                at = (at + 8) & ~7
                continue
            }
            containers += 1
            let headerSize = Int(try bytes.u16(at + 6, "a fatbin container header"))
            let size = Int(clamping: try bytes.u64(at + 8, "a fatbin container header"))
            guard headerSize >= 16, size <= bytes.count - at - headerSize else {
                throw OutOfBounds(what: "fatbin container \(containers) (\(size) bytes at offset \(at))")
            }
            let body = try bytes.slice(at + headerSize, size, "fatbin container \(containers)")
            var e = 0
            while e + 64 <= body.count {
                let kind = try body.u16(e, "a fatbin entry header")
                let entryHeader = Int(try body.u32(e + 4, "a fatbin entry header"))
                let payloadSize = Int(clamping: try body.u64(e + 8, "a fatbin entry header"))
                guard entryHeader >= 64, entryHeader <= body.count - e, payloadSize <= body.count - e - entryHeader else {
                    throw OutOfBounds(what: "fatbin entry at offset \(at + headerSize + e) (header \(entryHeader) + payload \(payloadSize) bytes)")
                }
                let compressedSize = Int(try body.u32(e + 16, "a fatbin entry header"))
                let sm = Int(try body.u32(e + 28, "a fatbin entry header"))
                let flags = try body.u64(e + 40, "a fatbin entry header")
                let uncompressedSize = Int(clamping: try body.u64(e + 56, "a fatbin entry header"))
                let compression: PayloadCompression = flags & flagZstd != 0 ? .zstd : flags & flagLZ4 != 0 ? .lz4 : .none
                let suffix: ArchitectureSuffix = flags & flagArchSpecific != 0 ? .archSpecific : .none
                let stored = compression == .none ? payloadSize : min(compressedSize, payloadSize)
                let payload = try body.slice(e + entryHeader, stored, "a fatbin payload")
                switch kind {
                case 1:
                    result.append(DeviceCodeEntry(target: DeviceCodeTarget(.ptx, GPUArchitecture(number: sm, suffix: suffix)),
                                                  compression: compression, size: stored, kernels: nil))
                case 2:
                    var entry = DeviceCodeEntry(target: DeviceCodeTarget(.sass, GPUArchitecture(number: sm, suffix: suffix)),
                                                compression: compression, size: stored, kernels: nil)
                    if countKernels { pending.append((result.count, payload, compression, uncompressedSize)) }
                    result.append(entry)
                default:
                    break // other kinds (LTO IR, …) are no code a GPU runs
                }
                e += entryHeader + payloadSize
            }
            at = (at + headerSize + size + 7) & ~7
        }
        Self.countKernels(of: pending, into: &result)
        return (result, containers)
    }
}
