import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// GET requests with a per-request time limit and retries with exponential backoff.
///
/// Retried: time-outs, transport errors, HTTP 429 and 5xx. Not retried: other statuses (a 404
/// is final). Uses Foundation's `URLSession` (FoundationNetworking on Linux).
public struct HTTPClient: Sendable {
    /// Time limit of one attempt, in seconds.
    public var timeout: Double
    /// Attempts in all (1 = no retry).
    public var attempts: Int
    /// Delay before the first retry, in seconds; doubled for each further retry.
    public var backoff: Double

    private let session: URLSession

    /// Creates a client with its own session (no cookies, no cache).
    public init(timeout: Double = 60, attempts: Int = 3, backoff: Double = 0.5) {
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = max(timeout, 3600)
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpMaximumConnectionsPerHost = 8
        session = URLSession(configuration: configuration)
    }

    /// GETs `url` into memory.
    /// - Parameter accept: the `Accept` header, if any.
    /// - Returns: the body and the response's `Content-Type` (lowercased, parameters dropped).
    /// - Throws: ``IndexError`` (`httpStatus`, `timedOut`, `transport`).
    public func get(_ url: URL, accept: String? = nil) async throws(IndexError) -> (body: Data, contentType: String) {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        let (data, response) = try await retrying(url) { try await session.data(for: request) }
        let type = (response.value(forHTTPHeaderField: "Content-Type") ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
        return (data, type)
    }

    /// GETs a byte range of `url` (RFC 9110 `Range: bytes=…`), as lazy wheels do.
    /// - Parameter range: `start...end` (inclusive), or `nil` start for the last `suffix` bytes.
    /// - Returns: the bytes, the offset of the first one and the resource's total size. A server
    ///   that ignores `Range` answers 200 with the whole body, which is returned as it is.
    /// - Throws: ``IndexError`` (`httpStatus`, `timedOut`, `transport`, `malformedPage` for a
    ///   `206` without a readable `Content-Range`).
    public func getRange(_ url: URL, start: Int?, end: Int? = nil, suffix: Int = 0) async throws(IndexError) -> (body: Data, offset: Int, total: Int) {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.setValue(start.map { "bytes=\($0)-\(end.map(String.init) ?? "")" } ?? "bytes=-\(suffix)", forHTTPHeaderField: "Range")
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        let (data, response) = try await retrying(url, accepting: [200, 206]) { try await session.data(for: request) }
        if response.statusCode == 200 { return (data, 0, data.count) }
        // Content-Range: bytes 7803065-7803164/7803165
        let header = response.value(forHTTPHeaderField: "Content-Range") ?? ""
        let parts = header.split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "/" })
        guard parts.count == 4, parts[0] == "bytes", let first = Int(parts[1]), let total = Int(parts[3]) else {
            throw .malformedPage(url: url.absoluteString, reason: "206 answer without a readable Content-Range ('\(header)')")
        }
        return (data, first, total)
    }

    /// Downloads `url` to a temporary file and moves it to `destination` (replacing it).
    /// - Throws: ``IndexError`` (`httpStatus`, `timedOut`, `transport`, `localIO`).
    public func download(_ url: URL, to destination: URL) async throws(IndexError) {
        let request = URLRequest(url: url, timeoutInterval: timeout)
        let (temporary, _) = try await retrying(url) { try await session.download(for: request) }
        do {
            try? FileManager.default.removeItem(at: destination)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: temporary, to: destination)
        } catch {
            throw .localIO(path: destination.path, reason: "\(error.localizedDescription)")
        }
    }

    private func retrying<T>(_ url: URL, accepting: Set<Int> = [200], _ attempt: () async throws -> (T, URLResponse)) async throws(IndexError) -> (T, HTTPURLResponse) {
        var lastError = IndexError.transport(url: url.absoluteString, reason: "no attempt made")
        for n in 0..<attempts {
            if n > 0 { try? await Task.sleep(nanoseconds: UInt64(backoff * pow(2, Double(n - 1)) * 1_000_000_000)) }
            do {
                let (value, response) = try await attempt()
                guard let http = response as? HTTPURLResponse else {
                    lastError = .transport(url: url.absoluteString, reason: "not an HTTP response")
                    continue
                }
                if accepting.contains(http.statusCode) { return (value, http) }
                lastError = .httpStatus(url: url.absoluteString, status: http.statusCode)
                if http.statusCode != 429 && http.statusCode < 500 { throw lastError }
            } catch let error as IndexError {
                throw error
            } catch let error as URLError where error.code == .timedOut {
                lastError = .timedOut(url: url.absoluteString, seconds: timeout, attempts: n + 1)
            } catch {
                lastError = .transport(url: url.absoluteString, reason: (error as? URLError).map { "\($0.code) \($0.localizedDescription)" } ?? "\(error)")
            }
        }
        throw lastError
    }
}
