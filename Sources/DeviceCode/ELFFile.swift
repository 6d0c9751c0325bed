/// The parts of an ELF64 little-endian file that device-code auditing needs: the header, the
/// section headers (names, types, file ranges), the dynamic section's `DT_NEEDED` entries and the
/// symbol table.
///
/// Layout: the System V gABI ("ELF-64 Object File Format" and the gABI chapter 4, "Object Files":
/// `Elf64_Ehdr`, `Elf64_Shdr`, `Elf64_Dyn`, `Elf64_Sym`), with the extended numbering of
/// `e_shnum`/`e_shstrndx` through section 0 (`SHN_XINDEX`). Nothing is loaded: every field is
/// read from the bytes where it lies, bounds-checked.
struct ELFFile {
    /// `EM_CUDA`: a cubin (gABI machine 190).
    static let machineCUDA: UInt16 = 190

    struct Section {
        /// Offset of the name in the section name table (read with ``ELFFile/name(of:)``; names
        /// are not decoded up front: a cubin of a large library has thousands of sections with
        /// long mangled names, and only `.nv_fatbin`/`.nv.compat` are ever looked for).
        var nameOffset: Int
        var type: UInt32
        var offset: Int
        var size: Int
        var link: Int
        var entrySize: Int
    }

    let bytes: ByteView
    /// `e_ident[EI_OSABI]`.
    let osABI: UInt8
    /// `e_ident[EI_ABIVERSION]`: for cubins 7 (`ELFABIVERSION_CUDA_V1`) or 8 (`…_V2`).
    let abiVersion: UInt8
    /// `e_type`.
    let type: UInt16
    /// `e_machine`.
    let machine: UInt16
    /// `e_flags`.
    let flags: UInt32
    let sections: [Section]
    /// The section name table (`e_shstrndx`), when present.
    let names: ByteView?

    /// Whether `bytes` start with the ELF magic `\x7fELF`.
    static func isELF(_ bytes: ByteView) -> Bool { bytes.hasBytes([0x7f, 0x45, 0x4c, 0x46]) }

    /// Reads the header and section table. - Throws: ``OutOfBounds`` for a truncated file,
    /// ``ELFUnsupported`` for 32-bit or big-endian files.
    init(_ bytes: ByteView) throws(ELFProblem) {
        self.bytes = bytes
        do {
            guard ELFFile.isELF(bytes) else { throw ELFProblem.unsupported("not an ELF file") }
            let elfClass = try bytes.u8(4, "e_ident")
            let data = try bytes.u8(5, "e_ident")
            guard elfClass == 2 else { throw ELFProblem.unsupported("32-bit ELF (only ELF64 is read)") }
            guard data == 1 else { throw ELFProblem.unsupported("big-endian ELF (only little-endian is read)") }
            osABI = try bytes.u8(7, "e_ident")
            abiVersion = try bytes.u8(8, "e_ident")
            type = try bytes.u16(16, "e_type")
            machine = try bytes.u16(18, "e_machine")
            flags = try bytes.u32(48, "e_flags")
            let shoff = Int(clamping: try bytes.u64(40, "e_shoff"))
            let shentsize = Int(try bytes.u16(58, "e_shentsize"))
            var shnum = Int(try bytes.u16(60, "e_shnum"))
            var shstrndx = Int(try bytes.u16(62, "e_shstrndx"))
            if shoff == 0 {
                sections = []
                names = nil
                return
            }
            guard shentsize >= 64 else { throw ELFProblem.unsupported("section header entries of \(shentsize) bytes (ELF64 needs 64)") }
            if shnum == 0 { shnum = Int(clamping: try bytes.u64(shoff + 32, "section header 0")) }
            if shstrndx == 0xffff { shstrndx = Int(try bytes.u32(shoff + 40, "section header 0")) }
            guard shnum <= (bytes.count - min(shoff, bytes.count)) / shentsize else {
                throw OutOfBounds(what: "the section header table (\(shnum) entries at offset \(shoff))")
            }
            var raw: [(name: Int, type: UInt32, offset: Int, size: Int, link: Int, entsize: Int)] = []
            raw.reserveCapacity(shnum)
            for i in 0..<shnum {
                let at = shoff + i * shentsize
                raw.append((Int(try bytes.u32(at, "section header \(i)")), try bytes.u32(at + 4, "section header \(i)"),
                            Int(clamping: try bytes.u64(at + 24, "section header \(i)")), Int(clamping: try bytes.u64(at + 32, "section header \(i)")),
                            Int(try bytes.u32(at + 40, "section header \(i)")), Int(clamping: try bytes.u64(at + 56, "section header \(i)"))))
            }
            names = shstrndx < raw.count && raw[shstrndx].type != 8
                ? try bytes.slice(raw[shstrndx].offset, raw[shstrndx].size, "the section name table") : nil
            sections = raw.map { r in
                Section(nameOffset: r.name, type: r.type, offset: r.offset, size: r.size, link: r.link, entrySize: r.entsize)
            }
        } catch let error as OutOfBounds {
            throw .truncated(error.what)
        } catch let error as ELFProblem {
            throw error
        } catch {
            throw .truncated("the ELF header")
        }
    }

