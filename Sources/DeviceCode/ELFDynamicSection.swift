/// What the dynamic linker reads from an ELF file to find its libraries: the string-valued
/// entries of its dynamic section.
///
/// Source: the System V gABI, "Dynamic Section" (`DT_NEEDED` 1, `DT_SONAME` 14, `DT_RPATH` 15,
/// `DT_RUNPATH` 29), and ld.so(8) for how they are used.
public struct ELFDynamicSection: Hashable, Sendable {
    /// `DT_NEEDED` names, in order (`libm.so.6`).
    public var needed: [String] = []
    /// `DT_SONAME`, when set.
    public var soname: String?
    /// `DT_RPATH` (`:`-separated), when set; ld.so ignores it when `DT_RUNPATH` is set.
    public var rpath: String?
    /// `DT_RUNPATH` (`:`-separated), when set.
    public var runpath: String?

    public init(needed: [String] = [], soname: String? = nil, rpath: String? = nil, runpath: String? = nil) {
        self.needed = needed
        self.soname = soname
        self.rpath = rpath
        self.runpath = runpath
    }

    /// Reads the dynamic section of the ELF64 little-endian file at `path` (memory-mapped; only
    /// the headers and the dynamic and string tables are touched).
    /// - Returns: `nil` when the file is an ELF file without a dynamic section (a static
    ///   executable, an object file).
    /// - Throws: ``DeviceCodeError`` when the file cannot be read, is not ELF, is 32-bit or
    ///   big-endian (`problem` then starts with "unsupported: "), or is truncated.
    public static func read(path: String) throws(DeviceCodeError) -> ELFDynamicSection? {
        let file = try MappedFile(path: path)
        return try file.withBytes { (bytes) throws(DeviceCodeError) -> ELFDynamicSection? in
            do throws(ELFProblem) {
                return try ELFFile(ByteView(bytes)).dynamicSection()
            } catch {
                switch error {
                case .unsupported(let what): throw DeviceCodeError(path: path, problem: "unsupported: \(what)")
                case .truncated: throw DeviceCodeError(path: path, problem: error.message)
                }
            }
        }
    }
}
