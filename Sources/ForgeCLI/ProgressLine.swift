import Foundation

/// One status line on standard error: rewritten in place on a terminal, one line per update otherwise.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let isTerminal = isatty(2) != 0
    private var shown = false

    /// Shows `message` (thread-safe).
    func show(_ message: String) {
        lock.lock()
        defer { lock.unlock() }
        if isTerminal {
            StandardError.write("\r\u{1B}[K" + String(message.prefix(120)))
            shown = true
        } else {
            StandardError.write("lock: \(message)\n")
        }
    }

    /// Ends the line.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if shown { StandardError.write("\r\u{1B}[K") }
        shown = false
    }
}
