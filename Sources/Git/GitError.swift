internal import CGit2

/// A libgit2 call that failed, with libgit2's own explanation.
///
/// `message` is `git_error_last()->message` read right after the failing call (libgit2 keeps it
/// per thread); `code` is the call's negative return value (`git_error_code`: `GIT_ENOTFOUND`
/// = -3, `GIT_EUSER` = -7 when a callback cancelled, …); `function` names the libgit2 function.
public struct GitError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The libgit2 function that failed, e.g. `git_remote_fetch`.
    public var function: String
    /// Its return value (a negative `git_error_code`).
    public var code: Int32
    /// libgit2's error class (`git_error_t`), 0 when libgit2 set none.
    public var errorClass: Int32
    /// libgit2's message, or a description of `code` when libgit2 set none.
    public var message: String

    /// Creates an error by hand (for failures detected by this module rather than libgit2).
    public init(function: String, code: Int32, errorClass: Int32 = 0, message: String) {
        self.function = function
        self.code = code
        self.errorClass = errorClass
        self.message = message
    }

    /// True when the object or reference asked for does not exist (`GIT_ENOTFOUND`).
    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    /// True when a callback of ours asked libgit2 to stop (`GIT_EUSER`).
    public var isCancelled: Bool { code == GIT_EUSER.rawValue }

    public var description: String { "\(function) failed: \(message)" }
}

/// Turns a libgit2 return value into a thrown ``GitError``.
///
/// - Parameters:
///   - result: what the libgit2 function returned; negative values are errors.
///   - function: the function's name, for the message.
/// - Returns: `result` when it is not negative (some calls return counts or booleans).
@discardableResult
func check(_ result: Int32, _ function: String) throws(GitError) -> Int32 {
    guard result < 0 else { return result }
    throw lastError(result, function)
}

/// The ``GitError`` for a failed call, reading `git_error_last()`.
func lastError(_ result: Int32, _ function: String) -> GitError {
    if let last = git_error_last(), let text = last.pointee.message {
        return GitError(function: function, code: result, errorClass: last.pointee.klass, message: String(cString: text))
    }
    return GitError(function: function, code: result, message: "libgit2 error \(result)")
}

/// Initialises libgit2 once per process (`git_libgit2_init`; it is reference counted and never
/// shut down here, since handles may live until exit).
///
/// Strict hash verification (`GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION`, re-computing every
/// object's SHA-1 each time it is read) is turned off: it costs a third of the time of hashing a
/// tree, and it re-checks what is already checked — libgit2's indexer computes every object's id
/// when a fetched pack is indexed, zlib's Adler-32 checks each object as it is inflated, and a
/// wrong narHash would be caught by Nix when it downloads the tarball.
let libgit2Initialized: Void = {
    git_libgit2_init()
    cgit2_set_strict_hash_verification(0)
}()
