import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Hashes
import Packaging

/// Reads a spec file: bytes → ``YAMLNode`` tree → ``Spec``.
///
/// Every problem in the file is reported (not just the first): YAML problems, unknown keys
/// (with the closest known key), missing keys, wrong types, malformed hashes and names.
/// Cross-references and semantics (matrix names, CUDA support, wheel tags, …) are the planner's job.
public enum SpecLoader {
    /// The only spec format this version reads.
    public static let supportedFormat = 1

    /// Loads the spec at `path`.
    ///
    /// - Returns: the spec when it decoded without errors (it may still carry warnings), and
    ///   every diagnostic, sorted by position.
    public static func load(path: String) -> (spec: Spec?, diagnostics: [Diagnostic]) {
        func failure(_ reason: String) -> (spec: Spec?, diagnostics: [Diagnostic]) {
            (nil, [Diagnostic(.error, "cannot read spec: \(reason)", file: path, at: nil)])
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return failure("no such file") }
        guard !isDirectory.boolValue else { return failure("it is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else { return failure("it cannot be read") }
        defer { try? handle.close() }
        // The size limit is checked before the file is read, and at most one byte past it is
        // ever read (also from a file that grows or never ends, such as a FIFO or /dev/zero).
        // fstat(2) of the open file, not FileManager's attribute dictionary (a tenth of the spec
        // load's time in `plan`, issue 13 §5); 0 for what has no size (a FIFO).
        var status = stat()
        let size = fstat(handle.fileDescriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG ? Int(status.st_size) : 0
        if size > YAMLParser.maximumBytes {
            return (nil, [Diagnostic(.error, "file is \(size) bytes; the limit is \(YAMLParser.maximumBytes) bytes", file: path, at: SourceLocation(line: 1, column: 1, offset: 0))])
        }
        let data: Data
        do { data = try handle.read(upToCount: YAMLParser.maximumBytes + 1) ?? Data() } catch { return failure("it cannot be read") }
        return decode([UInt8](data), path: path)
    }

    /// Decodes spec text already in memory; `path` is only used in diagnostics.
    public static func decode(_ bytes: [UInt8], path: String) -> (spec: Spec?, diagnostics: [Diagnostic]) {
        var bag = DiagnosticBag(file: path)
        guard let root = YAMLParser(file: path).parse(bytes, diagnostics: &bag) else { return (nil, bag.sorted) }
        var decoder = SpecDecoder(reader: SchemaReader(diagnostics: bag), path: path)
        let spec = decoder.spec(root)
        let diagnostics = decoder.reader.diagnostics
        return (diagnostics.hasErrors ? nil : spec, diagnostics.sorted)
    }
}

/// The schema of `docs/spec.md`, one function per section.
struct SpecDecoder {
    var reader: SchemaReader
    let path: String

    private var placeholderRange: SourceRange { SourceRange(start: .init(line: 1, column: 1, offset: 0), end: .init(line: 1, column: 1, offset: 0)) }
    private func missing<T>(_ value: T) -> Located<T> { Located(value, placeholderRange) }

    mutating func spec(_ root: YAMLNode) -> Spec {
        let top = reader.mapping(root, what: "the spec", keys: [
            "format", "runtime", "cuda", "nixpkgs", "variants", "isas", "gpus", "matrix", "build",
            "environment", "system-libraries", "components", "container", "tarball", "lock",
        ])
        var format = missing(SpecLoader.supportedFormat)
        if let top, let node = reader.require(top, "format"), let value = reader.integer(node, what: "'format'", in: 0...1_000) {
            format = value
            if value.value != SpecLoader.supportedFormat {
                reader.diagnostics.error("unsupported spec format \(value.value); this sglang-forge reads format \(SpecLoader.supportedFormat)", at: value.location)
            }
        }
        var sections: [String: YAMLNode] = [:]
        for key in ["runtime", "cuda", "nixpkgs", "variants", "isas", "gpus", "matrix", "build", "system-libraries", "components"] {
            if let top, let node = reader.require(top, key) { sections[key] = node }
        }
        let runtime = runtime(sections["runtime"])
        let cuda = cuda(sections["cuda"])
        let nixpkgs = nixpkgs(sections["nixpkgs"])
        let variants = variantTemplates(sections["variants"])
        let isas = named(sections["isas"], what: "isas") { $0.isa($1, $2) }
        let gpus = named(sections["gpus"], what: "gpus") { $0.gpu($1, $2) }
        let matrix = matrix(sections["matrix"])
        let build = build(sections["build"])
        let environment = named(top?["environment"], what: "environment") { $0.environmentVariable($1, $2) }
        let systemLibraries = named(sections["system-libraries"], what: "system-libraries") { $0.systemLibrary($1, $2) }
        let components = named(sections["components"], what: "components") { $0.component($1, $2) }
        var spec = Spec(
            path: path, format: format, runtime: runtime, cuda: cuda, nixpkgs: nixpkgs, variants: variants,
            isas: isas, gpus: gpus, matrix: matrix, build: build, environment: environment,
            systemLibraries: systemLibraries, components: components,
            lock: lockSettings(top?["lock"]),
            container: top?["container"].flatMap { container($0) }
        )
        if let top, let node = top["tarball"] { spec.tarball = tarball(node, key: top.keyRange("tarball") ?? node.range) }
        return spec
    }

    /// `container:`: `base-image` (`name:tag`, required), `base-digest` (`sha256:…`), `base-glibc`,
    /// and optionally the builder base: `builder-image`, `builder-digest`, `builder-glibc`.
    private mutating func container(_ node: YAMLNode) -> ContainerSettings? {
        guard let m = reader.mapping(node, what: "'container'", keys: [
            "base-image", "base-digest", "base-glibc", "builder-image", "builder-digest", "builder-glibc",
        ]) else { return nil }
        let image = requiredString(m, "base-image")
        checkImageReference(image, key: "base-image", digestKey: "base-digest")
        let digest = digest(m, "base-digest", only: .sha256)
        var settings = ContainerSettings(baseImage: image, baseDigest: digest, range: node.range)
        settings.baseGlibc = glibcVersion(m, "base-glibc")
        if let builderImage = optionalString(m, "builder-image") {
            checkImageReference(builderImage, key: "builder-image", digestKey: "builder-digest")
            settings.builder = ContainerBuilder(image: builderImage, digest: self.digest(m, "builder-digest", only: .sha256),
                                                glibc: glibcVersion(m, "builder-glibc"))
        } else {
            for key in ["builder-digest", "builder-glibc"] {
                if let value = optionalString(m, key) {
                    reader.diagnostics.error("'\(key)' needs 'builder-image' in 'container'", at: value.location)
                }
            }
        }
        return settings
    }

    private mutating func checkImageReference(_ image: Located<String>, key: String, digestKey: String) {
        guard !image.value.isEmpty, !Names.isImageReference(image.value) else { return }
        if image.value.contains("@") {
            reader.diagnostics.error("'\(key)' must be 'name:tag' without a digest; write the digest in '\(digestKey)'", at: image.location)
        } else {
            reader.diagnostics.error("'\(key)' must be an image reference 'name:tag' such as 'nvidia/cuda:12.8.1-cudnn-devel-ubuntu24.04', found '\(image.value)'", at: image.location)
        }
    }

    /// A glibc version `major.minor` (as `ldd --version` prints it), written as a string.
    private mutating func glibcVersion(_ m: Mapping, _ key: String) -> Located<String>? {
        guard let value = optionalString(m, key) else { return nil }
        let parts = value.value.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count != 2 || !parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) {
            reader.diagnostics.error("'\(key)' must be a glibc version 'major.minor' such as '2.35' (`docker run --rm IMAGE ldd --version` prints it), found '\(value.value)'", at: value.location)
            return nil
        }
        return value
    }

    private mutating func lockSettings(_ node: YAMLNode?) -> LockSettings {
        guard let node, let m = reader.mapping(node, what: "'lock'", keys: ["index", "exclude-newer", "unprovided-requirements"]) else { return LockSettings() }
        let index = indexURL(m, "index")
        var excludeNewer = optionalString(m, "exclude-newer")
        if let text = excludeNewer {
            if let normal = RFC3339.normalized(text.value) {
                excludeNewer = Located(normal, text.range)
            } else {
                reader.diagnostics.error("'exclude-newer' in 'lock' must be an RFC 3339 timestamp with a time zone (e.g. 2026-03-04T12:00:00Z), found '\(text.value)'", at: text.location)
                excludeNewer = nil
            }
        }
        var unprovided: [UnprovidedPackage] = []
        if let list = m["unprovided-requirements"] {
            if case .scalar = list.content {
                reader.diagnostics.error("'unprovided-requirements' in 'lock' is a list of the packages the runtime deliberately leaves out ('- package: NAME' with a 'reason'); every other requirement is resolved into the closure, so the policies ignore/warn/error are gone", at: list.range.start)
            } else {
                for item in reader.sequence(list, what: "'unprovided-requirements' in 'lock'") ?? [] {
                    guard let e = reader.mapping(item, what: "an entry of 'unprovided-requirements'", keys: ["package", "reason"]) else { continue }
                    let package = requiredString(e, "package")
                    let reason = requiredString(e, "reason")
                    if e["reason"] != nil && reason.value.trimmingCharacters(in: .whitespaces).isEmpty {
                        reader.diagnostics.error("an unprovided package needs a written 'reason'", at: reason.location)
                    }
                    if e["package"] != nil && !Names.isDistributionName(package.value) {
                        reader.diagnostics.error("'\(package.value)' is not a distribution name", at: package.location)
                    } else if e["package"] != nil {
                        unprovided.append(UnprovidedPackage(package: package, reason: reason))
                    }
                }
            }
        }
        return LockSettings(index: index, excludeNewer: excludeNewer, unprovidedRequirements: unprovided)
    }

    /// Refuses a URL with credentials in it (they would be copied into every generated file
    /// and log): located at the URL, with the mechanisms that keep them out of the spec.
    private mutating func refuseCredentials(_ url: Located<String>, _ what: String) {
        guard let problem = Names.credentialProblem(in: url.value) else { return }
        reader.diagnostics.error("\(what) carries credentials (\(problem)); never write them into the spec, which is copied into generated files: use a netrc file (~/.netrc, NETRC), a keyring (uv/pip keyring support) or the index's environment variables (UV_INDEX_<NAME>_USERNAME/PASSWORD)", at: url.location)
    }

    private mutating func indexURL(_ m: Mapping, _ key: String) -> Located<String>? {
        guard let url = optionalString(m, key) else { return nil }
        refuseCredentials(url, "'\(key)' in \(m.what)")
        if !(url.value.hasPrefix("https://") || url.value.hasPrefix("http://127.0.0.1") || url.value.hasPrefix("http://localhost")) {
            reader.diagnostics.error("'\(key)' in \(m.what) must be an https:// simple-API URL (http only for 127.0.0.1/localhost), found '\(url.value)'", at: url.location)
        }
        return url
    }

    private mutating func waivers(_ node: YAMLNode?, component: String) -> [Waiver] {
        var result: [Waiver] = []
        for item in reader.sequence(node, what: "'waivers' of component '\(component)'") ?? [] {
            guard let w = reader.mapping(item, what: "a waiver of component '\(component)'", keys: ["requirement", "reason"]) else { continue }
            let requirement = requiredString(w, "requirement")
            let reason = requiredString(w, "reason")
            if w["reason"] != nil && reason.value.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.diagnostics.error("a waiver needs a written 'reason'", at: reason.location)
            }
            if !requirement.value.isEmpty, w["requirement"] != nil {
                result.append(Waiver(requirement: requirement, reason: reason))
            }
        }
        return result
    }

    private mutating func deviceCodeWaivers(_ node: YAMLNode?, component: String) -> [DeviceCodeWaiver] {
        var result: [DeviceCodeWaiver] = []
        for item in reader.sequence(node, what: "'device-code-waivers' of component '\(component)'") ?? [] {
            guard let w = reader.mapping(item, what: "a device-code waiver of component '\(component)'", keys: ["gpus", "reason"]) else { continue }
            let gpus = reader.strings(reader.require(w, "gpus"), what: "'gpus' of a device-code waiver") ?? []
            let reason = requiredString(w, "reason")
            if w["reason"] != nil && reason.value.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.diagnostics.error("a device-code waiver needs a written 'reason'", at: reason.location)
            }
            if !gpus.isEmpty { result.append(DeviceCodeWaiver(gpus: gpus, reason: reason)) }
        }
        return result
    }

