import Foundation
import Hashes
import Packaging
import Spec

extension PlanContext {
    /// Checks `tarball:`: the CPython pin matches `runtime.python`; every library entry names a
    /// bundleable system library (never a `driver` one: libcuda.so.1 comes with the driver), is
    /// pinned by hash, and is a wheel for the target (its glibc need recorded) or a `.deb`.
    mutating func plannedTarball() -> PlannedTarball? {
        guard let settings = spec.tarball else { return nil }
        var python: PlannedDownload?
        if let pin = settings.python {
            if let wanted = self.python, !wanted.includes(pin.version.value) {
                bag.error("'tarball.python' is CPython \(pin.version.value), but 'runtime.python' is \(wanted)", at: pin.version.location,
                          notes: [bag.note("runtime Python set here", at: spec.runtime.python.location)])
            }
            python = download(pin, what: "'tarball.python'")
        }
        var libraries: [PlannedLibraryDownload] = []
        for entry in settings.libraries {
            guard let library = systemLibrary(named: entry.name) else { continue }
            if library.provider.value == .driver {
                bag.error("system library '\(entry.name.value)' comes from the NVIDIA driver and is never bundled", at: entry.name.location)
                continue
            }
            guard var planned = download(entry.download, what: "library '\(entry.name.value)'") else { continue }
            let format: LibraryDownloadFormat
            if planned.filename.hasSuffix(".whl") {
                format = .wheel
                if let wheel = try? WheelFilename(parsing: planned.filename) {
                    if let pypi = library.pypi, Names.normalizedDistributionName(pypi.value) != Names.normalizedDistributionName(wheel.distribution) {
                        bag.error("wheel '\(planned.filename)' is distribution '\(wheel.distribution)', but system library '\(entry.name.value)' names '\(pypi.value)'", at: entry.download.url.location)
                    }
                    if let target, case .compatible(let glibc) = target.compatibility(of: wheel) {
                        planned.requiresGlibc = glibc
                    } else if target != nil {
                        bag.error("wheel '\(planned.filename)' cannot be installed on the target (CPython \(spec.runtime.python.value), glibc \(spec.runtime.glibc.value))", at: entry.download.url.location)
                    }
                } else {
                    bag.error("'\(planned.filename)' is not a valid wheel file name", at: entry.download.url.location)
                }
            } else if planned.filename.hasSuffix(".deb") {
                format = .deb
            } else {
                bag.error("library '\(entry.name.value)' must be pinned to a wheel (.whl) or a Debian package (.deb), found '\(planned.filename)'", at: entry.download.url.location)
                continue
            }
            libraries.append(PlannedLibraryDownload(library: entry.name.value, format: format, download: planned))
        }
        return PlannedTarball(python: python, libraries: libraries, declaredAt: SpecLocation(settings.key.start))
    }

    private mutating func systemLibrary(named name: Located<String>) -> SystemLibrary? {
        if let library = libraries[name.value] { return library }
        unknown("system library", name, candidates: spec.systemLibraries.map(\.name.value), defined: "system-libraries")
        return nil
    }

    private mutating func download(_ pin: PinnedDownload, what: String) -> PlannedDownload? {
        guard let hash = pin.hash else {
            bag.error("\(what) is pinned by URL but has no 'hash'; every download needs one", at: pin.url.location)
            return nil
        }
        let lastSegment = pin.url.value.split(separator: "/").last.map(String.init) ?? ""
        return PlannedDownload(
            version: pin.version.value, url: pin.url.value, digest: hash.value,
            filename: lastSegment.removingPercentEncoding ?? lastSegment,
            requiresGlibc: nil, declaredAt: SpecLocation(pin.url.location)
        )
    }
}
