import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A pull request as the GitHub REST API returns it (the fields `bump` needs).
public struct PullRequest: Codable, Hashable, Sendable {
    /// The PR number.
    public var number: Int
    /// `open` or `closed`.
    public var state: String
    /// Title.
    public var title: String
    /// Markdown body (`null` when empty).
    public var body: String?
    /// The PR's web page.
    public var htmlURL: String?
    /// When it was merged (ISO 8601), `nil` when it was not.
    public var mergedAt: String?

    enum CodingKeys: String, CodingKey {
        case number, state, title, body
        case htmlURL = "html_url"
        case mergedAt = "merged_at"
    }

    /// Whether a person closed it without merging.
    public var closedUnmerged: Bool { state == "closed" && mergedAt == nil }
}

/// Why a GitHub API call failed.
public enum GitHubError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No answer (DNS, refused connection, TLS, time-out).
    case transport(method: String, url: String, reason: String)
    /// An HTTP status other than the expected one, with GitHub's `message`.
    case status(method: String, url: String, status: Int, message: String)
    /// An answer that is not the JSON expected.
    case malformed(method: String, url: String, reason: String)

    public var description: String {
        switch self {
        case .transport(let m, let u, let r): "\(m) \(u): \(r)"
        case .status(let m, let u, let s, let message): "\(m) \(u): HTTP \(s)" + (message.isEmpty ? "" : ": \(message)")
        case .malformed(let m, let u, let r): "\(m) \(u): unexpected answer: \(r)"
        }
    }
}

/// The pull-request endpoints of the GitHub REST API (docs.github.com/rest/pulls/pulls), with a
/// configurable base URL (`https://api.github.com`, GitHub Enterprise's `https://HOST/api/v3`,
/// or a local stand-in in tests).
public struct GitHubClient: Sendable {
    /// The API root, without a trailing `/`.
    public var baseURL: String
    /// A token (`GITHUB_TOKEN`), sent as `Authorization: Bearer`.
    public var token: String?
    private let session: URLSession

    public init(baseURL: String = "https://api.github.com", token: String?, timeout: Double = 30) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        session = URLSession(configuration: configuration)
    }

    /// `GET /repos/{owner}/{repo}/pulls?head={owner}:{branch}&state=all`: every PR, open or
    /// closed, from that branch.
    /// - Throws: ``GitHubError``.
    public func pulls(owner: String, repo: String, branch: String) async throws(GitHubError) -> [PullRequest] {
        let head = "\(owner):\(branch)".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? branch
        return try await call("GET", "/repos/\(owner)/\(repo)/pulls?head=\(head)&state=all&per_page=100", body: nil, expect: 200)
    }

    /// `POST /repos/{owner}/{repo}/pulls`: opens a PR from `branch` into `base`.
    /// - Throws: ``GitHubError``.
    public func createPull(owner: String, repo: String, title: String, branch: String, base: String, body: String) async throws(GitHubError) -> PullRequest {
        try await call("POST", "/repos/\(owner)/\(repo)/pulls", body: ["title": title, "head": branch, "base": base, "body": body], expect: 201)
    }

    /// `PATCH /repos/{owner}/{repo}/pulls/{number}`: replaces the title and body.
    /// - Throws: ``GitHubError``.
    public func updatePull(owner: String, repo: String, number: Int, title: String, body: String) async throws(GitHubError) -> PullRequest {
        try await call("PATCH", "/repos/\(owner)/\(repo)/pulls/\(number)", body: ["title": title, "body": body], expect: 200)
    }

    private func call<T: Decodable>(_ method: String, _ path: String, body: [String: String]?, expect: Int) async throws(GitHubError) -> T {
        let text = baseURL + path
        guard let url = URL(string: text) else { throw .transport(method: method, url: text, reason: "not a URL") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("application/vnd.github+json", forHTTPHeaderField: "Accept")
        request.setValue("2022-11-28", forHTTPHeaderField: "X-GitHub-Api-Version")
        request.setValue("sglang-forge", forHTTPHeaderField: "User-Agent")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        }
        let data: Data, response: URLResponse
        do { (data, response) = try await session.data(for: request) } catch {
            throw .transport(method: method, url: text, reason: error.localizedDescription)
        }
        guard let http = response as? HTTPURLResponse else { throw .transport(method: method, url: text, reason: "not an HTTP response") }
        guard http.statusCode == expect else {
            let message = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["message"] as? String ?? ""
            throw .status(method: method, url: text, status: http.statusCode, message: message)
        }
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw .malformed(method: method, url: text, reason: "\(error)")
        }
    }
}
