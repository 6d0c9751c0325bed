import Spec

/// Whether a lock still matches its spec (the `cargo --locked` rule: a lock made from other
/// inputs must not be used).
public enum LockFreshness: Hashable, Sendable {
    /// The lock's inputs are the spec's.
    case fresh
    /// What differs, one line each (`component 'xgrammar': 0.1.28 in the spec, 0.1.27 in the lock`).
    case stale([String])

    /// Compares `lock` with the inputs of `spec`.
    public static func check(_ lock: LockFile, against spec: Spec) -> LockFreshness {
        let current = LockInputs(spec: spec)
        if lock.inputs == current && lock.spec.inputsSha256 == current.fingerprint() { return .fresh }
        var reasons: [String] = []
        let old = Dictionary(lock.inputs.components.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let new = Dictionary(current.components.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for name in Set(old.keys).union(new.keys).sorted() {
            switch (old[name], new[name]) {
            case (nil, .some): reasons.append("component '\(name)' is in the spec but not in the lock")
            case (.some, nil): reasons.append("component '\(name)' is in the lock but no longer in the spec")
            case (.some(let a), .some(let b)) where a != b:
                if a.version != b.version { reasons.append("component '\(name)': \(b.version) in the spec, \(a.version) in the lock") }
                if a.kind != b.kind { reasons.append("component '\(name)': kind \(b.kind) in the spec, \(a.kind) in the lock") }
                if a.url != b.url || a.hash != b.hash { reasons.append("component '\(name)': URL pin changed") }
                if a.index != b.index { reasons.append("component '\(name)': index changed") }
            default: break
            }
        }
        if lock.inputs.target != current.target { reasons.append("runtime target (python/platform/glibc) changed") }
        if lock.inputs.index != current.index { reasons.append("default index changed: \(current.index) in the spec, \(lock.inputs.index) in the lock") }
        if lock.inputs.pythonDeps != current.pythonDeps {
            let added = Set(current.pythonDeps).subtracting(lock.inputs.pythonDeps).sorted()
            let removed = Set(lock.inputs.pythonDeps).subtracting(current.pythonDeps).sorted()
            reasons.append("python-deps changed" + (added.isEmpty ? "" : "; added: \(added.joined(separator: ", "))") + (removed.isEmpty ? "" : "; removed: \(removed.joined(separator: ", "))"))
        }
        if lock.inputs.nixpkgs != current.nixpkgs { reasons.append("nixpkgs pin changed") }
        if lock.inputs.buildRequirements != current.buildRequirements { reasons.append("build requirements of source components changed (build-requires, or the builder image's glibc)") }
        if reasons.isEmpty { reasons.append("the recorded inputs fingerprint does not match (edited by hand?)") }
        return .stale(reasons)
    }
}
