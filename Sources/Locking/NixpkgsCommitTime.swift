import Foundation
import PackageIndex

/// The commit time of a nixpkgs revision (flake.lock `lastModified`), from GitHub's REST API.
public enum NixpkgsCommitTime {
    /// Unix seconds of `rev`'s committer date, or `nil` with the reason when GitHub cannot be asked.
    public static func fetch(owner: String, repo: String, rev: String, client: HTTPClient) async -> Result<Int, IndexError> {
        guard let url = URL(string: "https://api.github.com/repos/\(owner)/\(repo)/commits/\(rev)") else {
            return .failure(.transport(url: "api.github.com", reason: "bad URL"))
        }
        let body: Data
        do { body = try await client.get(url, accept: "application/vnd.github+json").body } catch { return .failure(error) }
        guard let response = try? JSONDecoder().decode(CommitResponse.self, from: body),
              let parsed = ISO8601DateFormatter().date(from: response.commit.committer.date) else {
            return .failure(.malformedPage(url: url.absoluteString, reason: "no commit.committer.date"))
        }
        return .success(Int(parsed.timeIntervalSince1970))
    }

    /// The part of GitHub's `GET /repos/{owner}/{repo}/commits/{ref}` response used here.
    private struct CommitResponse: Decodable {
        struct Commit: Decodable { var committer: Person }
        struct Person: Decodable { var date: String }
        var commit: Commit
    }
}
