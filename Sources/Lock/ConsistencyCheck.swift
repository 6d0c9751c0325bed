import Packaging
import Spec

/// `sglang-forge check`: proves that what the runtime installs satisfies what every installed
/// wheel declares. Offline: it reads only the spec and the lock.
///
/// The installed set is every component at its pinned version (the source-built torch included)
/// plus every distribution of the lock's closure. For every locked component wheel and every
/// closure distribution, each Requires-Dist line that applies on the target (PEP 508 markers,
/// with the extras that some installed requirement asks of it) must be
/// - satisfied by the installed version of the package it names, or
/// - waived in the requiring component's `waivers:` (matched by normalised name and specifier
///   set), or
/// - on a package listed in `lock.unprovided-requirements`.
/// Anything else is an error: at the component's pin when a component's version is the problem,
/// at the `python-deps` entry when one names the package, else in the lock. Closure entries built
/// for another CUDA major are errors at `cuda.version` (``CUDARelease``). A waiver or unprovided
/// entry that matched nothing is a warning.
public struct ConsistencyCheck {
    /// The spec, for pins and their locations.
    public let spec: Spec
    /// The lock being checked.
    public let lock: LockFile
    /// The lock's path, named in diagnostics without a spec location.
    public let lockPath: String

    public init(spec: Spec, lock: LockFile, lockPath: String) {
        self.spec = spec
        self.lock = lock
        self.lockPath = lockPath
    }

    /// One requirement the installed version does not satisfy, waived or not.
    public struct Finding: Hashable, Sendable {
        /// The component or closure distribution whose wheel declares the requirement.
        public var requiringComponent: String
        /// The Requires-Dist line, as declared.
        public var requirement: String
        /// The package it names (component name, or normalised closure name).
        public var pinnedComponent: String
        /// The version the runtime installs; `nil` when it installs none.
        public var pinnedVersion: String?
        /// The waiver's reason, when waived.
        public var waivedBecause: String?
    }

    /// The outcome of a run.
    public struct Report: Sendable {
        /// Every diagnostic, errors first by position.
        public var diagnostics: [Diagnostic]
        /// Every unsatisfied requirement, in check order.
        public var findings: [Finding]
        /// Requirements on `lock.unprovided-requirements` packages, by requiring wheel.
        public var unprovided: [(component: String, requirements: [String])]
        /// Wheels whose requirements were checked (components with metadata + closure entries).
        public var checkedWheels: Int
        /// Applicable requirements checked.
        public var checkedRequirements: Int
    }

    /// What the runtime installs under one normalised name.
    struct Installed {
        var version: String
        var parsed: PEP440Version?
        /// The spec component, when it is one.
        var component: Component?
    }

    /// A wheel whose requirements are checked.
    struct Requirer {
        var name: String
        var version: String
        var filename: String
        var lines: [String]
        var component: Component?
    }

