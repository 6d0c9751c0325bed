/// Why device code could not be read. Every case names the file (and, inside a wheel, the member).
public struct DeviceCodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file (`wheel.whl!member` inside a wheel).
    public var path: String
    /// What is wrong, e.g. "section header table runs past the end of the file".
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}

/// A read past the end of the bytes: turned into a ``DeviceCodeError`` by the caller.
struct OutOfBounds: Error {
    var what: String
}
