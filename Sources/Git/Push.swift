internal import CGit2
import Foundation

/// A reference the remote refused to update during a push.
public struct PushRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The remote reference.
    public var reference: String
    /// The remote's reason (`non-fast-forward`, a hook's message, …).
    public var reason: String

    public var description: String { "the remote refused to update \(reference): \(reason)" }
}

extension Repository {
    /// Pushes `refspecs` to a remote (`git_remote_push`), e.g.
    /// `+refs/heads/sglang-forge/bump-x:refs/heads/sglang-forge/bump-x` (the `+` forces the update,
    /// so re-running replaces the branch rather than failing on a non-fast-forward).
    ///
    /// - Parameters:
    ///   - remote: a configured remote's name (`origin`) or a URL / local path.
    ///   - refspecs: what to push.
    ///   - token: for https remotes, sent as the password of user `x-access-token` (how GitHub
    ///     accepts a `GITHUB_TOKEN`) when the server asks for credentials.
    /// - Throws: ``GitError`` from libgit2, or ``PushRejection`` when the remote refused a
    ///   reference (libgit2 reports that only through the `push_update_reference` callback).
    public func push(remote: String, refspecs: [String], token: String? = nil) throws {
        var handle: OpaquePointer?
        if git_remote_lookup(&handle, self.handle, remote) != 0 {
            try check(git_remote_create_anonymous(&handle, self.handle, remote), "git_remote_create_anonymous")
        }
        defer { git_remote_free(handle) }
        var options = git_push_options()
        try check(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), "git_push_options_init")
        options.proxy_opts.type = GIT_PROXY_AUTO
        let box = PushBox(token: token)
        let payload = Unmanaged.passRetained(box)
        defer { payload.release() }
        options.callbacks.payload = payload.toOpaque()
        options.callbacks.push_update_reference = { reference, status, payload in
            guard let payload, let reference else { return 0 }
            let box = Unmanaged<PushBox>.fromOpaque(payload).takeUnretainedValue()
            if let status { box.rejections.append(PushRejection(reference: String(cString: reference), reason: String(cString: status))) }
            return 0
        }
        options.callbacks.credentials = { out, _, _, allowed, payload in
            guard let out, let payload else { return GIT_PASSTHROUGH.rawValue }
            let box = Unmanaged<PushBox>.fromOpaque(payload).takeUnretainedValue()
            guard let token = box.token, !box.triedToken, allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0 else {
                return GIT_PASSTHROUGH.rawValue
            }
            box.triedToken = true
            return git_credential_userpass_plaintext_new(out, "x-access-token", token)
        }
        let cStrings = refspecs.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers = cStrings
        try pointers.withUnsafeMutableBufferPointer { buffer throws(GitError) in
            var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            try check(git_remote_push(handle, &array, &options), "git_remote_push")
        }
        if let first = box.rejections.first { throw first }
    }
}

/// Carries the token and the rejections through libgit2's `void *payload`.
private final class PushBox {
    let token: String?
    var triedToken = false
    var rejections: [PushRejection] = []
    init(token: String?) { self.token = token }
}
