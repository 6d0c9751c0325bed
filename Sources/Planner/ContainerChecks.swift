import Packaging
import Spec

extension PlanContext {
    /// The spec's `container:` section, checked: the glibc of the base the source components are
    /// built on must be stated and must not be newer than `runtime.glibc` (a wheel built against a
    /// newer glibc needs `GLIBC_2.N` symbols the oldest target host lacks), and the runtime base
    /// image's glibc, when stated, must be at least what the locked wheels' manylinux tags need.
    /// - Returns: the planned section, or `nil` when the spec has none.
    mutating func plannedContainer() -> PlannedContainer? {
        guard let container = spec.container else { return nil }
        var planned = PlannedContainer(
            baseImage: container.baseImage.value, baseDigest: container.baseDigest?.value,
            declaredAt: SpecLocation(container.baseImage.location))
        planned.baseGlibc = container.baseGlibc.flatMap { GlibcVersion($0.value) }
        if let builder = container.builder {
            planned.builder = PlannedContainerImage(
                image: builder.image.value, digest: builder.digest?.value,
                glibc: builder.glibc.flatMap { GlibcVersion($0.value) }, declaredAt: SpecLocation(builder.image.location))
        }
        let target = GlibcVersion(spec.runtime.glibc.value)
        let builds = spec.components.contains { $0.kind.value == .source }
        let (buildImage, buildGlibc, buildKey): (Located<String>, Located<String>?, String) = container.builder.map {
            ($0.image, $0.glibc, "builder-glibc")
        } ?? (container.baseImage, container.baseGlibc, "base-glibc")
        if builds, let target {
            if let stated = buildGlibc, let glibc = GlibcVersion(stated.value) {
                if glibc > target {
                    let advice = container.builder == nil
                        ? "add a 'builder-image' (with 'builder-digest' and 'builder-glibc') whose glibc is at most \(target), e.g. a CUDA devel image on Ubuntu 22.04 (glibc 2.35) or a manylinux_2_28 builder"
                        : "use a builder image whose glibc is at most \(target), e.g. a CUDA devel image on Ubuntu 22.04 (glibc 2.35) or a manylinux_2_28 builder"
                    bag.error("the source components are built on '\(buildImage.value)', whose glibc \(glibc) is newer than runtime.glibc \(target) (the oldest target host): the wheels built there would need glibc \(glibc); \(advice)",
                              at: stated.location, notes: [bag.note("runtime.glibc is set here", at: spec.runtime.glibc.location)])
                }
            } else if buildGlibc == nil {
                bag.error("state the glibc of '\(buildImage.value)', the image the source components are built on: '\(buildKey): major.minor' under 'container' (it must be at most runtime.glibc \(target); `docker run --rm \(buildImage.value) ldd --version` prints it)",
                          at: buildImage.location)
            }
        }
        if let stated = container.baseGlibc, let glibc = GlibcVersion(stated.value) {
            var needed: (GlibcVersion, String)?
            for artifact in spec.components.compactMap({ lockedGlibc(of: $0) }) where needed == nil || artifact.0 > needed!.0 {
                needed = artifact
            }
            if let (need, component) = needed, need > glibc {
                bag.error("the runtime base image '\(container.baseImage.value)' has glibc \(glibc), but the wheel of component '\(component)' needs glibc \(need) (its manylinux tag); use a newer base image",
                          at: stated.location)
            }
        }
        return planned
    }

    /// The glibc a wheel component's pinned or locked file needs, with the component's name.
    private func lockedGlibc(of component: Component) -> (GlibcVersion, String)? {
        guard component.kind.value == .wheel,
            let text = lock?.artifact(of: component.name.value)?.requiresGlibc, let glibc = GlibcVersion(text)
        else { return nil }
        return (glibc, component.name.value)
    }

    /// Checks a component's `build-requires` (PEP 508, no direct URLs, no duplicates; only for
    /// `kind: source`) and returns them planned, `nil` when there are none.
    mutating func checkBuildRequires(of c: Component) -> [PlannedBuildRequirement]? {
        guard !c.buildRequires.isEmpty else { return nil }
        if c.kind.value != .source, let first = c.buildRequires.first {
            bag.error("'build-requires' applies to source components; wheel '\(c.name.value)' is not built", at: first.location)
        }
        var planned: [PlannedBuildRequirement] = []
        var seen: [String: SourceLocation] = [:]
        for entry in c.buildRequires {
            let requirement: Requirement
            do { requirement = try Requirement(parsing: entry.value) } catch {
                bag.error("build requirement '\(entry.value)' of component '\(c.name.value)' is not a PEP 508 requirement: \(error)", at: entry.location)
                continue
            }
            if requirement.url != nil {
                bag.error("build requirement '\(entry.value)' is a direct URL; name the distribution with a version specifier, `sglang-forge lock` pins it by hash", at: entry.location)
                continue
            }
            if let first = seen[requirement.normalizedName] {
                bag.error("build requirement '\(requirement.normalizedName)' is listed twice in component '\(c.name.value)'", at: entry.location,
                          notes: [bag.note("first listed here", at: first)])
                continue
            }
            seen[requirement.normalizedName] = entry.location
            planned.append(PlannedBuildRequirement(requirement: entry.value, normalizedName: requirement.normalizedName, declaredAt: SpecLocation(entry.location)))
        }
        return planned
    }
}
