/// One PEP 440 version specifier clause such as `>=2.9`, `==0.6.*`, `~=1.4.2` or `!=1.0`
/// (PEP 440 "Version specifiers").
public struct VersionSpecifier: Hashable, Sendable, CustomStringConvertible {
    /// The comparison operators of PEP 440.
    public enum Operator: String, CaseIterable, Sendable {
        case compatible = "~="
        case equal = "=="
        case notEqual = "!="
        case lessOrEqual = "<="
        case greaterOrEqual = ">="
        case less = "<"
        case greater = ">"
        case arbitrary = "==="
    }

    /// The operator.
    public var op: Operator
    /// The version text after the operator, as written (without a trailing `.*`).
    public var versionText: String
    /// The parsed version (`nil` only for `===` with a non-PEP 440 string).
    public var version: PEP440Version?
    /// True for `==X.*` / `!=X.*` prefix matches.
    public var wildcard: Bool

    /// Parses one clause, e.g. `>= 2.9.1`.
    /// - Throws: ``RequirementError/invalidSpecifier(_:)`` for an unknown operator, a bad version,
    ///   or a wildcard / local label where PEP 440 forbids it.
    public init(parsing text: String) throws(RequirementError) {
        let s = String(text.trimmingWhitespace())
        let ops = Operator.allCases.sorted { $0.rawValue.count > $1.rawValue.count }
        guard let op = ops.first(where: { s.hasPrefix($0.rawValue) }) else { throw .invalidSpecifier(text) }
        var rest = String(String(s.dropFirst(op.rawValue.count)).trimmingWhitespace())
        self.op = op
        wildcard = false
        if op == .arbitrary {
            versionText = rest
            version = PEP440Version(rest)
            guard !rest.isEmpty else { throw .invalidSpecifier(text) }
            return
        }
        if rest.hasSuffix(".*") {
            guard op == .equal || op == .notEqual else { throw .invalidSpecifier(text) }
            wildcard = true
            rest.removeLast(2)
        }
        guard let parsed = PEP440Version(rest) else { throw .invalidSpecifier(text) }
        if wildcard && !parsed.local.isEmpty { throw .invalidSpecifier(text) }
        if op == .compatible && parsed.release.count < 2 { throw .invalidSpecifier(text) }
        if ![.equal, .notEqual, .arbitrary].contains(op) && !parsed.local.isEmpty { throw .invalidSpecifier(text) }
        versionText = rest
        version = parsed
    }

    /// Whether `candidate` satisfies this clause (PEP 440 semantics; pre-release filtering is
    /// ``SpecifierSet``'s job).
    public func contains(_ candidate: PEP440Version) -> Bool {
        guard let version else { return false }
        switch op {
        case .arbitrary:
            return candidate.description == versionText.lowercased()
        case .equal, .notEqual:
            let matches: Bool
            if wildcard {
                matches = Self.prefixMatches(candidate, version)
            } else if version.local.isEmpty {
                matches = candidate.publicVersion == version
            } else {
                matches = candidate == version
            }
            return op == .equal ? matches : !matches
        case .compatible:
            var prefix = version
            prefix.release.removeLast()
            prefix.pre = nil
            prefix.post = nil
            prefix.dev = nil
            return candidate.publicVersion >= version && Self.prefixMatches(candidate, prefix)
        case .lessOrEqual:
            return candidate.publicVersion <= version
        case .greaterOrEqual:
            return candidate.publicVersion >= version
        case .less:
            // `<V` excludes pre-releases of V unless V itself is one.
            guard candidate.publicVersion < version else { return false }
            if !version.isPreRelease, candidate.isPreRelease, Self.sameRelease(candidate, version) { return false }
            return true
        case .greater:
            // `>V` excludes post-releases of V unless V itself is one, and local versions of V.
            guard candidate.publicVersion > version else { return false }
            if version.post == nil, candidate.post != nil, Self.sameRelease(candidate, version) { return false }
            return true
        }
    }

    /// True for clauses that name a pre-release (`==1.0rc1`, `>=2.0b1`): PEP 440 then admits
    /// pre-releases.
    public var mentionsPreRelease: Bool { version?.isPreRelease ?? false }

    /// The clause in normal form, e.g. `>=2.9.1`, `==0.6.*`.
    public var description: String { op.rawValue + versionText + (wildcard ? ".*" : "") }

    private static func padded(_ r: [Int], to n: Int) -> [Int] { r + Array(repeating: 0, count: max(0, n - r.count)) }

    private static func sameRelease(_ a: PEP440Version, _ b: PEP440Version) -> Bool {
        let n = max(a.release.count, b.release.count)
        return a.epoch == b.epoch && padded(a.release, to: n) == padded(b.release, to: n)
    }

    /// PEP 440 prefix matching: `candidate` (without local label) starts with `prefix`'s segments.
    private static func prefixMatches(_ candidate: PEP440Version, _ prefix: PEP440Version) -> Bool {
        guard candidate.epoch == prefix.epoch else { return false }
        let release = padded(candidate.release, to: prefix.release.count)
        guard Array(release.prefix(prefix.release.count)) == prefix.release else { return false }
        if let pre = prefix.pre {
            guard let cpre = candidate.pre, cpre == pre, release.count == prefix.release.count || release.dropFirst(prefix.release.count).allSatisfy({ $0 == 0 }) else { return false }
        }
        if let post = prefix.post { guard candidate.post == post else { return false } }
        if let dev = prefix.dev { guard candidate.dev == dev else { return false } }
        return true
    }
}

/// A comma-separated set of ``VersionSpecifier`` clauses, all of which must hold (PEP 440).
public struct SpecifierSet: Hashable, Sendable, CustomStringConvertible {
    /// The clauses, in the order written.
    public var clauses: [VersionSpecifier]

    /// An empty set (any version).
    public init(_ clauses: [VersionSpecifier] = []) { self.clauses = clauses }

    /// Parses `>=2.9,<3` (whitespace allowed; an empty string is the empty set).
    /// - Throws: ``RequirementError/invalidSpecifier(_:)`` naming the bad clause.
    public init(parsing text: String) throws(RequirementError) {
        var result: [VersionSpecifier] = []
        for part in text.split(separator: ",") where !String(part).trimmingWhitespace().isEmpty {
            result.append(try VersionSpecifier(parsing: String(part)))
        }
        clauses = result
    }

    /// Whether `version` satisfies every clause. Pre-releases are excluded unless `prereleases`
    /// is true or a clause names a pre-release (PEP 440 "Handling of pre-releases").
    public func contains(_ version: PEP440Version, prereleases: Bool = false) -> Bool {
        if version.isPreRelease && !prereleases && !clauses.contains(where: \.mentionsPreRelease) { return false }
        return clauses.allSatisfy { $0.contains(version) }
    }

    /// True when the set is one `==V` or `===V` clause without wildcard: an exact pin.
    public var isExactPin: Bool {
        clauses.count == 1 && (clauses[0].op == .equal || clauses[0].op == .arbitrary) && !clauses[0].wildcard
    }

    /// Clauses joined by `,`, sorted for a stable comparison form.
    public var description: String { clauses.map(\.description).sorted().joined(separator: ",") }
}
