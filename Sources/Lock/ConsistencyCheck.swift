import Packaging
import Spec

/// `sglang-forge check`: every locked wheel's Requires-Dist (after markers, for the spec's
/// target and no extras) against what the spec provides.
///
/// - A requirement on a component must be satisfied by the component's pinned version, or be
///   waived in the requiring component's `waivers:` (matched by normalised name and specifier
///   set); otherwise an error at the pin's `file:line:col` with the wheel's side as a note.
/// - A requirement on a `python-deps` entry or on a system library's `pypi` distribution is
///   provided (its version is the closure resolver's business).
/// - Anything else is unprovided, handled by `lock.unprovided-requirements` (default `warn`).
/// - A waiver that matched nothing is a warning.
public struct ConsistencyCheck {
    /// The spec, for pins and their locations.
    public let spec: Spec
    /// The lock being checked.
    public let lock: LockFile
    /// The lock's path, named in the wheel-side notes.
    public let lockPath: String

    public init(spec: Spec, lock: LockFile, lockPath: String) {
        self.spec = spec
        self.lock = lock
        self.lockPath = lockPath
    }

    /// One disagreement between a wheel's requirement and the spec, waived or not.
    public struct Finding: Hashable, Sendable {
        /// The component whose wheel declares the requirement.
        public var requiringComponent: String
        /// The Requires-Dist line, as declared.
        public var requirement: String
        /// The component it names.
        public var pinnedComponent: String
        /// The version the spec pins.
        public var pinnedVersion: String
        /// The waiver's reason, when waived.
        public var waivedBecause: String?
    }

    /// The outcome of a run.
    public struct Report: Sendable {
        /// Every diagnostic, errors first by position.
        public var diagnostics: [Diagnostic]
        /// Every disagreement, in lock order.
        public var findings: [Finding]
        /// Requirements on packages the spec does not provide, by requiring component.
        public var unprovided: [(component: String, requirements: [String])]
    }

    /// Runs the check.
    public func run() -> Report {
        var bag = DiagnosticBag(file: spec.path)
        let parts = spec.runtime.python.value.split(separator: ".")
        let target = TargetEnvironment(
            pythonMajor: Int(parts.first ?? "3") ?? 3, pythonMinor: Int(parts.dropFirst().first ?? "12") ?? 12,
            architecture: spec.runtime.platform.value.wheelArchitecture,
            glibc: GlibcVersion(spec.runtime.glibc.value) ?? GlibcVersion(major: 2, minor: 17))
        let environment = MarkerEnvironment.linuxCPython(target)
        let components = Dictionary(spec.components.map { (MarkerEnvironment.normalizeName($0.name.value), $0) }, uniquingKeysWith: { a, _ in a })
        var provided = Set(spec.components.flatMap { $0.pythonDeps.map { MarkerEnvironment.normalizeName($0.name.value) } })
        provided.formUnion(spec.systemLibraries.compactMap { $0.pypi.map { MarkerEnvironment.normalizeName($0.value) } })
        let policy = spec.lock.unprovidedRequirements?.value ?? .warn

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

        var findings: [Finding] = []
        var unprovided: [(String, [String])] = []
        for artifact in lock.artifacts {
            guard let component = spec.components.first(where: { $0.name.value == artifact.component }) else { continue }
            guard let lines = artifact.requiresDist else {
                bag.warning("component '\(artifact.component)': Requires-Dist of \(artifact.filename) was not read (\(artifact.metadata.rawValue)); its requirements are unchecked — `sglang-forge lock --verify-downloads` reads them", at: component.name.location)
                continue
            }
            var missing: [String] = []
            for line in lines {
                let requirement: Requirement
                do {
                    requirement = try Requirement(parsing: line)
                } catch {
                    bag.warning("\(artifact.filename) declares an unreadable requirement: \(error)", at: component.name.location)
                    continue
                }
                guard requirement.applies(in: environment) else { continue }
                let name = requirement.normalizedName
                if name == MarkerEnvironment.normalizeName(artifact.component) { continue }
                if let pinned = components[name] {
                    guard let version = PEP440Version(pinned.version.value) else { continue }
                    if requirement.url == nil && requirement.specifier.contains(version, prereleases: true) { continue }
                    let waiver = waivers[component.name.value]?.first { _, parsed in
                        parsed.normalizedName == name && parsed.specifier == requirement.specifier && parsed.url == requirement.url
                    }
                    findings.append(Finding(requiringComponent: artifact.component, requirement: line, pinnedComponent: pinned.name.value,
                                            pinnedVersion: pinned.version.value, waivedBecause: waiver?.0.reason.value))
                    if let waiver {
                        used.insert(waiver.0.requirement.location)
                        continue
                    }
                    bag.error(
                        "\(artifact.component) \(artifact.version) requires '\(line)', but the spec pins \(pinned.name.value) \(pinned.version.value)",
                        at: pinned.version.location,
                        notes: [
                            Diagnostic(.note, "\(artifact.filename) declares 'Requires-Dist: \(line)' (locked in \(lockPath))", file: lockPath, at: nil),
                            bag.note("fix the pin, or waive it with a reason under 'waivers:' of component '\(artifact.component)'", at: component.name.location),
                        ])
                } else if !provided.contains(name) {
                    missing.append(line)
                }
            }
            if !missing.isEmpty {
                unprovided.append((artifact.component, missing))
                let message = "\(artifact.filename) requires \(missing.count) package\(missing.count == 1 ? "" : "s") the spec provides nowhere (lock.unprovided-requirements: \(policy.rawValue)): " + missing.map { "'\($0)'" }.joined(separator: ", ")
                switch policy {
                case .ignore: break
                case .warn: bag.warning(message, at: component.name.location)
                case .error: bag.error(message, at: component.name.location)
                }
            }
        }
        for c in spec.components {
            for w in c.waivers where !used.contains(w.requirement.location) {
                bag.warning("unused waiver: no locked wheel of component '\(c.name.value)' declares '\(w.requirement.value)' in disagreement with the spec", at: w.requirement.location)
            }
        }
        return Report(diagnostics: bag.sorted, findings: findings, unprovided: unprovided)
    }
}
