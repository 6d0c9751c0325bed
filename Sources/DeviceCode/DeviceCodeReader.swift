import CUDACompatibility
import Foundation
import ZIPFoundation

/// Reads the CUDA device code of files: host ELF files (shared objects, executables) with
/// `.nv_fatbin` sections, `.cubin` files, bare `.fatbin` files, and wheels (`.whl`), whose
/// members are read one at a time from the zip, never unpacked to disk.
///
/// Files are memory-mapped and only headers are read: the ELF section table, each fatbin
/// container's entry headers, and each cubin's ELF header and symbol table (decompressing an
/// LZ4/zstd cubin in memory to count its kernels).
public struct DeviceCodeReader: Sendable {
    /// Whether to count entry kernels (reads every cubin's symbol table).
    public var countKernels: Bool

    public init(countKernels: Bool = true) {
        self.countKernels = countKernels
    }

    /// Reads `path`: a wheel (by its `.whl` name), else one file.
    /// - Returns: one ``DeviceCodeFile`` per file, or per wheel member that holds ELF, cubin or
    ///   fatbin bytes (members in archive order).
    /// - Throws: ``DeviceCodeError`` naming the file (and member) that cannot be read or parsed.
    public func read(path: String) throws(DeviceCodeError) -> [DeviceCodeFile] {
        if path.hasSuffix(".whl") { return try readWheel(path: path) }
        let file = try MappedFile(path: path)
        return [try file.withBytes { (bytes) throws(DeviceCodeError) -> DeviceCodeFile in try read(bytes: bytes, path: path) }]
    }

    /// Reads one file's bytes. - Throws: ``DeviceCodeError`` with `path`.
    public func read(bytes: UnsafeRawBufferPointer, path: String) throws(DeviceCodeError) -> DeviceCodeFile {
        let view = ByteView(bytes)
        do {
            if view.count >= 4, try view.u32(0, "") == Fatbin.magic {
                let (entries, containers) = try Fatbin.entries(in: view, countKernels: countKernels)
                return DeviceCodeFile(path: path, kind: .fatbin, containers: containers, entries: entries, needed: [])
            }
        } catch {
            throw DeviceCodeError(path: path, problem: "truncated or corrupt fatbin: \(error.what) lies outside the file")
        }
        guard ELFFile.isELF(view) else {
            throw DeviceCodeError(path: path, problem: "neither an ELF file nor a fatbin (no \\x7fELF or 0xBA55ED50 magic)")
        }
        do {
            let elf = try ELFFile(view)
            if elf.machine == ELFFile.machineCUDA {
                var entry = DeviceCodeEntry(target: DeviceCodeTarget(.sass, try Cubin.architecture(of: elf)), compression: .none, size: view.count, kernels: nil)
                if countKernels { entry.kernels = try elf.functionSymbols(withOtherBit: Cubin.entryBit) }
                return DeviceCodeFile(path: path, kind: .cubin, containers: 0, entries: [entry], needed: [])
            }
            var entries: [DeviceCodeEntry] = []
            var containers = 0
            for section in elf.sections where section.type != 8 && elf.section(section, isNamed: ".nv_fatbin") {
                let found = try Fatbin.entries(in: try elf.contents(section), countKernels: countKernels)
                entries += found.entries
                containers += found.containers
            }
            return DeviceCodeFile(path: path, kind: .elf, containers: containers, entries: entries, needed: try elf.neededLibraries())
        } catch let problem as ELFProblem {
            throw DeviceCodeError(path: path, problem: problem.message)
        } catch let bounds as OutOfBounds {
            throw DeviceCodeError(path: path, problem: "truncated or corrupt fatbin: \(bounds.what) lies outside the section")
        } catch {
            throw DeviceCodeError(path: path, problem: "\(error)")
        }
    }

    /// Whether a wheel member may hold device code, by name: `*.so`, `*.so.N…`, `*.cubin`, `*.fatbin`.
    static func isCandidate(_ member: String) -> Bool {
        let name = member.split(separator: "/").last.map(String.init) ?? member
        if name.hasSuffix(".so") || name.hasSuffix(".cubin") || name.hasSuffix(".fatbin") { return true }
        guard let range = name.range(of: ".so.") else { return false }
        return name[range.upperBound...].allSatisfy { $0.isNumber || $0 == "." }
    }

    /// Reads every candidate member of the wheel at `path`, one at a time into memory.
    /// - Returns: files named `path!member`, for members that are ELF, cubin or fatbin files.
    public func readWheel(path: String) throws(DeviceCodeError) -> [DeviceCodeFile] {
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw DeviceCodeError(path: path, problem: "cannot open as a zip archive: \(error)")
        }
        var files: [DeviceCodeFile] = []
        for entry in archive where entry.type == .file && Self.isCandidate(entry.path) {
            let name = "\(path)!\(entry.path)"
            var buffer = Data()
            buffer.reserveCapacity(Int(clamping: entry.uncompressedSize))
            do {
                // The wheel's sha256 is checked by `lock` before it is read; CRC-32 adds nothing.
                _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: true) { chunk in
                    if buffer.isEmpty, chunk.count >= 4, !(chunk.starts(with: [0x7f, 0x45, 0x4c, 0x46]) || chunk.starts(with: [0x50, 0xed, 0x55, 0xba])) {
                        throw NotDeviceCode()
                    }
                    buffer.append(chunk)
                }
            } catch is NotDeviceCode {
                continue
            } catch {
                throw DeviceCodeError(path: name, problem: "cannot read the member: \(error)")
            }
            let file: Result<DeviceCodeFile, DeviceCodeError> = buffer.withUnsafeBytes { bytes in
                do throws(DeviceCodeError) { return .success(try read(bytes: bytes, path: name)) } catch { return .failure(error) }
            }
            files.append(try file.get())
        }
        return files
    }
}

private struct NotDeviceCode: Error {}