    /// The name of `section` (empty when unreadable).
    func name(of section: Section) -> String {
        (try? names?.cString(section.nameOffset, "")) ?? ""
    }

    /// Whether `section` is named `name`, compared in place.
    func section(_ section: Section, isNamed name: StaticString) -> Bool {
        guard let names else { return false }
        let count = name.utf8CodeUnitCount
        let at = section.nameOffset
        guard at >= 0, at + count < names.count, names.base[at + count] == 0 else { return false }
        return name.withUTF8Buffer { wanted in
            for i in 0..<count where names.base[at + i] != wanted[i] { return false }
            return true
        }
    }

    /// The bytes of `section` (empty for `SHT_NOBITS`).
    func contents(_ section: Section) throws(ELFProblem) -> ByteView {
        if section.type == 8 { return try! bytes.slice(0, 0, "") }
        do { return try bytes.slice(section.offset, section.size, "section '\(name(of: section))'") } catch { throw .truncated(error.what) }
    }

    /// `DT_NEEDED` entries of the dynamic section, in order (`libcudart.so.12`).
    func neededLibraries() throws(ELFProblem) -> [String] {
        try dynamicSection()?.needed ?? []
    }

    /// The string-valued entries of the dynamic section that ld.so(8) reads to find libraries:
    /// `DT_NEEDED` (1), `DT_SONAME` (14), `DT_RPATH` (15), `DT_RUNPATH` (29).
    ///
    /// The section is found through the section table (`SHT_DYNAMIC`, strings in its `sh_link`
    /// section), else, only for a file without section headers, through the program header
    /// `PT_DYNAMIC`, whose `DT_STRTAB` address is mapped to a file offset with the `PT_LOAD`
    /// segment holding it (as ld.so does).
    /// - Returns: `nil` when the file has no dynamic section (a static executable, an object file).
    func dynamicSection() throws(ELFProblem) -> ELFDynamicSection? {
        do {
            let table: ByteView
            let strings: ByteView
            if let dynamic = sections.first(where: { $0.type == 6 }) {
                guard dynamic.link < sections.count else { throw ELFProblem.truncated("the dynamic string table (section \(dynamic.link))") }
                table = try contents(dynamic)
                strings = try contents(sections[dynamic.link])
            } else if sections.isEmpty {
                guard let found = try dynamicFromProgramHeaders() else { return nil }
                (table, strings) = found
            } else {
                // Section headers without SHT_DYNAMIC: an object file, or a separate debug file
                // whose `.dynamic` is SHT_NOBITS (its PT_DYNAMIC points at bytes it lacks).
                return nil
            }
            var result = ELFDynamicSection()
            var at = 0
            while at + 16 <= table.count {
                let tag = try table.u64(at, "a dynamic entry")
                if tag == 0 { break }
                let value = Int(clamping: try table.u64(at + 8, "a dynamic entry"))
                switch tag {
                case 1: result.needed.append(try strings.cString(value, "a DT_NEEDED name"))
                case 14: result.soname = try strings.cString(value, "the DT_SONAME name")
                case 15: result.rpath = try strings.cString(value, "the DT_RPATH value")
                case 29: result.runpath = try strings.cString(value, "the DT_RUNPATH value")
                default: break
                }
                at += 16
            }
            return result
        } catch let error as OutOfBounds {
            throw .truncated(error.what)
        } catch let error as ELFProblem {
            throw error
        } catch {
            throw .truncated("the dynamic section")
        }
    }

