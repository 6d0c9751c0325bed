import Foundation
import Hashes
import Packaging
import Spec

extension PlanContext {
    /// Checks one component (references, version, pin, wheel tags) and returns its planned form.
    mutating func plan(component c: Component) -> PlannedComponent {
        let name = c.name.value
        let version = PEP440Version(c.version.value)
        if version == nil {
            bag.error("version '\(c.version.value)' of component '\(name)' is not a PEP 440 version", at: c.version.location)
        }
        if let local = version?.local, !local.isEmpty, let cuda {
            let label = local.map(\.description).joined(separator: ".")
            if label.hasPrefix("cu"), label != cuda.localTag {
                bag.error("component '\(name)' \(c.version.value) is built for CUDA '\(label)', but the spec uses CUDA \(cuda) ('\(cuda.localTag)')", at: c.version.location)
            }
        }
        var seenDepends: [String: SourceLocation] = [:]
        for dependency in c.depends {
            if let first = seenDepends[dependency.value] {
                bag.error("'\(dependency.value)' is listed twice in 'depends' of component '\(name)'", at: dependency.location, notes: [bag.note("first listed here", at: first)])
            }
            seenDepends[dependency.value] = dependency.location
            if components[dependency.value] == nil {
                if c.pythonDeps.contains(where: { $0.name.value == dependency.value }) || Names.isDistributionName(dependency.value) && !libraries.keys.contains(dependency.value) {
                    unknown("component", dependency, candidates: spec.components.map(\.name.value), defined: "components")
                } else {
                    bag.error("'\(dependency.value)' is a system library; list it in 'links', not 'depends'", at: dependency.location)
                }
            }
        }
        for link in c.links where libraries[link.value] == nil {
            unknown("system library", link, candidates: spec.systemLibraries.map(\.name.value), defined: "system-libraries")
        }
        var seenPython: [String: SourceLocation] = [:]
        for dep in c.pythonDeps {
            let normalized = Names.normalizedDistributionName(dep.name.value)
            if let first = seenPython[normalized] {
                bag.error("Python dependency '\(dep.name.value)' is listed twice in component '\(name)'", at: dep.name.location, notes: [bag.note("first listed here", at: first)])
            }
            seenPython[normalized] = dep.name.location
            if components[normalized] != nil || spec.components.contains(where: { Names.normalizedDistributionName($0.name.value) == normalized }) {
                bag.error("'\(dep.name.value)' is a component of the spec; list it in 'depends', not 'python-deps'", at: dep.name.location)
            }
        }
        if c.requiresDist.value == .strip && c.pythonDeps.isEmpty && c.depends.isEmpty {
            bag.warning("component '\(name)' strips its Requires-Dist but lists no 'depends' or 'python-deps'", at: c.requiresDist.location)
        }
        if c.kind.value == .source && c.family != nil, let family = c.family {
            bag.error("'family' applies to wheels; source component '\(name)' is built per variant", at: family.location)
        }
        let buildRequires = checkBuildRequires(of: c)
        var planned = PlannedComponent(
            name: name,
            version: c.version.value,
            kind: c.kind.value,
            perVariant: c.kind.value == .source,
            family: c.family?.value,
            artifact: artifact(of: c, version: version),
            depends: c.depends.map(\.value),
            links: c.links.map(\.value),
            pythonDeps: c.pythonDeps.map {
                let normalized = Names.normalizedDistributionName($0.name.value)
                return PlannedPythonDependency(name: $0.name.value, normalizedName: normalized, nixpkgs: $0.nixpkgs?.value ?? normalized)
            },
            requiresDist: c.requiresDist.value,
            importCheck: c.importCheck.value,
            importName: c.importName?.value ?? String(Names.normalizedDistributionName(name).map { $0 == "-" ? "_" : $0 }),
            note: c.note?.value,
            declaredAt: SpecLocation(c.name.location)
        )
        planned.buildRequires = buildRequires
        return planned
    }