    /// Runs the check.
    public func run() -> Report {
        var bag = DiagnosticBag(file: spec.path)
        // The loader checked `runtime.python`; 3.12 stands in only for a spec it refused.
        let python = PythonVersion(spec.runtime.python.value) ?? PythonVersion(major: 3, minor: 12)
        let target = TargetEnvironment(
            pythonMajor: python.major, pythonMinor: python.minor,
            architecture: spec.runtime.platform.value.wheelArchitecture,
            glibc: GlibcVersion(spec.runtime.glibc.value) ?? GlibcVersion(major: 2, minor: 17))
        let base = MarkerEnvironment.linuxCPython(target)
        let normalize = MarkerEnvironment.normalizeName

        // The installed set.
        var installed: [String: Installed] = [:]
        for d in lock.closure?.wheels ?? [] {
            installed[d.name] = Installed(version: d.version, parsed: PEP440Version(d.version), component: nil)
        }
        for c in spec.components {
            installed[normalize(c.name.value)] = Installed(version: c.version.value, parsed: PEP440Version(c.version.value), component: c)
        }
        let hasClosure = lock.closure != nil
        var pythonDepLocations: [String: SourceLocation] = [:]
        for c in spec.components { for d in c.pythonDeps where pythonDepLocations[normalize(d.name.value)] == nil { pythonDepLocations[normalize(d.name.value)] = d.name.location } }
        var unprovidedNames: [String: UnprovidedPackage] = [:]
        for u in spec.lock.unprovidedRequirements { unprovidedNames[normalize(u.package.value)] = u }

        // Parsed waivers, by component.
        var waivers: [String: [(Waiver, Requirement)]] = [:]
        var used = Set<SourceLocation>()
        for c in spec.components {
            for w in c.waivers {
                do {
                    waivers[c.name.value, default: []].append((w, try Requirement(parsing: w.requirement.value)))
                } catch {
                    bag.error("waiver of component '\(c.name.value)': \(error)", at: w.requirement.location)
                    used.insert(w.requirement.location)
                }
            }
        }

        // The wheels whose requirements are checked, each with its parsed requirements.
        var requirers: [Requirer] = []
        for artifact in lock.artifacts {
            guard let component = spec.components.first(where: { $0.name.value == artifact.component }) else { continue }
            guard let lines = artifact.requiresDist else {
                bag.warning("component '\(artifact.component)': Requires-Dist of \(artifact.filename) was not read (\(artifact.metadata.rawValue)); its requirements are unchecked — `sglang-forge lock --verify-downloads` reads them", at: component.name.location)
                continue
            }
            requirers.append(Requirer(name: artifact.component, version: artifact.version, filename: artifact.filename, lines: lines, component: component))
        }
        for d in lock.closure?.wheels ?? [] where installed[d.name]?.component == nil {
            requirers.append(Requirer(name: d.name, version: d.version, filename: d.filename, lines: d.requiresDist, component: nil))
        }
        // Requirements are parsed lazily, once per distinct line: most lines (~90% for
        // specs/main.lock) belong to extras nobody asks for and are skipped by ``excludedByExtras``.
        var cache: [String: Requirement?] = [:]
        var warned = Set<String>()
        func applicable(_ r: Requirer, extras: Set<String>) -> [(Requirement, String)] {
            let environment = MarkerEnvironment(values: base.values, extras: Array(extras).sorted())
            var result: [(Requirement, String)] = []
            for line in r.lines where !Self.excludedByExtras(line, requested: extras) {
                let requirement: Requirement?
                if let cached = cache[line] {
                    requirement = cached
                } else {
                    do { requirement = try Requirement(parsing: line) } catch {
                        requirement = nil
                        if warned.insert("\(r.filename) \(line)").inserted {
                            if let c = r.component { bag.warning("\(r.filename) declares an unreadable requirement: \(error)", at: c.name.location) }
                            else { appendLockWarning(&bag, "\(r.filename) declares an unreadable requirement: \(error)") }
                        }
                    }
                    cache[line] = requirement
                }
                if let requirement, requirement.applies(in: environment) { result.append((requirement, line)) }
            }
            return result
        }

        // Extras each installed package is asked for (PEP 508: `name[extra]`), to a fixed point.
        var extras: [String: Set<String>] = [:]
        var changed = true
        while changed {
            changed = false
            for r in requirers {
                for (requirement, _) in applicable(r, extras: extras[normalize(r.name)] ?? []) where !requirement.extras.isEmpty {
                    let wanted = Set(requirement.extras.map(MarkerEnvironment.normalizeExtra))
                    if !wanted.isSubset(of: extras[requirement.normalizedName] ?? []) {
                        extras[requirement.normalizedName, default: []].formUnion(wanted)
                        changed = true
                    }
                }
            }
        }

        var findings: [Finding] = []
        var unprovided: [(String, [String])] = []
        var usedUnprovided = Set<String>()
        var checked = 0
        for r in requirers {
            var leftOut: [String] = []
            for (requirement, line) in applicable(r, extras: extras[normalize(r.name)] ?? []) {
                let name = requirement.normalizedName
                if name == normalize(r.name) { continue }
                checked += 1
                if unprovidedNames[name] != nil {
                    usedUnprovided.insert(name)
                    leftOut.append(line)
                    continue
                }
                let have = installed[name]
                if let have, requirement.url == nil, let version = have.parsed, requirement.specifier.contains(version, prereleases: true) { continue }
                if have == nil && !hasClosure { continue }  // reported once below
                let waiver = r.component.flatMap { c in
                    waivers[c.name.value]?.first { _, w in w.normalizedName == name && w.specifier == requirement.specifier && w.url == requirement.url }
                }
                findings.append(Finding(requiringComponent: r.name, requirement: line, pinnedComponent: have?.component?.name.value ?? name,
                                        pinnedVersion: have?.version, waivedBecause: waiver?.0.reason.value))
                if let waiver {
                    used.insert(waiver.0.requirement.location)
                    continue
                }
                report(requirer: r, line: line, name: name, have: have, location: pythonDepLocations[name], bag: &bag)
            }
            if !leftOut.isEmpty { unprovided.append((r.name, leftOut)) }
        }
        if !hasClosure {
            bag.warning("the lock has no Python closure (`lock --no-closure`): requirements on packages other than components are not checked", at: nil)
        }
        var cudaInstalled = (lock.closure?.wheels ?? []).map { (name: $0.name, version: $0.version, source: "closure") }
        cudaInstalled += lock.artifacts.map { (name: $0.component, version: $0.version, source: "component") }
        bag.append(contentsOf: CUDARelease.check(spec: spec, installed: cudaInstalled))
        for c in spec.components {
            for w in c.waivers where !used.contains(w.requirement.location) {
                bag.warning("unused waiver: no locked wheel of component '\(c.name.value)' declares '\(w.requirement.value)' in disagreement with the spec", at: w.requirement.location)
            }
        }
        for u in spec.lock.unprovidedRequirements where !usedUnprovided.contains(normalize(u.package.value)) && hasClosure {
            bag.warning("unused entry: no installed wheel requires '\(u.package.value)'", at: u.package.location)
        }
        return Report(diagnostics: bag.sorted, findings: findings, unprovided: unprovided, checkedWheels: requirers.count, checkedRequirements: checked)
    }

