#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only into memory (`mmap`, `MAP_PRIVATE`); unmapped in `deinit`. Only the
/// pages that are read are loaded, so reading the headers of a 1 GB shared object touches a few
/// kilobytes.
final class MappedFile {
    private let address: UnsafeMutableRawPointer?
    private let length: Int

    /// Maps `path`. - Throws: ``DeviceCodeError`` when it cannot be opened, is not a regular file
    /// or cannot be mapped.
    init(path: String) throws(DeviceCodeError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DeviceCodeError(path: path, problem: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DeviceCodeError(path: path, problem: "cannot stat: \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw DeviceCodeError(path: path, problem: "not a regular file") }
        length = Int(info.st_size)
        if length == 0 {
            address = nil
            return
        }
        let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw DeviceCodeError(path: path, problem: "cannot map: \(String(cString: strerror(errno)))") }
        address = mapped
    }

    deinit {
        if let address { munmap(address, length) }
    }

    /// Runs `body` over the mapped bytes; they are valid only inside it.
    func withBytes<T, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        try body(UnsafeRawBufferPointer(start: address, count: length))
    }
}