    /// Checks the pin of a component pinned by URL and, for a wheel, its file name and tags.
    private mutating func artifact(of c: Component, version: PEP440Version?) -> PlannedArtifact? {
        guard let url = c.url else { return lockedArtifact(of: c) }
        guard let hash = c.hash else {
            bag.error("component '\(c.name.value)' is pinned by URL but has no 'hash'; every remote artifact needs one (e.g. 'sha256-…' from `nix hash file`)", at: url.location)
            return nil
        }
        let lastSegment = url.value.split(separator: "/").last.map(String.init) ?? ""
        let filename = lastSegment.removingPercentEncoding ?? lastSegment
        var artifact = PlannedArtifact(
            url: url.value, digest: hash.value, filename: filename,
            tags: nil, requiresGlibc: nil, declaredAt: SpecLocation(url.location),
            size: lock?.artifact(of: c.name.value)?.size, origin: lock == nil ? nil : .url
        )
        guard c.kind.value == .wheel else { return artifact }
        let wheel: WheelFilename
        do {
            wheel = try WheelFilename(parsing: filename)
        } catch {
            bag.error("component '\(c.name.value)' is a wheel, but its URL does not end in a wheel file name: \(error)", at: url.location)
            return artifact
        }
        artifact.tags = wheel.tags.map(\.description)
        if Names.normalizedDistributionName(wheel.distribution) != Names.normalizedDistributionName(c.name.value) {
            bag.error("wheel '\(filename)' is distribution '\(wheel.distribution)', not component '\(c.name.value)'", at: url.location)
        }
        if let version, wheel.version != version {
            bag.error("wheel '\(filename)' is version \(wheel.version), but component '\(c.name.value)' pins \(c.version.value)", at: url.location,
                      notes: [bag.note("version pinned here", at: c.version.location)])
        }
        guard let target else { return artifact }
        switch target.compatibility(of: wheel) {
        case .compatible(let glibc):
            artifact.requiresGlibc = glibc
        case .wrongInterpreter:
            bag.error("wheel '\(filename)' has no tag for CPython \(spec.runtime.python.value) (tags: \(wheel.tags.map(\.description).joined(separator: ", ")))", at: url.location)
        case .glibcTooNew(let needed):
            bag.error("wheel '\(filename)' needs glibc \(needed) (\(needed.manylinuxTag(architecture: target.architecture))), newer than the target glibc \(target.glibc)", at: url.location,
                      notes: [bag.note("target glibc set here", at: spec.runtime.glibc.location)])
        case .wrongPlatform:
            bag.error("wheel '\(filename)' has no tag installable on \(spec.runtime.platform.value.rawValue) with glibc (tags: \(wheel.platformTags.joined(separator: ", "))); only manylinux and 'any' wheels are portable", at: url.location)
        }
        return artifact
    }

    /// The lock's artifact for an index wheel (`nil` without a lock or for source components).
    private func lockedArtifact(of c: Component) -> PlannedArtifact? {
        guard c.kind.value == .wheel, let locked = lock?.artifact(of: c.name.value),
              let digest = try? Digest(algorithm: .sha256, hex: locked.sha256) else { return nil }
        let glibc = locked.requiresGlibc.flatMap(GlibcVersion.init)
        guard (glibc == nil) == (locked.requiresGlibc == nil) else { return nil }
        return PlannedArtifact(
            url: locked.url, digest: digest, filename: locked.filename, tags: locked.tags,
            requiresGlibc: glibc, declaredAt: SpecLocation(c.name.location), size: locked.size, origin: locked.origin)
    }

    /// Members of a family (`family: flashinfer`) must share one public version (PEP 440 comparison).
    mutating func checkFamilies() {
        var families: [String: [(Component, PEP440Version)]] = [:]
        var order: [String] = []
        for c in spec.components {
            guard let family = c.family?.value, let version = PEP440Version(c.version.value) else { continue }
            if families[family] == nil { order.append(family) }
            families[family, default: []].append((c, version))
        }
        for family in order {
            let members = families[family]!
            guard let (first, reference) = members.first else { continue }
            if members.count == 1 {
                bag.warning("family '\(family)' has only one member, '\(first.name.value)'", at: first.family?.location)
            }
            for (member, version) in members.dropFirst() where version.publicVersion != reference.publicVersion {
                bag.error("\(family) family versions disagree: '\(member.name.value)' is \(version.publicVersion), '\(first.name.value)' is \(reference.publicVersion); the \(family) wheels must share one version", at: member.version.location,
                          notes: [bag.note("'\(first.name.value)' version here", at: first.version.location)])
            }
        }
    }
}