    /// Decodes a table of named entries, checking each name's syntax.
    private mutating func named<T>(_ node: YAMLNode?, what: String, decode: (inout Self, Located<String>, YAMLNode) -> T?) -> [T] {
        guard let node else { return [] }
        var result: [T] = []
        for pair in reader.table(node, what: "'\(what)'") {
            let name = Located(pair.name, pair.key.range)
            if !Names.isIdentifier(pair.name) {
                reader.diagnostics.error("'\(pair.name)' is not a valid name in '\(what)': use letters, digits, '-', '_' and '.', starting with a letter or digit", at: name.location)
                continue
            }
            if let value = decode(&self, name, pair.value) { result.append(value) }
        }
        return result
    }

    private mutating func requiredString(_ m: Mapping?, _ key: String) -> Located<String> {
        guard let m, let node = reader.require(m, key), let value = reader.string(node, what: "'\(key)' in \(m.what)") else { return missing("") }
        return value
    }

    private mutating func optionalString(_ m: Mapping?, _ key: String) -> Located<String>? {
        guard let m else { return nil }
        return reader.string(m[key], what: "'\(key)' in \(m.what)")
    }

    private mutating func enumeration<E: RawRepresentable & CaseIterable>(_ m: Mapping?, _ key: String, default fallback: E?) -> Located<E>? where E.RawValue == String {
        guard let m else { return nil }
        guard let node = m[key] else {
            if let fallback { return Located(fallback, m.keyRange(key) ?? m.node.range) }
            _ = reader.require(m, key)
            return nil
        }
        guard let text = reader.string(node, what: "'\(key)' in \(m.what)") else { return nil }
        if let value = E(rawValue: text.value) { return Located(value, text.range) }
        let allowed = E.allCases.map(\.rawValue)
        reader.diagnostics.error("'\(text.value)' is not a valid '\(key)' in \(m.what); expected one of: \(allowed.joined(separator: ", "))\(Suggestions.hint(for: text.value, in: allowed))", at: text.location)
        return nil
    }

