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
        let candidates = archive.filter { entry in
            let parts = entry.path.split(separator: "/")
            return parts.count == 2 && parts[0].hasSuffix(".dist-info") && parts[1] == "METADATA"
        }
        let expected = MarkerEnvironment.normalizeName(wheel.distribution) + "-" + wheel.version.description
        let entry = candidates.first {
            let folder = $0.path.split(separator: "/")[0].dropLast(".dist-info".count)
            guard let dash = folder.lastIndex(of: "-") else { return false }
            let name = MarkerEnvironment.normalizeName(String(folder[..<dash]))
            let version = PEP440Version(String(folder[folder.index(after: dash)...]))
            return "\(name)-\(version?.description ?? "")" == expected
        } ?? (candidates.count == 1 ? candidates.first : nil)
        guard let entry else {
            throw .badWheel(url: sourceURL, reason: candidates.isEmpty ? "no *.dist-info/METADATA in the wheel" : "several *.dist-info/METADATA files and none named \(expected).dist-info")
        }
        var data = Data()
        do { _ = try archive.extract(entry, skipCRC32: false) { data.append($0) } } catch {
            throw .badWheel(url: sourceURL, reason: "cannot extract \(entry.path): \(error)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .badWheel(url: sourceURL, reason: "\(entry.path) is not UTF-8") }
        return text
    }
}
