import Foundation
import PackageIndex

/// The commit time of a nixpkgs revision (flake.lock `lastModified`), from GitHub's REST API.
enum NixpkgsCommitTime {
    /// Unix seconds of `rev`'s committer date, or `nil` with the reason when GitHub cannot be asked.
    static func fetch(owner: String, repo: String, rev: String, client: HTTPClient) async -> Result<Int, IndexError> {
        guard let url = URL(string: "https://api.github.com/repos/\(owner)/\(repo)/commits/\(rev)") else {
            return .failure(.transport(url: "api.github.com", reason: "bad URL"))
        }
        let body: Data
        do { body = try await client.get(url, accept: "application/vnd.github+json").body } catch { return .failure(error) }
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let commit = object["commit"] as? [String: Any], let committer = commit["committer"] as? [String: Any],
              let date = committer["date"] as? String, let parsed = ISO8601DateFormatter().date(from: date) else {
            return .failure(.malformedPage(url: url.absoluteString, reason: "no commit.committer.date"))
        }
        return .success(Int(parsed.timeIntervalSince1970))
    }
}
