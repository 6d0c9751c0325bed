import Spec

extension PlanContext {
    /// Fields the name template may use.
    static let nameFields = ["python", "cuda", "gpu", "isa", "runtime", "version"]
    /// Fields the description template may use (the name fields and more).
    static let descriptionFields = nameFields + ["architecture", "gpus", "capabilities", "isa-label", "cpus"]
    /// Build variables sglang-forge sets from the matrix; `build-env` may not set them.
    static let reservedBuildVariables = ["TORCH_CUDA_ARCH_LIST", "MAX_JOBS", "CFLAGS", "CXXFLAGS"]

    /// Expands the GPU × ISA matrix into variants: exclusions, overrides, names, descriptions.
    mutating func expandMatrix(graph: DependencyGraph) -> [PlannedVariant] {
        let matrix = spec.matrix
        let gpuNames = checkAxis(matrix.gpus, known: spec.gpus.map(\.name.value), what: "GPU target", defined: "gpus")
        let isaNames = checkAxis(matrix.isas, known: spec.isas.map(\.name.value), what: "ISA", defined: "isas")
        let nameTemplate = template(spec.variants.name, fields: Self.nameFields)
        let descriptionTemplate = template(spec.variants.description, fields: Self.descriptionFields)
        if let nameTemplate {
            for axis in ["gpu", "isa"] where !nameTemplate.fields.contains(axis) && (axis == "gpu" ? gpuNames.count : isaNames.count) > 1 {
                bag.error("the variant name template has no {\(axis)}, so variants that differ only in \(axis == "gpu" ? "GPU target" : "ISA") get the same name", at: spec.variants.name.location)
            }
        }
        for selector in matrix.exclude + matrix.overrides.map(\.match) { checkSelector(selector) }
        for setting in spec.build.env + matrix.overrides.flatMap(\.buildEnv) where Self.reservedBuildVariables.contains(setting.name.value) {
            bag.error("\(setting.name.value) is set by sglang-forge from the matrix (capabilities, ISA flags, max-jobs); it cannot be set in a build environment", at: setting.name.location)
        }

        let roots = variantRoots()
        let order = graph.order(from: roots)
        let runtimeVersion = components[spec.runtime.component.value]?.version.value ?? ""
        var matchedExcludes = Set<Int>()
        var matchedOverrides = Set<Int>()
        var names: [String: (gpu: String, isa: String)] = [:]
        var variants: [PlannedVariant] = []
        variants.reserveCapacity(gpuNames.count * isaNames.count)
        for gpuName in gpuNames {
            guard let gpu = gpus[gpuName] else { continue }
            for isaName in isaNames {
                guard let isa = isas[isaName] else { continue }
                if let index = matrix.exclude.firstIndex(where: { matches($0, gpu: gpuName, isa: isaName) }) {
                    matchedExcludes.insert(index)
                    continue
                }
                var env = spec.build.env.map { PlannedEnvironmentSetting(name: $0.name.value, value: $0.value.value, reason: nil) }
                var maxJobs = spec.build.maxJobs.value
                for (index, override) in matrix.overrides.enumerated() where matches(override.match, gpu: gpuName, isa: isaName) {
                    matchedOverrides.insert(index)
                    for setting in override.buildEnv {
                        env.removeAll { $0.name == setting.name.value }
                        env.append(PlannedEnvironmentSetting(name: setting.name.value, value: setting.value.value, reason: override.reason.value))
                    }
                    if let jobs = override.maxJobs { maxJobs = jobs.value }
                }
                let capabilities = gpu.capabilities.map(\.value)
                var fields: [String: String] = [
                    "python": spec.runtime.python.value.replacingDots(with: ""),
                    "cuda": spec.cuda.version.value.replacingDots(with: "_"),
                    "gpu": gpuName, "isa": isaName,
                    "runtime": spec.runtime.name.value, "version": runtimeVersion,
                ]
                let name = nameTemplate?.render(fields) ?? ""
                fields["architecture"] = gpu.architecture.value
                fields["gpus"] = gpu.examples.map(\.value).joined(separator: ", ")
                fields["capabilities"] = capabilities.joined(separator: ", ")
                fields["isa-label"] = isa.label.value
                fields["cpus"] = isa.cpus?.value ?? ""
                if nameTemplate != nil {
                    if !Names.isVariantName(name) {
                        bag.error("variant name '\(name)' (GPU '\(gpuName)', ISA '\(isaName)') is not usable as a Nix attribute, file name and OCI tag: use lowercase letters, digits, '-', '_' and '.', at most 128 characters", at: spec.variants.name.location)
                    } else if let first = names[name] {
                        bag.error("variants GPU '\(first.gpu)' × ISA '\(first.isa)' and GPU '\(gpuName)' × ISA '\(isaName)' both get the name '\(name)'", at: spec.variants.name.location)
                    }
                    names[name] = (gpuName, isaName)
                }
                variants.append(PlannedVariant(
                    name: name, gpu: gpuName, isa: isaName,
                    capabilities: capabilities,
                    torchCudaArchList: capabilities.joined(separator: ";"),
                    isaFlags: isa.flags.map(\.value),
                    buildEnv: env,
                    maxJobs: maxJobs,
                    systemFeatures: spec.build.systemFeatures.map(\.value),
                    description: descriptionTemplate?.render(fields) ?? "",
                    roots: roots,
                    order: order
                ))
            }
        }
        for (index, selector) in matrix.exclude.enumerated() where !matchedExcludes.contains(index) && isKnown(selector) {
            bag.warning("this exclusion matches no variant of the matrix", at: selector.range.start)
        }
        for (index, override) in matrix.overrides.enumerated() where !matchedOverrides.contains(index) && isKnown(override.match) {
            bag.warning("this override matches no variant of the matrix", at: override.match.range.start)
        }
        if variants.isEmpty && !gpuNames.isEmpty && !isaNames.isEmpty {
            bag.error("the matrix has no variants left after 'exclude'", at: matrix.gpus.first?.location)
        }
        return variants
    }

