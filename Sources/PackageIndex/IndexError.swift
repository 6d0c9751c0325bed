/// Why a component could not be resolved from its index. Every case names the URL or file it
/// concerns, so that the CLI can print it as is.
public enum IndexError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The server answered with a status other than 200.
    case httpStatus(url: String, status: Int)
    /// No answer within the time limit, after every retry.
    case timedOut(url: String, seconds: Double, attempts: Int)
    /// A transport failure (DNS, refused connection, TLS), after every retry.
    case transport(url: String, reason: String)
    /// The project page is not a PEP 691 / PEP 503 page.
    case malformedPage(url: String, reason: String)
    /// No file of the project has a version the specifier admits.
    case noMatchingVersion(project: String, specifier: String, available: [String])
    /// Every file of the chosen version is yanked (PEP 592).
    case allYanked(project: String, version: String, reasons: [String])
    /// The version exists, but no file of it installs on the target.
    case noCompatibleWheel(project: String, version: String, target: String, rejected: [String])
    /// The downloaded bytes do not hash to what the index (or the spec) says.
    case hashMismatch(url: String, expected: String, actual: String)
    /// The PEP 658 metadata file does not hash to what the index says.
    case metadataHashMismatch(url: String, expected: String, actual: String)
    /// The wheel has no readable `*.dist-info/METADATA`.
    case badWheel(url: String, reason: String)
    /// A file could not be written or read locally.
    case localIO(path: String, reason: String)

    public var description: String {
        switch self {
        case .httpStatus(let url, let status): "GET \(url): HTTP \(status)"
        case .timedOut(let url, let seconds, let attempts): "GET \(url): no answer within \(seconds.formatted2) s (\(attempts) attempt\(attempts == 1 ? "" : "s"))"
        case .transport(let url, let reason): "GET \(url): \(reason)"
        case .malformedPage(let url, let reason): "\(url) is not a simple-API project page: \(reason)"
        case .noMatchingVersion(let project, let specifier, let available):
            "no version of '\(project)' matches '\(specifier)'; available: \(available.isEmpty ? "none" : available.suffix(12).joined(separator: ", "))"
        case .allYanked(let project, let version, let reasons):
            "every file of \(project) \(version) is yanked (PEP 592)" + (reasons.filter { !$0.isEmpty }.isEmpty ? "" : ": " + reasons.filter { !$0.isEmpty }.joined(separator: "; "))
        case .noCompatibleWheel(let project, let version, let target, let rejected):
            "no file of \(project) \(version) installs on \(target); files: \(rejected.joined(separator: "; "))"
        case .hashMismatch(let url, let expected, let actual): "\(url): downloaded bytes have sha256 \(actual), but sha256 \(expected) was expected"
        case .metadataHashMismatch(let url, let expected, let actual): "\(url): PEP 658 metadata has sha256 \(actual), but the index says \(expected)"
        case .badWheel(let url, let reason): "\(url): \(reason)"
        case .localIO(let path, let reason): "\(path): \(reason)"
        }
    }
}

extension Double {
    var formatted2: String {
        let rounded = (self * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
