import Packaging

/// Picks the wheel to lock for one project from its index files.
///
/// Rules: only wheels (PEP 427 names) of the project; versions the specifier admits, newest
/// first, pre-releases only when the specifier is an exact pin or names one (PEP 440); yanked
/// files skipped (PEP 592); files whose `Requires-Python` excludes the target skipped; among the
/// installable files of the newest version that has any, the best-tagged one
/// (``TargetEnvironment/priority(of:)``), ties broken by file name.
public struct WheelChooser: Sendable {
    /// The target interpreter and platform.
    public var target: TargetEnvironment

    public init(target: TargetEnvironment) { self.target = target }

    /// The chosen file and its parsed name.
    public struct Choice: Hashable, Sendable {
        /// The index entry (URL, hashes, yanked, metadata).
        public var file: IndexFile
        /// Its parsed file name.
        public var wheel: WheelFilename
        /// glibc its least demanding installable tag needs (`nil` for `any`).
        public var requiresGlibc: GlibcVersion?
    }

    /// Chooses among `files` for `project` and `specifier`.
    /// - Throws: ``IndexError/noMatchingVersion(project:specifier:available:)``,
    ///   ``IndexError/allYanked(project:version:reasons:)`` or
    ///   ``IndexError/noCompatibleWheel(project:version:target:rejected:)``.
    public func choose(from files: [IndexFile], project: String, specifier: SpecifierSet) throws(IndexError) -> Choice {
        let normalized = MarkerEnvironment.normalizeName(project)
        var byVersion: [PEP440Version: [(IndexFile, WheelFilename)]] = [:]
        for file in files {
            guard let wheel = try? WheelFilename(parsing: file.filename),
                  MarkerEnvironment.normalizeName(wheel.distribution) == normalized else { continue }
            byVersion[wheel.version, default: []].append((file, wheel))
        }
        let allowPre = specifier.isExactPin
        let candidates = byVersion.keys.filter { specifier.contains($0, prereleases: allowPre) }.sorted(by: >)
        guard !candidates.isEmpty else {
            throw .noMatchingVersion(project: project, specifier: specifier.description.isEmpty ? "any" : specifier.description,
                                     available: byVersion.keys.sorted().map(\.description))
        }
        var firstFailure: IndexError?
        let python = PEP440Version("\(target.pythonMajor).\(target.pythonMinor).0")!
        for version in candidates {
            let entries = byVersion[version]!
            let live = entries.filter { $0.0.yanked == nil }
            if live.isEmpty {
                if firstFailure == nil { firstFailure = .allYanked(project: project, version: version.description, reasons: entries.compactMap(\.0.yanked)) }
                continue
            }
            var rejected: [String] = []
            var best: (Int, IndexFile, WheelFilename)?
            for (file, wheel) in live {
                if let rp = file.requiresPython, let set = try? SpecifierSet(parsing: rp), !set.contains(python, prereleases: true) {
                    rejected.append("\(file.filename) (Requires-Python \(rp))")
                    continue
                }
                guard let priority = target.bestPriority(of: wheel) else {
                    rejected.append("\(file.filename) (\(reason(wheel)))")
                    continue
                }
                if best == nil || priority < best!.0 || (priority == best!.0 && file.filename < best!.1.filename) {
                    best = (priority, file, wheel)
                }
            }
            if let (_, file, wheel) = best {
                var glibc: GlibcVersion?
                if case .compatible(let needed) = target.compatibility(of: wheel) { glibc = needed }
                return Choice(file: file, wheel: wheel, requiresGlibc: glibc)
            }
            if firstFailure == nil {
                firstFailure = .noCompatibleWheel(project: project, version: version.description, target: targetDescription, rejected: rejected.sorted())
            }
        }
        throw firstFailure!
    }

    /// `CPython 3.12, x86_64 manylinux with glibc ≤ 2.35`.
    public var targetDescription: String {
        "CPython \(target.pythonMajor).\(target.pythonMinor), \(target.architecture) manylinux with glibc ≤ \(target.glibc)"
    }

    private func reason(_ wheel: WheelFilename) -> String {
        switch target.compatibility(of: wheel) {
        case .compatible: "tag not preferred"
        case .wrongInterpreter: "no tag for \(target.interpreterTag)"
        case .glibcTooNew(let g): "needs glibc \(g)"
        case .wrongPlatform: "platform \(wheel.platformTags.joined(separator: "."))"
        }
    }
}