    private mutating func runtime(_ node: YAMLNode?) -> Runtime {
        let m = node.flatMap { reader.mapping($0, what: "'runtime'", keys: ["name", "component", "summary", "homepage", "license", "platform", "python", "glibc", "entry-point"]) }
        let python = requiredString(m, "python")
        if !python.value.isEmpty && PythonVersion(python.value) == nil {
            reader.diagnostics.error("'python' must be a CPython version 'major.minor' such as '3.12', found '\(python.value)'", at: python.location)
        }
        let glibc = requiredString(m, "glibc")
        if !glibc.value.isEmpty && !Names.isMajorMinor(glibc.value) {
            reader.diagnostics.error("'glibc' must be a version 'major.minor' such as '2.35', found '\(glibc.value)'", at: glibc.location)
        }
        let runtimeName = requiredString(m, "name")
        if !runtimeName.value.isEmpty && !Names.isRuntimeName(runtimeName.value) {
            reader.diagnostics.error("runtime 'name' becomes a user name, a Nix attribute and an image name: use lowercase letters, digits, '-' and '_', starting with a letter or '_', at most 32 characters; found '\(runtimeName.value)'", at: runtimeName.location)
        }
        return Runtime(
            name: runtimeName,
            component: requiredString(m, "component"),
            summary: optionalString(m, "summary"),
            homepage: optionalString(m, "homepage"),
            license: optionalString(m, "license"),
            platform: enumeration(m, "platform", default: nil) ?? missing(.x86_64Linux),
            python: python,
            glibc: glibc,
            entryPoint: requiredString(m, "entry-point")
        )
    }

