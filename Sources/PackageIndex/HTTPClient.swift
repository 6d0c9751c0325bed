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

    private func retrying<T>(_ url: URL, _ attempt: () async throws -> (T, URLResponse)) async throws(IndexError) -> (T, HTTPURLResponse) {
        var lastError = IndexError.transport(url: url.absoluteString, reason: "no attempt made")
        for n in 0..<attempts {
            if n > 0 { try? await Task.sleep(nanoseconds: UInt64(backoff * pow(2, Double(n - 1)) * 1_000_000_000)) }
            do {
                let (value, response) = try await attempt()
                guard let http = response as? HTTPURLResponse else {
                    lastError = .transport(url: url.absoluteString, reason: "not an HTTP response")
                    continue
                }
                if http.statusCode == 200 { return (value, http) }
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
