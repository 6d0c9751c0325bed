import ForgeCLI
import Foundation

/// One status line on standard error for long operations (`lock`, `pack`): rewritten in place on
/// a terminal; elsewhere (CI logs) one `label: message` line at most once a second, so logs stay
/// short, and the last state is always printed by ``finish()``. Thread-safe.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let label: String
    private let enabled: Bool
    private let isTerminal = isatty(2) != 0
    private var shown = false
    private var lastLine = Date.distantPast
    private var pending: String?

    /// A progress line whose non-terminal lines start with `label`; `enabled: false` shows nothing.
    init(label: String, enabled: Bool = true) {
        self.label = label
        self.enabled = enabled
    }

    /// Shows `message`.
    func show(_ message: String) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        if isTerminal {
            StandardError.write("\r\u{1B}[K" + String(message.prefix(120)))
            shown = true
        } else if Date().timeIntervalSince(lastLine) >= 1 {
            StandardError.write("\(label): \(message)\n")
            lastLine = Date()
            pending = nil
        } else {
            pending = message
        }
    }

    /// Ends the line: clears it on a terminal; elsewhere prints the last state if it was held back.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if shown { StandardError.write("\r\u{1B}[K") }
        if let pending, !isTerminal { StandardError.write("\(label): \(pending)\n") }
        shown = false
        pending = nil
    }
}
