import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// GET requests with a per-request time limit and retries with exponential backoff.
///
/// Retried: time-outs, transport errors, HTTP 429 and 5xx. Not retried: other statuses (a 404
/// is final) and a host name that does not resolve (`cannotFindHost`). Uses Foundation's `URLSession` (FoundationNetworking on Linux).
public struct HTTPClient: Sendable {
    /// Time limit of one attempt, in seconds.
    public var timeout: Double
    /// Attempts in all (1 = no retry).
    public var attempts: Int
    /// Delay before the first retry, in seconds; doubled for each further retry.
    public var backoff: Double

    /// Counts the bytes of every response body this client receives (for `bump`'s report and
    /// benchmark); `nil`: not counted.
    public var meter: TransferMeter?

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
        meter?.add(data.count)
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
        if let meter, let size = (try? FileManager.default.attributesOfItem(atPath: temporary.path))?[.size] as? NSNumber {
            meter.add(size.intValue)
        }
        do {
            try? FileManager.default.removeItem(at: destination)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: temporary, to: destination)
        } catch {
            throw .localIO(path: destination.path, reason: "\(error.localizedDescription)")
        }
    }

    /// GETs one byte range of `url` (RFC 9110 §14: `Range: bytes=first-last`, or `bytes=-n` for
    /// the last `n` bytes).
    /// - Parameter range: the range, without the `bytes=` prefix (`-65536`, `1000-1999`).
    /// - Returns: the bytes, the offset of the first one in the file, and the file's total size
    ///   (from `Content-Range`; when the server ignores the range and answers 200 with the whole
    ///   file, the offset is 0 and the total is the body's size).
    /// - Throws: ``IndexError`` (`httpStatus`, `timedOut`, `transport`, or `malformedPage` for a
    ///   206 without a readable `Content-Range`).
    public func getRange(_ url: URL, range: String) async throws(IndexError) -> (body: Data, offset: Int, total: Int) {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.setValue("bytes=" + range, forHTTPHeaderField: "Range")
        // Ask for the bytes as stored: a transparently compressed answer would break offsets.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        let (data, response) = try await retrying(url) { try await session.data(for: request) }
        meter?.add(data.count)
        guard response.statusCode == 206 else { return (data, 0, data.count) }
        // Content-Range: bytes 1000-1999/39046590
        guard let header = response.value(forHTTPHeaderField: "Content-Range"), header.hasPrefix("bytes "),
              let slash = header.firstIndex(of: "/"), let dash = header.firstIndex(of: "-"),
              let first = Int(header[header.index(header.startIndex, offsetBy: 6)..<dash]),
              let total = Int(header[header.index(after: slash)...]) else {
            throw .malformedPage(url: url.absoluteString, reason: "a 206 answer without a usable Content-Range header")
        }
        return (data, first, total)
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
                if http.statusCode == 200 || http.statusCode == 206 { return (value, http) }
                lastError = .httpStatus(url: url.absoluteString, status: http.statusCode)
                if http.statusCode != 429 && http.statusCode < 500 { throw lastError }
            } catch let error as IndexError {
                throw error
            } catch let error as URLError where error.code == .cannotFindHost {
                // The name does not resolve (an authoritative answer, unlike a failed lookup):
                // retrying cannot help, and each attempt waits for the resolver.
                throw .transport(url: url.absoluteString, reason: "\(error.code) \(error.localizedDescription)")
            } catch let error as URLError where error.code == .timedOut {
                lastError = .timedOut(url: url.absoluteString, seconds: timeout, attempts: n + 1)
            } catch {
                lastError = .transport(url: url.absoluteString, reason: (error as? URLError).map { "\($0.code) \($0.localizedDescription)" } ?? "\(error)")
            }
        }
        throw lastError
    }
}

/// A thread-safe running total of bytes received.
public final class TransferMeter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    private var count = 0

    public init() {}

    /// Adds one response of `bytes` bytes.
    public func add(_ bytes: Int) {
        lock.lock()
        total += bytes
        count += 1
        lock.unlock()
    }

    /// Bytes received so far, and the number of responses.
    public var snapshot: (bytes: Int, responses: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (total, count)
    }
}
