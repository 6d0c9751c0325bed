import Foundation

/// The fixture package index (`Tests/Fixtures/index/fixture_index.py`, a PEP 691/503 server), started on 127.0.0.1 for one
/// test and stopped by ``stop()``.
public final class FixtureIndex: @unchecked Sendable {
    public let process = Process()
    public let port: Int

    /// `http://127.0.0.1:<port>/simple/`.
    public var root: String { "http://127.0.0.1:\(port)/simple/" }

    public init() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Fixtures.url("index/fixture_index.py").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while true {
            let byte = pipe.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    /// Stops the server (SIGKILL to its pid) and waits up to 2 s for it to go.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<200 where process.isRunning { usleep(10_000) }
    }

    deinit { stop() }
}
