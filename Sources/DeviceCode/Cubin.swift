import CUDACompatibility

/// Reads a cubin's architecture and entry kernels from its ELF header and symbol table.
///
/// The SM number in `e_flags` (LLVM `llvm/BinaryFormat/ELF.h`, `EF_CUDA_*`, and
/// `ELFObjectFileBase::getNVPTXCPUName`):
/// - ABI version 7 (`ELFABIVERSION_CUDA_V1`, toolkits before the Blackwell era): the SM number is
///   `e_flags & 0xff` (`EF_CUDA_SM`); `0x800` (`EF_CUDA_ACCELERATORS_V1`) marks `sm_90a`.
/// - ABI version 8 (`ELFABIVERSION_CUDA_V2`): the SM number is `(e_flags & 0xff00) >> 8`
///   (`EF_CUDA_SM_MASK`, `EF_CUDA_SM_OFFSET`); `0x8` (`EF_CUDA_ACCELERATORS`) marks `a` code.
///   ptxas of CUDA 13 leaves that bit clear and records `a` in the `.nv.compat` section instead
///   (attribute 9 with value 1, in the `.nv.info` record format `u8 format, u8 attribute, u16
///   value`); `cuobjdump -elf` of CUDA 13.5 names both `sm_90a`.
/// Entry kernels: `STT_FUNC` symbols with `STO_CUDA_ENTRY` (0x10) in `st_other`.
enum Cubin {
    static let entryBit: UInt8 = 0x10

    /// The target of a cubin file, and its entry kernels.
    static func read(_ bytes: ByteView) throws(ELFProblem) -> DeviceCodeEntry {
        let elf = try ELFFile(bytes)
        guard elf.machine == ELFFile.machineCUDA else { throw .unsupported("an ELF file for machine \(elf.machine), not a cubin (EM_CUDA)") }
        let arch = try architecture(of: elf)
        return DeviceCodeEntry(target: DeviceCodeTarget(.sass, arch), compression: .none, size: bytes.count,
                               kernels: try elf.functionSymbols(withOtherBit: entryBit))
    }

    /// The architecture `e_flags` (and `.nv.compat`) encode.
    static func architecture(of elf: ELFFile) throws(ELFProblem) -> GPUArchitecture {
        let flags = elf.flags
        switch elf.abiVersion {
        case 8...:
            var specific = flags & 0x8 != 0
            if !specific, let compat = elf.sections.first(where: { elf.section($0, isNamed: ".nv.compat") }) {
                specific = archSpecificAttribute(try elf.contents(compat))
            }
            return GPUArchitecture(number: Int((flags & 0xff00) >> 8), suffix: specific ? .archSpecific : .none)
        default:
            return GPUArchitecture(number: Int(flags & 0xff), suffix: flags & 0x800 != 0 ? .archSpecific : .none)
        }
    }

    /// Whether `.nv.compat` holds attribute 9 with value 1. Records are `u8 format, u8 attribute`
    /// then, for format 2 (`EIFMT_BVAL`), one byte of value and one of padding; for format 3
    /// (`EIFMT_HVAL`) a `u16`; for format 4 (`EIFMT_SVAL`) a `u16` size and that many bytes.
    static func archSpecificAttribute(_ bytes: ByteView) -> Bool {
        var at = 0
        while at + 4 <= bytes.count {
            guard let format = try? bytes.u8(at, ""), let attribute = try? bytes.u8(at + 1, "") else { return false }
            switch format {
            case 2:
                if attribute == 9, let value = try? bytes.u8(at + 2, "") { return value == 1 }
                at += 4
            case 3:
                at += 4
            case 4:
                guard let size = try? bytes.u16(at + 2, "") else { return false }
                at += 4 + Int(size)
            default:
                at += 4
            }
        }
        return false
    }

    /// Fills `entry.kernels` from a fatbin payload (decompressing it when needed).
    static func countKernels(_ payload: ByteView, compression: PayloadCompression, uncompressedSize: Int, into entry: inout DeviceCodeEntry) {
        func count(_ bytes: ByteView) {
            do {
                let elf = try ELFFile(bytes)
                entry.kernels = try elf.functionSymbols(withOtherBit: entryBit)
            } catch {
                entry.note = "the cubin cannot be read: \(error.message)"
            }
        }
        if compression == .none {
            count(payload)
            return
        }
        guard let bytes = Decompression.decompress(payload, as: compression, size: uncompressedSize) else {
            entry.note = "the \(compression.rawValue) payload cannot be decompressed"
            return
        }
        bytes.withUnsafeBytes { count(ByteView($0)) }
    }
}
