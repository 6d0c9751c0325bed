/// A PEP 508 environment marker expression, e.g.
/// `python_version >= "3.9" and (sys_platform == "linux" or extra == "test")`.
public indirect enum Marker: Hashable, Sendable, CustomStringConvertible {
    /// `left op right`, each side a variable name or a quoted string.
    case comparison(MarkerValue, MarkerOperator, MarkerValue)
    case and(Marker, Marker)
    case or(Marker, Marker)

    /// Evaluates the marker (PEP 508 "Environment Markers"): version comparisons use PEP 440 when
    /// both sides parse as versions and the variable is a version variable, string comparison
    /// otherwise; `extra` is compared after PEP 685 normalisation.
    public func evaluate(in environment: MarkerEnvironment) -> Bool {
        switch self {
        case .and(let a, let b): a.evaluate(in: environment) && b.evaluate(in: environment)
        case .or(let a, let b): a.evaluate(in: environment) || b.evaluate(in: environment)
        case .comparison(let lhs, let op, let rhs): Self.compare(lhs, op, rhs, environment)
        }
    }

    /// The variables the expression reads.
    public var variables: Set<String> {
        switch self {
        case .and(let a, let b), .or(let a, let b): a.variables.union(b.variables)
        case .comparison(let l, _, let r): Set([l, r].compactMap { if case .variable(let v) = $0 { v } else { nil } })
        }
    }

    public var description: String {
        switch self {
        case .and(let a, let b): "\(a.parenthesizedIfOr) and \(b.parenthesizedIfOr)"
        case .or(let a, let b): "\(a) or \(b)"
        case .comparison(let l, let op, let r): "\(l) \(op.rawValue) \(r)"
        }
    }

    private var parenthesizedIfOr: String {
        if case .or = self { return "(\(self))" }
        return description
    }

    private static let versionVariables: Set<String> = ["python_version", "python_full_version", "implementation_version", "platform_release"]

    private static func compare(_ lhs: MarkerValue, _ op: MarkerOperator, _ rhs: MarkerValue, _ env: MarkerEnvironment) -> Bool {
        if lhs == .variable("extra") || rhs == .variable("extra") {
            // `extra == "name"`: true when that extra is being installed (PEP 685 normalised).
            let other = lhs == .variable("extra") ? rhs : lhs
            let wanted = MarkerEnvironment.normalizeExtra(other.resolve(in: env))
            let hit = env.extras.map(MarkerEnvironment.normalizeExtra).contains(wanted)
            switch op {
            case .equal: return hit
            case .notEqual: return !hit
            default: return false
            }
        }
        let left = lhs.resolve(in: env)
        let right = rhs.resolve(in: env)
        let versioned = [lhs, rhs].contains { if case .variable(let v) = $0 { versionVariables.contains(v) } else { false } }
        switch op {
        case .in: return right.contains(left)
        case .notIn: return !right.contains(left)
        default: break
        }
        if versioned, let specifier = try? VersionSpecifier(parsing: op.rawValue + right), let version = PEP440Version(left) {
            return specifier.contains(version)
        }
        switch op {
        case .equal: return left == right
        case .notEqual: return left != right
        case .less: return left < right
        case .lessOrEqual: return left <= right
        case .greater: return left > right
        case .greaterOrEqual: return left >= right
        case .compatible, .arbitrary: return false
        case .in, .notIn: return false
        }
    }
}

/// One side of a marker comparison.
public enum MarkerValue: Hashable, Sendable, CustomStringConvertible {
    /// A marker variable (`python_version`, `sys_platform`, `extra`, …).
    case variable(String)
    /// A quoted string literal.
    case literal(String)

    func resolve(in env: MarkerEnvironment) -> String {
        switch self {
        case .literal(let s): s
        case .variable(let v): env.value(of: v)
        }
    }

    public var description: String {
        switch self {
        case .variable(let v): v
        case .literal(let s): "\"\(s)\""
        }
    }
}

/// Marker comparison operators (PEP 508 `version_cmp` plus `in` / `not in`).
public enum MarkerOperator: String, CaseIterable, Sendable {
    case arbitrary = "==="
    case equal = "=="
    case notEqual = "!="
    case lessOrEqual = "<="
    case greaterOrEqual = ">="
    case compatible = "~="
    case less = "<"
    case greater = ">"
    case notIn = "not in"
    case `in` = "in"
}

/// The values of PEP 508's marker variables for one target interpreter and platform.
public struct MarkerEnvironment: Hashable, Sendable {
    /// Variable name → value (`python_version` → `3.12`).
    public var values: [String: String]
    /// The extras being installed (empty: none, so `extra == "x"` is false).
    public var extras: [String]

    /// Creates an environment from explicit values.
    public init(values: [String: String], extras: [String] = []) {
        self.values = values
        self.extras = extras
    }

    /// CPython `major.minor` on x86_64/aarch64 glibc Linux, as `packaging.markers.default_environment()`
    /// reports it there (`python_full_version` is `major.minor.0`; `platform_release` and
    /// `platform_version` are unknown and left empty).
    public static func linuxCPython(_ target: TargetEnvironment) -> MarkerEnvironment {
        let py = "\(target.pythonMajor).\(target.pythonMinor)"
        return MarkerEnvironment(values: [
            "os_name": "posix",
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_machine": target.architecture,
            "platform_python_implementation": "CPython",
            "implementation_name": "cpython",
            "implementation_version": py + ".0",
            "python_version": py,
            "python_full_version": py + ".0",
            "platform_release": "",
            "platform_version": "",
        ])
    }

    /// A variable's value; unknown variables read as the empty string.
    public func value(of variable: String) -> String { values[variable] ?? "" }

    /// PEP 685 extra normalisation: lowercase, runs of `-_.` → `-`.
    public static func normalizeExtra(_ s: String) -> String { normalizeName(s) }

    /// PEP 503 name normalisation (``PackageName/normalized(_:)``).
    public static func normalizeName(_ s: String) -> String { PackageName.normalized(s) }
}
