import Packaging

/// One package of a hashed Python closure, to be matched to the one wheel file the runtime installs.
public struct ClosurePackageRequest: Hashable, Sendable {
    /// PEP 503 normalised name.
    public var name: String
    /// The exact version the closure pins.
    public var version: String
    /// Lowercase hex SHA-256 of every file the closure admits.
    public var sha256: Set<String>

    public init(name: String, version: String, sha256: Set<String>) {
        self.name = name
        self.version = version
        self.sha256 = sha256
    }
}

/// The wheel chosen for a ``ClosurePackageRequest``.
public struct ClosureWheelChoice: Hashable, Sendable {
    /// What was asked for.
    public var request: ClosurePackageRequest
    /// The index file and its parsed name.
    public var choice: WheelChooser.Choice
    /// Lowercase hex SHA-256 of the file (one of the request's).
    public var sha256: String
}

extension IndexResolver {
    /// Chooses, for each closure package, the wheel this resolver's target installs among the
    /// index files whose sha256 the closure lists (so the choice never leaves the closure), with
    /// ``WheelChooser``'s rules. At most `concurrency` project pages are read at once.
    ///
    /// - Returns: one result per package name; a failure is ``IndexError/noCompatibleWheel`` when no
    ///   listed file is a wheel for the target (an sdist-only package), or the page's read error.
    public func chooseClosureWheels(_ requests: [ClosurePackageRequest], index: String, concurrency: Int = 8) async
        -> [String: Result<ClosureWheelChoice, IndexError>]
    {
        await withTaskGroup(of: (String, Result<ClosureWheelChoice, IndexError>).self) { group in
            var results: [String: Result<ClosureWheelChoice, IndexError>] = [:]
            var pending = requests[...]
            func start(_ request: ClosurePackageRequest) {
                group.addTask { (request.name, await chooseClosureWheel(request, index: index)) }
            }
            for _ in 0..<max(1, concurrency) { if let next = pending.popFirst() { start(next) } }
            while let (name, result) = await group.next() {
                results[name] = result
                if let next = pending.popFirst() { start(next) }
            }
            return results
        }
    }

    /// One package of ``chooseClosureWheels(_:index:concurrency:)``.
    public func chooseClosureWheel(_ request: ClosurePackageRequest, index: String) async -> Result<ClosureWheelChoice, IndexError> {
        do {
            progress("closure: \(request.name) \(request.version)")
            let all = try await files(project: request.name, index: index)
            let listed = all.filter { file in file.hashes["sha256"].map { request.sha256.contains($0.lowercased()) } ?? false }
            guard let specifier = try? SpecifierSet(parsing: "==" + request.version) else {
                return .failure(.noMatchingVersion(project: request.name, specifier: "==" + request.version, available: []))
            }
            let choice = try chooser.choose(from: listed, project: request.name, specifier: specifier)
            return .success(ClosureWheelChoice(request: request, choice: choice, sha256: choice.file.hashes["sha256"]!.lowercased()))
        } catch {
            return .failure(error)
        }
    }
}