    /// The dynamic table and its string table through `PT_DYNAMIC` and `PT_LOAD`, or `nil`
    /// without `PT_DYNAMIC`.
    private func dynamicFromProgramHeaders() throws -> (ByteView, ByteView)? {
        let phoff = Int(clamping: try bytes.u64(32, "e_phoff"))
        let phentsize = Int(try bytes.u16(54, "e_phentsize"))
        let phnum = Int(try bytes.u16(56, "e_phnum"))
        guard phoff != 0, phnum > 0 else { return nil }
        guard phentsize >= 56 else { throw ELFProblem.unsupported("program header entries of \(phentsize) bytes (ELF64 needs 56)") }
        var loads: [(vaddr: Int, offset: Int, size: Int)] = []
        var dynamic: (offset: Int, size: Int)?
        for i in 0..<phnum {
            let at = phoff + i * phentsize
            let type = try bytes.u32(at, "program header \(i)")
            let offset = Int(clamping: try bytes.u64(at + 8, "program header \(i)"))
            let vaddr = Int(clamping: try bytes.u64(at + 16, "program header \(i)"))
            let size = Int(clamping: try bytes.u64(at + 32, "program header \(i)"))
            if type == 1 { loads.append((vaddr, offset, size)) }
            if type == 2 { dynamic = (offset, size) }
        }
        guard let dynamic else { return nil }
        let table = try bytes.slice(dynamic.offset, dynamic.size, "the PT_DYNAMIC segment")
        var strtab: Int?, strsz: Int?
        var at = 0
        while at + 16 <= table.count {
            let tag = try table.u64(at, "a dynamic entry")
            if tag == 0 { break }
            if tag == 5 { strtab = Int(clamping: try table.u64(at + 8, "DT_STRTAB")) }
            if tag == 10 { strsz = Int(clamping: try table.u64(at + 8, "DT_STRSZ")) }
            at += 16
        }
        guard let strtab, let strsz else { throw ELFProblem.truncated("the dynamic string table (no DT_STRTAB or DT_STRSZ)") }
        guard let load = loads.first(where: { strtab >= $0.vaddr && strtab - $0.vaddr < $0.size }) else {
            throw ELFProblem.truncated("the dynamic string table (address \(strtab) in no PT_LOAD segment)")
        }
        return (table, try bytes.slice(load.offset + (strtab - load.vaddr), strsz, "the dynamic string table"))
    }

    /// Number of symbols of the `SHT_SYMTAB` section with type `STT_FUNC` whose `st_other` has
    /// `bit` set (`STO_CUDA_ENTRY` = 0x10 marks a `__global__` kernel in a cubin, as cuda-gdb and
    /// `cuobjdump -symbols` read it).
    func functionSymbols(withOtherBit bit: UInt8) throws(ELFProblem) -> Int {
        guard let symtab = sections.first(where: { $0.type == 2 }) else { return 0 }
        let table = try contents(symtab)
        let size = symtab.entrySize == 0 ? 24 : symtab.entrySize
        var count = 0
        do {
            var at = 0
            while at + 24 <= table.count {
                let info = try table.u8(at + 4, "a symbol")
                let other = try table.u8(at + 5, "a symbol")
                if info & 0xf == 2 && other & bit != 0 { count += 1 }
                at += size
            }
        } catch { throw .truncated(error.what) }
        return count
    }
}

/// What is wrong with an ELF file.
enum ELFProblem: Error {
    case unsupported(String)
    case truncated(String)

    var message: String {
        switch self {
        case .unsupported(let what): what
        case .truncated(let what): "truncated or corrupt ELF: \(what) lies outside the file"
        }
    }
}