    /// One unwaived violation, located where the user can act on it.
    private func report(requirer r: Requirer, line: String, name: String, have: Installed?, location: SourceLocation?, bag: inout DiagnosticBag) {
        let who = r.component != nil ? "\(r.name) \(r.version)" : "\(r.name) \(r.version) (closure)"
        let declared = Diagnostic(.note, "\(r.filename) declares 'Requires-Dist: \(line)' (locked in \(lockPath))", file: lockPath, at: nil)
        if let pinned = have?.component {
            var notes = [declared]
            if let c = r.component {
                notes.append(bag.note("fix the pin, or waive it with a reason under 'waivers:' of component '\(c.name.value)'", at: c.name.location))
            }
            bag.error("\(who) requires '\(line)', but the spec pins \(pinned.name.value) \(pinned.version.value)", at: pinned.version.location, notes: notes)
            return
        }
        let what = have.map { "the closure installs \(name) \($0.version)" } ?? "the runtime installs no \(name)"
        let fix = bag.note(have == nil
            ? "re-lock, or list '\(name)' under lock.unprovided-requirements with a reason"
            : "re-lock: `sglang-forge lock` resolves the closure under every component's requirements", at: r.component?.name.location)
        let message = "\(who) requires '\(line)', but \(what)"
        if let location {
            bag.error(message, at: location, notes: [declared, fix])
        } else if let c = r.component {
            bag.error(message, at: c.version.location, notes: [declared, fix])
        } else {
            bag.append(contentsOf: [Diagnostic(.error, message, file: lockPath, at: nil, notes: [declared, fix])])
        }
    }

    /// Whether `line`'s marker is a conjunction (no `or`) with a clause `extra == "NAME"` for an
    /// extra not in `requested`: then it cannot hold, and the line need not be parsed (PEP 508
    /// has no negation other than `not in`, so such a clause falsifies the whole marker).
    public static func excludedByExtras(_ line: String, requested: Set<String>) -> Bool {
        guard let semicolon = line.utf8.firstIndex(of: UInt8(ascii: ";")) else { return false }
        let marker = Array(line.utf8[line.utf8.index(after: semicolon)...])
        func isWordByte(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F }
        // Any `or` word (outside quotes) makes the shortcut unsound: parse the line.
        var quote: UInt8?
        var i = 0
        var excluded = false
        while i < marker.count {
            let b = marker[i]
            if let q = quote {
                if b == q { quote = nil }
                i += 1
                continue
            }
            if b == 0x22 || b == 0x27 { quote = b; i += 1; continue }
            let before = i == 0 ? UInt8(ascii: " ") : marker[i - 1]
            if !isWordByte(before) {
                if i + 2 <= marker.count, marker[i] == 0x6F, marker[i + 1] == 0x72, i + 2 == marker.count || !isWordByte(marker[i + 2]) { return false }
                if i + 5 <= marker.count, Array(marker[i..<(i + 5)]) == Array("extra".utf8), i + 5 == marker.count || !isWordByte(marker[i + 5]) {
                    var j = i + 5
                    while j < marker.count, marker[j] == 0x20 { j += 1 }
                    if j + 2 <= marker.count, marker[j] == 0x3D, marker[j + 1] == 0x3D {
                        j += 2
                        while j < marker.count, marker[j] == 0x20 { j += 1 }
                        if j < marker.count, marker[j] == 0x22 || marker[j] == 0x27 {
                            let q = marker[j]
                            var k = j + 1
                            while k < marker.count, marker[k] != q { k += 1 }
                            let name = String(decoding: marker[(j + 1)..<k], as: UTF8.self)
                            if !requested.contains(MarkerEnvironment.normalizeExtra(name)) { excluded = true }
                            i = k + 1
                            continue
                        }
                    }
                }
            }
            i += 1
        }
        return excluded
    }

    private func appendLockWarning(_ bag: inout DiagnosticBag, _ message: String) {
        bag.append(contentsOf: [Diagnostic(.warning, message, file: lockPath, at: nil)])
    }
}
