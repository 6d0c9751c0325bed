import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes executables that tests then run.
public enum ExecutableFile {
    /// Writes `contents` to `path` (created or truncated, mode 0755) through a close-on-exec
    /// descriptor. Tests run in parallel, and a process another test starts while the file is
    /// open for writing would otherwise inherit the descriptor; running the file then fails with
    /// `ETXTBSY` ("Text file busy", execve(2)) until that process exits. The Foundation writers
    /// do not say whether their descriptor is close-on-exec.
    /// - Throws: `POSIXError` when the file cannot be opened or written.
    public static func write(_ contents: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        var bytes = Array(contents.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            bytes = bytes.dropFirst(n)
        }
        // open(2)'s mode is masked by the umask; the file must be executable whatever it is.
        guard fchmod(fd, 0o755) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}
