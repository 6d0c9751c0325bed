import Foundation
import Packaging
import ZIPFoundation

/// Reads `{name}-{version}.dist-info/METADATA` out of a wheel file (PEP 427 layout) with
/// ZIPFoundation.
public enum WheelMetadataReader {
    /// The METADATA text of the wheel at `file`; `wheel` names the expected `.dist-info` folder.
    /// - Throws: ``IndexError/badWheel(url:reason:)`` when the file is not a zip archive or has no
    ///   (or more than one candidate) top-level `*.dist-info/METADATA`.
    public static func metadata(ofWheelAt file: URL, wheel: WheelFilename, sourceURL: String) throws(IndexError) -> String {
        let archive: Archive
        do { archive = try Archive(url: file, accessMode: .read) } catch {
            throw .badWheel(url: sourceURL, reason: "not a zip archive (\(error))")
        }
        let paths = archive.map(\.path)
        guard let path = metadataPath(among: paths, wheel: wheel), let entry = archive[path] else {
            let expected = MarkerEnvironment.normalizeName(wheel.distribution) + "-" + wheel.version.description
            let none = !paths.contains { isMetadataPath($0) }
            throw .badWheel(url: sourceURL, reason: none ? "no *.dist-info/METADATA in the wheel" : "several *.dist-info/METADATA files and none named \(expected).dist-info")
        }
        var data = Data()
        do { _ = try archive.extract(entry, skipCRC32: false) { data.append($0) } } catch {
            throw .badWheel(url: sourceURL, reason: "cannot extract \(entry.path): \(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .badWheel(url: sourceURL, reason: "\(entry.path) is not UTF-8") }
        return text
    }

    /// Which of a wheel's member paths is its METADATA: the top-level
    /// `{name}-{version}.dist-info/METADATA` whose name and version match `wheel`'s (after PEP 503
    /// / PEP 440 normalisation), or the only top-level `*.dist-info/METADATA` when none matches.
    /// - Returns: `nil` when there is none, or several and none matches.
    public static func metadataPath(among paths: [String], wheel: WheelFilename) -> String? {
        let candidates = paths.filter(isMetadataPath)
        let expected = MarkerEnvironment.normalizeName(wheel.distribution) + "-" + wheel.version.description
        let match = candidates.first {
            let folder = $0.split(separator: "/")[0].dropLast(".dist-info".count)
            guard let dash = folder.lastIndex(of: "-") else { return false }
            let name = MarkerEnvironment.normalizeName(String(folder[..<dash]))
            let version = PEP440Version(String(folder[folder.index(after: dash)...]))
            return "\(name)-\(version?.description ?? "")" == expected
        }
        return match ?? (candidates.count == 1 ? candidates.first : nil)
    }

    static func isMetadataPath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0].hasSuffix(".dist-info") && parts[1] == "METADATA"
    }
}