    private mutating func cuda(_ node: YAMLNode?) -> CUDA {
        let m = node.flatMap { reader.mapping($0, what: "'cuda'", keys: ["version", "min-driver"]) }
        let version = requiredString(m, "version")
        if !version.value.isEmpty && !Names.isMajorMinor(version.value) {
            reader.diagnostics.error("CUDA 'version' must be 'major.minor' such as '12.8', found '\(version.value)'", at: version.location)
        }
        let driver = requiredString(m, "min-driver")
        if !driver.value.isEmpty && !driver.value.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) {
            reader.diagnostics.error("'min-driver' must be a driver version such as '550' or '570.26', found '\(driver.value)'", at: driver.location)
        }
        return CUDA(version: version, minDriver: driver)
    }

    private mutating func nixpkgs(_ node: YAMLNode?) -> NixpkgsPin {
        let m = node.flatMap { reader.mapping($0, what: "'nixpkgs'", keys: ["owner", "repo", "rev", "tarball-hash"]) }
        let rev = requiredString(m, "rev")
        if !rev.value.isEmpty && !(rev.value.utf8.count == 40 && Base16.decode(rev.value) != nil) {
            reader.diagnostics.error("nixpkgs 'rev' must be a full 40-digit lowercase commit id, found '\(rev.value)'; branch names belong in `sglang-forge pin nixpkgs --ref`", at: rev.location)
        }
        let owner = requiredString(m, "owner"), repo = requiredString(m, "repo")
        if !owner.value.isEmpty && !Names.isGitHubOwner(owner.value) {
            reader.diagnostics.error("nixpkgs 'owner' must be a GitHub user or organisation name (letters, digits, inner '-'), found '\(owner.value)'", at: owner.location)
        }
        if !repo.value.isEmpty && !Names.isRepositoryName(repo.value) {
            reader.diagnostics.error("nixpkgs 'repo' must be a repository name (letters, digits, '.', '_', '-'), found '\(repo.value)'", at: repo.location)
        }
        return NixpkgsPin(
            owner: owner,
            repo: repo,
            rev: rev,
            tarballHash: digest(m, "tarball-hash", only: .sha256)
        )
    }

    private mutating func digest(_ m: Mapping?, _ key: String, only algorithm: HashAlgorithm? = nil) -> Located<Digest>? {
        guard let text = optionalString(m, key) else { return nil }
        do {
            let digest = try Digest(parsing: text.value)
            if let algorithm, digest.algorithm != algorithm {
                reader.diagnostics.error("'\(key)' must be a \(algorithm.rawValue) hash, found \(digest.algorithm.rawValue)", at: text.location)
                return nil
            }
            return Located(digest, text.range)
        } catch {
            reader.diagnostics.error("invalid '\(key)': \(error)", at: text.location)
            return nil
        }
    }

    /// `tarball:` (optional): `python` and `libraries`, each pinned by `version`, `url`, `hash`.
    private mutating func tarball(_ node: YAMLNode, key: SourceRange) -> TarballSettings? {
        guard let m = reader.mapping(node, what: "'tarball'", keys: ["python", "libraries"]) else { return nil }
        let python = m["python"].flatMap { pinnedDownload($0, what: "'tarball.python'") }
        var libraries: [PinnedLibrary] = []
        if let table = m["libraries"] {
            for pair in reader.table(table, what: "'tarball.libraries'") {
                if let download = pinnedDownload(pair.value, what: "library '\(pair.name)' in 'tarball.libraries'") {
                    libraries.append(PinnedLibrary(name: Located(pair.name, pair.key.range), download: download))
                }
            }
        }
        return TarballSettings(python: python, libraries: libraries, key: key)
    }

    private mutating func pinnedDownload(_ node: YAMLNode, what: String) -> PinnedDownload? {
        guard let m = reader.mapping(node, what: what, keys: ["version", "url", "hash"]) else { return nil }
        let url = requiredString(m, "url")
        if !url.value.isEmpty && !url.value.hasPrefix("https://") {
            reader.diagnostics.error("'url' of \(what) must be an https:// URL, found '\(url.value)'", at: url.location)
        }
        refuseCredentials(url, "'url' of \(what)")
        return PinnedDownload(version: requiredString(m, "version"), url: url, hash: digest(m, "hash"))
    }

    private mutating func variantTemplates(_ node: YAMLNode?) -> VariantTemplates {
        let m = node.flatMap { reader.mapping($0, what: "'variants'", keys: ["name", "description"]) }
        return VariantTemplates(name: requiredString(m, "name"), description: requiredString(m, "description"))
    }

    private mutating func isa(_ name: Located<String>, _ node: YAMLNode) -> ISA? {
        guard let m = reader.mapping(node, what: "ISA '\(name.value)'", keys: ["label", "flags", "cpus"]) else { return nil }
        let flags = reader.strings(reader.require(m, "flags"), what: "'flags' of ISA '\(name.value)'") ?? []
        for flag in flags where !Names.isMachineFlag(flag.value) {
            reader.diagnostics.error("ISA flag '\(flag.value)' is not a machine option; ISA flags are '-m…' options such as '-mavx2'", at: flag.location)
        }
        if flags.isEmpty, let node = m["flags"], case .sequence = node.content {
            reader.diagnostics.error("ISA '\(name.value)' has no flags", at: node.range.start)
        }
        let label = requiredString(m, "label")
        if !label.value.isEmpty && !Names.isLabel(label.value) {
            reader.diagnostics.error("ISA 'label' must be a short label such as 'AVX-512' (letters, digits, spaces, '.', '_', '+', '-', '/', parentheses), found '\(label.value)'", at: label.location)
        }
        return ISA(name: name, label: label, flags: flags, cpus: optionalString(m, "cpus"))
    }

    private mutating func gpu(_ name: Located<String>, _ node: YAMLNode) -> GPUTarget? {
        guard let m = reader.mapping(node, what: "GPU target '\(name.value)'", keys: ["architecture", "capabilities", "examples", "note"]) else { return nil }
        let capabilities = reader.strings(reader.require(m, "capabilities"), what: "'capabilities' of GPU target '\(name.value)'") ?? []
        if capabilities.isEmpty, let node = m["capabilities"], case .sequence = node.content {
            reader.diagnostics.error("GPU target '\(name.value)' lists no compute capabilities", at: node.range.start)
        }
        return GPUTarget(
            name: name,
            architecture: requiredString(m, "architecture"),
            capabilities: capabilities,
            examples: reader.strings(m["examples"], what: "'examples' of GPU target '\(name.value)'") ?? [],
            note: optionalString(m, "note")
        )
    }

    private mutating func selector(_ node: YAMLNode, what: String) -> Selector? {
        guard let m = reader.mapping(node, what: what, keys: ["gpu", "isa"]) else { return nil }
        let selector = Selector(gpu: optionalString(m, "gpu"), isa: optionalString(m, "isa"), range: node.range)
        if selector.gpu == nil && selector.isa == nil {
            reader.diagnostics.error("\(what) must name a 'gpu', an 'isa' or both", at: node.range.start)
            return nil
        }
        return selector
    }

    private mutating func matrix(_ node: YAMLNode?) -> Matrix {
        let m = node.flatMap { reader.mapping($0, what: "'matrix'", keys: ["gpus", "isas", "exclude", "overrides"]) }
        let gpus = m.flatMap { reader.strings(reader.require($0, "gpus"), what: "'matrix.gpus'") } ?? []
        let isas = m.flatMap { reader.strings(reader.require($0, "isas"), what: "'matrix.isas'") } ?? []
        for key in ["gpus", "isas"] {
            if let node = m?[key], case .sequence(let items) = node.content, items.isEmpty {
                reader.diagnostics.error("'matrix.\(key)' is empty, so the matrix has no variants; list at least one name from '\(key)'", at: node.range.start)
            }
        }
        let exclude = (reader.sequence(m?["exclude"], what: "'matrix.exclude'") ?? []).compactMap { selector($0, what: "an 'exclude' entry") }
        var overrides: [Override] = []
        for item in reader.sequence(m?["overrides"], what: "'matrix.overrides'") ?? [] {
            guard let o = reader.mapping(item, what: "an override", keys: ["match", "build-env", "max-jobs", "reason"]) else { continue }
            guard let matchNode = reader.require(o, "match"), let match = selector(matchNode, what: "an override's 'match'") else { continue }
            let env = envTable(o["build-env"], what: "'build-env' of an override")
            let maxJobs = reader.integer(o["max-jobs"], what: "'max-jobs'", in: 1...4096)
            if env.isEmpty && maxJobs == nil {
                reader.diagnostics.error("an override must change something: 'build-env' or 'max-jobs'", at: item.range.start)
            }
            overrides.append(Override(match: match, buildEnv: env, maxJobs: maxJobs, reason: requiredString(o, "reason")))
        }
        return Matrix(gpus: gpus, isas: isas, exclude: exclude, overrides: overrides)
    }

    private mutating func envTable(_ node: YAMLNode?, what: String) -> [(name: Located<String>, value: Located<String>)] {
        let entries = reader.stringTable(node, what: what) ?? []
        for (name, _) in entries where !Names.isEnvironmentName(name.value) {
            reader.diagnostics.error("'\(name.value)' is not a valid environment variable name (letters, digits and '_', not starting with a digit)", at: name.location)
        }
        return entries.map { (name: $0.0, value: $0.1) }
    }

    private mutating func build(_ node: YAMLNode?) -> BuildSettings {
        let m = node.flatMap { reader.mapping($0, what: "'build'", keys: ["max-jobs", "system-features", "disk-gb", "memory-gb", "env"]) }
        return BuildSettings(
            maxJobs: m.flatMap { reader.integer(reader.require($0, "max-jobs"), what: "'max-jobs'", in: 1...4096) } ?? missing(1),
            systemFeatures: systemFeatures(m?["system-features"]),
            diskGB: reader.integer(m?["disk-gb"], what: "'disk-gb'", in: 1...100_000),
            memoryGB: reader.integer(m?["memory-gb"], what: "'memory-gb'", in: 1...100_000),
            env: envTable(m?["env"], what: "'build.env'")
        )
    }

    /// Nix `system-features` names (`big-parallel`, `kvm`, `gccarch-x86-64-v3`): `[A-Za-z0-9][A-Za-z0-9._-]*`.
    private mutating func systemFeatures(_ node: YAMLNode?) -> [Located<String>] {
        let features = reader.strings(node, what: "'system-features'") ?? []
        for feature in features where !Names.isIdentifier(feature.value) {
            reader.diagnostics.error("'\(feature.value)' is not a Nix system feature name such as 'big-parallel' (letters, digits, '.', '_', '-')", at: feature.location)
        }
        return features
    }

    private mutating func environmentVariable(_ name: Located<String>, _ node: YAMLNode) -> EnvironmentVariable? {
        if !Names.isEnvironmentName(name.value) {
            reader.diagnostics.error("'\(name.value)' is not a valid environment variable name (letters, digits and '_', not starting with a digit)", at: name.location)
        }
        guard let m = reader.mapping(node, what: "environment variable '\(name.value)'", keys: ["value", "why"]) else { return nil }
        return EnvironmentVariable(name: name, value: requiredString(m, "value"), why: optionalString(m, "why"))
    }

    private mutating func systemLibrary(_ name: Located<String>, _ node: YAMLNode) -> SystemLibrary? {
        guard let m = reader.mapping(node, what: "system library '\(name.value)'", keys: ["sonames", "provider", "nixpkgs", "debian", "pypi"]) else { return nil }
        let sonames = reader.strings(reader.require(m, "sonames"), what: "'sonames' of system library '\(name.value)'") ?? []
        for soname in sonames where !(soname.value.hasPrefix("lib") && soname.value.contains(".so")) {
            reader.diagnostics.error("'\(soname.value)' is not an ELF soname such as 'libnuma.so.1'", at: soname.location)
        }
        guard let provider: Located<LibraryProvider> = enumeration(m, "provider", default: nil) else { return nil }
        let library = SystemLibrary(
            name: name, sonames: sonames, provider: provider,
            nixpkgs: optionalString(m, "nixpkgs"), debian: optionalString(m, "debian"), pypi: optionalString(m, "pypi")
        )
        if let attribute = library.nixpkgs, !Names.isNixAttributePath(attribute.value) {
            reader.diagnostics.error("'nixpkgs' of system library '\(name.value)' must be a Nix attribute path such as 'stdenv.cc.cc.lib', found '\(attribute.value)'", at: attribute.location)
        }
        if let package = library.debian, !Names.isDebianPackageName(package.value) {
            reader.diagnostics.error("'debian' of system library '\(name.value)' must be a Debian package name such as 'libnuma1' (Debian Policy 5.6.1: lowercase letters, digits, '+', '-', '.'), found '\(package.value)'", at: package.location)
        }
        if let distribution = library.pypi, !Names.isDistributionName(distribution.value) {
            reader.diagnostics.error("'pypi' of system library '\(name.value)' is not a valid Python distribution name (PEP 508), found '\(distribution.value)'", at: distribution.location)
        }
        if provider.value == .system && (library.nixpkgs == nil || library.debian == nil) {
            reader.diagnostics.error("system library '\(name.value)' comes from the base system, so it needs both 'nixpkgs' and 'debian' package names", at: name.location)
        }
        return library
    }

    /// A dotted Python module name (`tvm_ffi`, `a.b`): identifiers of letters, digits and `_`.
    private mutating func moduleName(_ m: Mapping, _ key: String) -> Located<String>? {
        guard let name = optionalString(m, key) else { return nil }
        let valid = name.value.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            guard let first = part.unicodeScalars.first, first.isASCIIAlpha || first == "_" else { return false }
            return part.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" }
        }
        if !valid {
            reader.diagnostics.error("'\(key)' must be a Python module name such as 'tvm_ffi', found '\(name.value)'", at: name.location)
            return nil
        }
        return name
    }

    private mutating func component(_ name: Located<String>, _ node: YAMLNode) -> Component? {
        guard let m = reader.mapping(node, what: "component '\(name.value)'", keys: [
            "version", "kind", "family", "url", "hash", "depends", "links", "python-deps", "requires-dist", "import-check",
            "import-name", "note", "index", "waivers", "build-requires", "device-code-waivers",
        ]) else { return nil }
        let version = requiredString(m, "version")
        let url = optionalString(m, "url")
        // http only for a loopback host (a local mirror, the tests), as for index URLs.
        let loopback = ["http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/"].contains { url?.value.hasPrefix($0) == true }
        if let url, !url.value.hasPrefix("https://"), !loopback {
            reader.diagnostics.error("'url' of component '\(name.value)' must be an https:// URL (http only for 127.0.0.1/localhost), found '\(url.value)'", at: url.location)
        }
        if let url { refuseCredentials(url, "'url' of component '\(name.value)'") }
        let hash = digest(m, "hash")
        if let hash, url == nil {
            reader.diagnostics.error("component '\(name.value)' has a 'hash' but no 'url'; index artifacts are hashed by `sglang-forge lock`", at: hash.location)
        }
        var pythonDeps: [PythonDependency] = []
        for item in reader.sequence(m["python-deps"], what: "'python-deps' of component '\(name.value)'") ?? [] {
            if case .scalar = item.content, let dep = reader.string(item, what: "a Python dependency") {
                pythonDeps.append(PythonDependency(name: dep, nixpkgs: nil))
            } else if let d = reader.mapping(item, what: "a Python dependency", keys: ["name", "nixpkgs"]) {
                pythonDeps.append(PythonDependency(name: requiredString(d, "name"), nixpkgs: optionalString(d, "nixpkgs")))
            }
        }
        for dep in pythonDeps where !dep.name.value.isEmpty && !Names.isDistributionName(dep.name.value) {
            reader.diagnostics.error("'\(dep.name.value)' is not a valid Python distribution name (PEP 508)", at: dep.name.location)
        }
        for dep in pythonDeps {
            if let attribute = dep.nixpkgs, !Names.isNixAttributePath(attribute.value) {
                reader.diagnostics.error("'nixpkgs' of Python dependency '\(dep.name.value)' must be a Nix attribute path such as 'numpy', found '\(attribute.value)'", at: attribute.location)
            }
        }
        return Component(
            name: name,
            version: version,
            kind: enumeration(m, "kind", default: nil) ?? missing(.wheel),
            family: optionalString(m, "family"),
            url: url,
            hash: hash,
            depends: reader.strings(m["depends"], what: "'depends' of component '\(name.value)'") ?? [],
            links: reader.strings(m["links"], what: "'links' of component '\(name.value)'") ?? [],
            pythonDeps: pythonDeps,
            requiresDist: enumeration(m, "requires-dist", default: .keep) ?? missing(.keep),
            importCheck: reader.bool(m["import-check"], what: "'import-check'") ?? Located(true, m.node.range),
            importName: moduleName(m, "import-name"),
            note: optionalString(m, "note"),
            index: indexURL(m, "index"),
            waivers: waivers(m["waivers"], component: name.value),
            buildRequires: reader.strings(m["build-requires"], what: "'build-requires' of component '\(name.value)'") ?? [],
            deviceCodeWaivers: deviceCodeWaivers(m["device-code-waivers"], component: name.value)
        )
    }
}