    private mutating func checkAxis(_ entries: [Located<String>], known: [String], what: String, defined: String) -> [String] {
        var seen: [String: SourceLocation] = [:]
        var result: [String] = []
        for entry in entries {
            if let first = seen[entry.value] {
                bag.error("\(what) '\(entry.value)' is listed twice in the matrix", at: entry.location, notes: [bag.note("first listed here", at: first)])
                continue
            }
            seen[entry.value] = entry.location
            if known.contains(entry.value) { result.append(entry.value) } else { unknown(what, entry, candidates: known, defined: defined) }
        }
        return result
    }

    private mutating func checkSelector(_ selector: Selector) {
        if let gpu = selector.gpu, gpus[gpu.value] == nil {
            unknown("GPU target", gpu, candidates: spec.gpus.map(\.name.value), defined: "gpus")
        }
        if let isa = selector.isa, isas[isa.value] == nil {
            unknown("ISA", isa, candidates: spec.isas.map(\.name.value), defined: "isas")
        }
    }

    /// Whether every name the selector uses is defined (unknown names are already errors).
    private func isKnown(_ selector: Selector) -> Bool {
        selector.gpu.map { gpus[$0.value] != nil } ?? true && selector.isa.map { isas[$0.value] != nil } ?? true
    }

    private func matches(_ selector: Selector, gpu: String, isa: String) -> Bool {
        (selector.gpu.map { $0.value == gpu } ?? true) && (selector.isa.map { $0.value == isa } ?? true)
    }

    private mutating func template(_ text: Located<String>, fields: [String]) -> Template? {
        guard let template = Template(text.value) else {
            bag.error("unbalanced '{' or '}' in template '\(text.value)'", at: text.location)
            return nil
        }
        var ok = true
        for field in template.fields where !fields.contains(field) {
            bag.error("unknown placeholder '{\(field)}' in template" + PlanContext.placeholderHint(field, fields), at: text.location)
            ok = false
        }
        return ok ? template : nil
    }
}
