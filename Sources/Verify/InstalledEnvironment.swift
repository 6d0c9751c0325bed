import Foundation
import Packaging

/// The distributions installed in a Python environment: every `*.dist-info` directory of its
/// site-packages (PEP 376, PEP 627), with `METADATA` (core metadata name and version) and `RECORD`.
public struct InstalledEnvironment: Sendable {
    /// The site-packages directories scanned.
    public var sitePackages: [URL]
    /// Installed distributions by normalised name (PEP 503).
    public var distributions: [String: InstalledDistribution]
    /// dist-info directories that could not be read, with why.
    public var unreadable: [(path: String, problem: String)]

    /// Finds the site-packages of `prefix`: the prefix itself when it holds `*.dist-info`, else
    /// `lib/python3*/site-packages` (and `lib64/…`) under it.
    /// - Throws: ``VerifyError`` when none exists.
    public static func scan(prefix: URL) throws(VerifyError) -> InstalledEnvironment {
        let fm = FileManager.default
        var roots: [URL] = []
        let direct = (try? fm.contentsOfDirectory(atPath: prefix.path)) ?? []
        if direct.contains(where: { $0.hasSuffix(".dist-info") }) { roots.append(prefix) }
        for lib in ["lib", "lib64"] {
            let dir = prefix.appendingPathComponent(lib)
            for python in ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).sorted() where python.hasPrefix("python3") {
                let site = dir.appendingPathComponent(python).appendingPathComponent("site-packages")
                var isDirectory: ObjCBool = false
                if fm.fileExists(atPath: site.path, isDirectory: &isDirectory), isDirectory.boolValue,
                   !roots.contains(where: { $0.resolvingSymlinksInPath() == site.resolvingSymlinksInPath() }) {
                    roots.append(site)
                }
            }
        }
        guard !roots.isEmpty else {
            throw VerifyError(message: "\(prefix.path): no Python environment found (neither *.dist-info nor lib/python3*/site-packages)")
        }
        var distributions: [String: InstalledDistribution] = [:]
        var unreadable: [(String, String)] = []
        for root in roots {
            for name in ((try? fm.contentsOfDirectory(atPath: root.path)) ?? []).sorted() where name.hasSuffix(".dist-info") {
                let distInfo = root.appendingPathComponent(name)
                guard let data = fm.contents(atPath: distInfo.appendingPathComponent("METADATA").path) else {
                    unreadable.append((distInfo.path, "no METADATA"))
                    continue
                }
                do {
                    let metadata = try CoreMetadata(parsing: String(decoding: data, as: UTF8.self))
                    let dist = InstalledDistribution(name: metadata.name, version: metadata.version, distInfo: distInfo, root: root)
                    distributions[Self.normalize(metadata.name)] = dist
                } catch {
                    unreadable.append((distInfo.path, "METADATA: \(error)"))
                }
            }
        }
        return InstalledEnvironment(sitePackages: roots, distributions: distributions, unreadable: unreadable)
    }

    /// PEP 503 normalisation: lowercase, runs of `-`, `_`, `.` become `-`.
    public static func normalize(_ name: String) -> String {
        var result = ""
        var lastWasSeparator = false
        for c in name.lowercased() {
            if c == "-" || c == "_" || c == "." {
                if !lastWasSeparator { result.append("-") }
                lastWasSeparator = true
            } else {
                result.append(c)
                lastWasSeparator = false
            }
        }
        return result
    }
}

/// One installed distribution.
public struct InstalledDistribution: Sendable {
    /// `Name:` of METADATA, as written.
    public var name: String
    /// `Version:` of METADATA.
    public var version: String
    /// Its `*.dist-info` directory.
    public var distInfo: URL
    /// The site-packages directory RECORD paths are relative to.
    public var root: URL
}
