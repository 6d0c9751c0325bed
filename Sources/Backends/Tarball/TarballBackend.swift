import Hashes
import BackendCore
import Foundation
import Planner

/// The tarball backend: per variant, a bash recipe that assembles a relocatable prefix and packs
/// it with `sglang-forge pack` into `<variant>.tar.zst` (docs/backends/tarball.md).
///
/// Output (layout `scripts`, the only one):
/// - `common/lib.sh`, `common/relink.py`: helpers the recipes share;
/// - `common/requirements.txt`: every pinned wheel (components and CUDA library wheels), as
///   `name @ url --hash=algorithm:hex` for `pip install --require-hashes --no-deps`;
/// - `common/<entry point>`, `common/activate`: the launchers installed into `bin/`;
/// - `common/python-deps.in`: the Python dependencies the components need from the runtime's
///   package set; `common/python-closure.txt`: those at exact versions with hashes, when the plan
///   carries the lock's Python closure (the recipes' default `PYTHON_DEPS_REQUIREMENTS`);
/// - `<variant>/build.sh`, `<variant>/env.sh` (the runtime environment, from the plan's
///   `environment` templates), `<variant>/runtime.json` (``RuntimeManifest``, the same bytes
///   every backend installs, as `share/sglang-forge/runtime.json`).
///
/// Reads only the plan. Errors (all reported, located in the spec): no `tarball.python` pin, a
/// wheel component without a pinned artifact, a CUDA library a component links that no
/// `tarball.libraries` entry provides.
public struct TarballBackend: Backend {
    /// One layout: per-variant shell recipes and their shared helpers.
    public static let layouts = ["scripts"]

    public init() {}

    /// The plan checked for the tarball backend: the pinned interpreter, the pinned wheels, the
    /// runtime environment parsed into shell names and templates, and every variant's manifest.
    public struct Inputs {
        let plan: BuildPlan
        let tarball: PlannedTarball
        let python: PlannedDownload
        let wheels: [(component: PlannedComponent, artifact: PlannedArtifact)]
        let environment: [(name: ShellName, template: EnvironmentTemplate, why: String?)]
        let manifests: [(variant: PlannedVariant, manifest: String)]
    }

    /// Checks the plan (see the type's documentation for the errors); every problem is reported.
    public func check(_ plan: BuildPlan, layout: String) -> Result<Inputs, EmitError> {
        var problems: [Diagnostic] = []
        guard let tarball = plan.tarball else {
            return .failure(EmitError([plan.error("the spec has no 'tarball' section; the tarball backend needs at least 'tarball.python', a relocatable CPython pinned by url and hash", at: nil)]))
        }
        if tarball.python == nil {
            problems.append(plan.error("'tarball' has no 'python': pin a relocatable CPython \(plan.runtime.python.version) (python-build-standalone install_only archive) by version, url and hash", at: tarball.declaredAt))
        }
        let pinned = PinnedArtifacts.wheels(plan, backend: "tarball")
        problems += pinned.problems.map { $0.diagnostic(in: plan) }
        let libraries = Dictionary(plan.systemLibraries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let bundled = Set(tarball.libraries.map(\.library))
        for component in plan.components {
            for name in component.links where libraries[name]?.provider == .cuda && !bundled.contains(name) {
                problems.append(plan.error("component '\(component.name)' links '\(name)' (\(libraries[name]?.sonames.joined(separator: ", ") ?? "")), a CUDA library the tarball must bundle, but 'tarball.libraries' pins no artifact for it", at: component.declaredAt))
            }
        }
        for library in tarball.libraries where library.format == .wheel && !PinnedArtifacts.isPlainURL(library.download.url) {
            problems.append(plan.error("the URL of 'tarball.libraries.\(library.library)' contains whitespace or a control character; a requirements line takes a URL only as one plain token", at: library.download.declaredAt))
        }
        // A CUDA library wheel that is also a closure package must be the closure's file: the
        // prefix would otherwise hold another file than the other backends install.
        let closure = Dictionary((plan.pythonClosure?.packages ?? []).map { ($0.normalizedName, $0) }, uniquingKeysWith: { a, _ in a })
        for library in tarball.libraries where library.format == .wheel {
            let distribution = RuntimeManifest.normalized(plan.systemLibraries.first { $0.name == library.library }?.pypi ?? library.library)
            if let package = closure[distribution], let installed = package.installedSHA256, installed != library.download.digest {
                problems.append(plan.error("'tarball.libraries.\(library.library)' pins \(library.download.filename) (sha256 \(library.download.digest.hex)), but the Python closure installs \(distribution) \(package.version) from \(package.wheel?.filename ?? "another file") (sha256 \(installed.hex)); pin the closure's file so every backend installs the same wheel", at: library.download.declaredAt))
            }
        }
        var environment: [(name: ShellName, template: EnvironmentTemplate, why: String?)] = []
        for variable in plan.environment {
            let name = ShellName(variable.name)
            if name == nil {
                problems.append(plan.error("environment variable '\(SafeText.oneLine(variable.name))' is not a shell variable name ([A-Za-z_][A-Za-z0-9_]*), which env.sh must export", at: nil))
            }
            switch EnvironmentTemplate.parse(variable.value) {
            case .success(let template): if let name { environment.append((name, template, variable.why)) }
            case .failure(let reasons):
                problems += reasons.map { plan.error("the value of environment variable \(SafeText.oneLine(variable.name)): \($0)", at: nil) }
            }
        }
        let manifests: [(variant: PlannedVariant, manifest: String)]
        switch RuntimeManifest.checkedManifests(plan) {
        case .success(let rendered): manifests = rendered
        case .failure(let error): problems += error.diagnostics; manifests = []
        }
        guard problems.isEmpty, let python = tarball.python else { return .failure(EmitError(problems)) }
        return .success(Inputs(plan: plan, tarball: tarball, python: python, wheels: pinned.wheels, environment: environment, manifests: manifests))
    }

    /// Renders the recipes of checked inputs (see the type's documentation).
    public func render(_ inputs: Inputs) -> [GeneratedFile] {
        let plan = inputs.plan, tarball = inputs.tarball, python = inputs.python
        let header = GeneratedFile.header(comment: "#", specPath: plan.spec)
        let entryPoint = plan.runtime.entryPoint
        var files: [GeneratedFile] = [
            GeneratedFile(path: "common/lib.sh", contents: header + CommonFiles.libSh + "\n"),
            GeneratedFile(path: "common/relink.py", contents: header + CommonFiles.relinkPy + "\n"),
            GeneratedFile(path: "common/activate", contents: header + CommonFiles.activate + "\n"),
            GeneratedFile(path: "common/\(entryPoint)", contents: injectHeader(header, into: CommonFiles.launcher(entryPoint: entryPoint)) + "\n", isExecutable: true),
            GeneratedFile(path: "common/requirements.txt", contents: header + requirements(inputs)),
            GeneratedFile(path: "common/python-deps.in", contents: header + pythonDeps(plan)),
        ]
        if let closure = plan.pythonClosure {
            files.append(GeneratedFile(path: "common/python-closure.txt", contents: closure.requirementsText(preamble: header + """
                # The runtime Python package set at exact versions with their hashes (from \(SafeText.oneLine(closure.source))),
                # for `pip install --require-hashes --no-deps`; build.sh's default PYTHON_DEPS_REQUIREMENTS.

                """)))
        }
        for (variant, manifest) in inputs.manifests {
            files.append(GeneratedFile(path: "\(variant.name)/build.sh", contents: buildScript(plan, tarball, python, variant, header: header), isExecutable: true))
            files.append(GeneratedFile(path: "\(variant.name)/env.sh", contents: header + environment(inputs, variant)))
            files.append(GeneratedFile(path: "\(variant.name)/runtime.json", contents: manifest))
        }
        return files.sorted { $0.path < $1.path }
    }

    // MARK: files

    /// Puts the header after a `#!` line.
    private func injectHeader(_ header: String, into script: String) -> String {
        guard script.hasPrefix("#!"), let newline = script.firstIndex(of: "\n") else { return header + script }
        return String(script[...newline]) + header + String(script[script.index(after: newline)...])
    }

    private func requirements(_ inputs: Inputs) -> String {
        var lines = ["# Every pinned wheel, for `pip install --require-hashes --no-deps`: the components, then the",
                     "# wheels that carry bundled CUDA libraries."]
        lines += inputs.wheels.map { PipRequirement.direct($0.component, $0.artifact) }
        for library in inputs.tarball.libraries where library.format == .wheel {
            let distribution = inputs.plan.systemLibraries.first { $0.name == library.library }?.pypi ?? library.library
            lines.append(PipRequirement.direct(distribution, url: library.download.url, digest: library.download.digest))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func pythonDeps(_ plan: BuildPlan) -> String {
        var lines = ["# The Python packages the components need from the runtime's package set (spec 'python-deps').",
                     "# build.sh installs them from PYTHON_DEPS_REQUIREMENTS: a requirements file pinning each of",
                     "# these (and their dependencies) to one wheel with --hash, e.g. from",
                     "# `uv pip compile --generate-hashes --python-version \(plan.runtime.python.version) python-deps.in`."]
        var seen = Set<String>()
        for component in plan.components {
            for dep in component.pythonDeps where seen.insert(dep.normalizedName).inserted {
                lines.append(dep.normalizedName)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The sonames bundled from `tarball.libraries`.
    private func bundledSonames(_ plan: BuildPlan, _ tarball: PlannedTarball) -> [String] {
        tarball.libraries.flatMap { entry in plan.systemLibraries.first { $0.name == entry.library }?.sonames ?? [] }
    }

    /// Sonames the unpacked runtime may take from the host: glibc's, the toolchain runtime
    /// libraries manylinux allows (PEP 600), and every `driver` or unpinned `system` library.
    private func hostSonames(_ plan: BuildPlan, _ tarball: PlannedTarball) -> [String] {
        let glibc = ["ld-linux-x86-64.so.2", "libc.so.6", "libdl.so.2", "libm.so.6", "libpthread.so.0", "libresolv.so.2", "librt.so.1", "libutil.so.1",
                     "libgcc_s.so.1", "libstdc++.so.6", "libz.so.1"]
        let pinned = Set(tarball.libraries.map(\.library))
        let host = plan.systemLibraries.filter { ($0.provider == .driver || $0.provider == .system) && !pinned.contains($0.name) }.flatMap(\.sonames)
        return Array(Set(glibc + host)).sorted()
    }

    private func buildScript(_ plan: BuildPlan, _ tarball: PlannedTarball, _ python: PlannedDownload, _ variant: PlannedVariant, header: String) -> String {
        let pythonExe = "python\(plan.runtime.python.version)"
        let entryPoint = plan.runtime.entryPoint
        let sources = plan.components.filter { $0.perVariant }
        var s = ShellScript()
        s.line("#!/usr/bin/env bash")
        s.header(header)
        s.comment("Builds \(variant.name).tar.zst: \(variant.description).")
        s.comment("")
        s.comment("Needs on the build host: bash, curl, sha256sum, tar, gzip, ar and readelf (binutils), patchelf,")
        s.comment("sglang-forge, and `docker buildx` for the source-built wheels unless they are given below.")
        s.comment("Environment:")
        if plan.pythonClosure != nil {
            s.comment("  PYTHON_DEPS_REQUIREMENTS  hash-pinned requirements for ../common/python-deps.in")
            s.comment("                            (default: ../common/python-closure.txt, the lock's closure)")
        } else {
            s.comment("  PYTHON_DEPS_REQUIREMENTS  required: hash-pinned requirements for ../common/python-deps.in")
        }
        for component in sources {
            let variable = wheelVariable(component.name).name
            s.comment("  \(variable)  a \(component.name) \(component.version) wheel built for this variant (default: the")
            s.comment("  \(String(repeating: " ", count: variable.count))  container backend's `docker buildx bake \(SourceWheelExport(component: component.name).bakeTarget(variant: variant.name))`)")
        }
        s.comment("  CONTAINER_DIR  the container backend's output (default: ../../container)")
        s.comment("  OUT_DIR, WORK_DIR, DOWNLOADS  (default: ../out, ../work, ../downloads)")
        s.comment("  SGLANG_FORGE  the sglang-forge executable (default: sglang-forge on PATH)")
        s.comment("  HOST_SONAMES  extra sonames the runtime may take from the host (space-separated)")
        s.line("set -euo pipefail")
        s.line("here=$(cd \"$(dirname \"${BASH_SOURCE[0]}\")\" && pwd)")
        s.line("common=\"$here/../common\"")
        s.line(". \"$common/lib.sh\"")
        s.line()
        s.line(.assign("variant", .word(variant.name)))
        s.line("work=\"${WORK_DIR:-$here/../work}/$variant\"")
        s.line("out=\"${OUT_DIR:-$here/../out}\"")
        s.line("downloads=\"${DOWNLOADS:-$here/../downloads}\"")
        s.line("forge=\"${SGLANG_FORGE:-sglang-forge}\"")
        s.line("prefix=\"$work/prefix\"")
        s.line("require_tools curl sha256sum tar gzip ar readelf patchelf \"$forge\"")
        if plan.pythonClosure != nil {
            s.line("PYTHON_DEPS_REQUIREMENTS=\"${PYTHON_DEPS_REQUIREMENTS:-$common/python-closure.txt}\"")
        } else {
            s.line("[ -n \"${PYTHON_DEPS_REQUIREMENTS:-}\" ] || die \"set PYTHON_DEPS_REQUIREMENTS to a hash-pinned requirements file for $common/python-deps.in (or run \\`sglang-forge lock\\`)\"")
        }
        s.line("PYTHON_DEPS_REQUIREMENTS=$(readlink -f -- \"$PYTHON_DEPS_REQUIREMENTS\")")
        s.line("rm -rf \"$work\"")
        s.line("mkdir -p \"$work\" \"$out\" \"$downloads\"")
        s.line("# No bytecode and no pip state inside the prefix: .pyc files would record its absolute path.")
        s.line("export PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1")
        s.line("unset PYTHONPATH PYTHONHOME PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_REQUIRE_VIRTUALENV")
        s.line()
        let downloaded = { (file: String) in ShellCommand.Argument.joined(["\"$downloads/\"", .word(file)]) }
        s.line(ShellCommand("step", .word("CPython \(python.version) (\(python.filename))")))
        s.line(ShellCommand("fetch", .word(python.url), .word(python.digest.algorithm.rawValue), .word(python.digest.hex), downloaded(python.filename)))
        s.line("mkdir \"$work/python\"")
        s.line(ShellCommand("tar", "-xzf", downloaded(python.filename), "-C", "\"$work/python\""))
        s.line("mv \"$work/python/python\" \"$prefix\"")
        s.line(.assign("py", .quoted("$prefix/bin/", .text(pythonExe))))
        s.line(ShellCommand("\"$py\"", "-c", .word("import sys; assert sys.version_info[:2] == (\(plan.runtime.python.version.major), \(plan.runtime.python.version.minor)), sys.version")))
        s.line("\"$py\" -m pip --version >/dev/null 2>&1 || \"$py\" -m ensurepip --default-pip")
        s.line("pip_install() { \"$py\" -m pip install --no-deps --no-compile --only-binary=:all: --no-warn-script-location \"$@\"; }")
        s.line()
        s.line("step 'Python dependencies, hashes required'")
        s.line("# First, so that the wheels below replace any version of them the lock carries.")
        s.line("pip_install --require-hashes -r \"$PYTHON_DEPS_REQUIREMENTS\"")
        for component in sources {
            let variable = wheelVariable(component.name)
            let export = SourceWheelExport(component: component.name)
            s.line()
            s.line(ShellCommand("step", .word("\(component.name) \(component.version), built from source for \(variant.gpu) (TORCH_CUDA_ARCH_LIST=\(variant.torchCudaArchList)) and \(variant.isa)")))
            s.line(ShellCommand("if", "[", "-z", .doubleQuoted([.valueOrEmpty(variable)]), "];", "then"))
            s.line("    container=\"${CONTAINER_DIR:-$here/../../container}\"")
            s.line(indent: 1, ShellCommand("(cd", "\"$container\"", "&&", "docker", "buildx", "bake", .joined([.doubleQuoted(export.bakeTargetInShell), ")"])))
            s.line(indent: 1, ShellCommand(.joined([.name(variable), "=$(single_file ", .doubleQuoted(["$container/"] + export.outputDirectoryInShell), " ", .word(export.wheelGlob(version: component.version)), ")"])))
            s.line("fi")
            s.line(ShellCommand("pip_install", "--force-reinstall", .doubleQuoted([.variable(variable)])))
            s.line("mkdir -p \"$prefix/share/sglang-forge\"")
            s.line(ShellCommand(.joined(["(cd \"$(dirname ", .doubleQuoted([.variable(variable)]), ")\" && sha256sum \"$(basename ", .doubleQuoted([.variable(variable)]),
                                         ")\") >> \"$prefix/share/sglang-forge/source-wheels.sha256\""])))
        }
        s.line()
        s.line("step 'pinned wheels (components and CUDA runtime libraries), hashes required'")
        s.line("pip_install --force-reinstall --require-hashes -r \"$common/requirements.txt\"")
        for library in tarball.libraries where library.format == .deb {
            let sonames = plan.systemLibraries.first { $0.name == library.library }?.sonames ?? []
            s.line()
            s.line(ShellCommand("step", .word("\(library.library) \(library.download.version) (\(sonames.joined(separator: ", "))) from \(library.download.filename)")))
            s.line(ShellCommand("fetch", .word(library.download.url), .word(library.download.digest.algorithm.rawValue), .word(library.download.digest.hex), downloaded(library.download.filename)))
            s.line(ShellCommand("extract_deb_sonames", downloaded(library.download.filename), "\"$prefix/lib\"", .words(sonames)))
        }
        // Source-built wheels link the CUDA libraries too; wheel components as their `links` say.
        let bundled = Set(tarball.libraries.map(\.library))
        let linking = plan.components.filter { $0.perVariant || $0.links.contains(where: bundled.contains) }.map(\.name)
        s.line()
        s.line("step 'run paths: $ORIGIN-relative to the bundled libraries'")
        s.line(ShellCommand("\"$py\"", "\"$common/relink.py\"", "\"$prefix\"", "--sonames", .words(bundledSonames(plan, tarball)), "--dists", .words(linking)))
        s.line("# shellcheck disable=SC2086")
        s.line(ShellCommand("\"$py\"", "\"$common/relink.py\"", "\"$prefix\"", "--check", .words(hostSonames(plan, tarball)), "${HOST_SONAMES:-}"))
        s.line("if find \"$prefix\" -name 'libcuda.so*' | grep -q .; then die 'libcuda.so.1 must come from the driver, but the prefix contains a copy'; fi")
        s.line()
        s.line(ShellCommand("step", .word("glibc: every ELF file may need at most glibc \(plan.runtime.glibc.target), the target hosts' oldest")))
        s.line(ShellCommand("check_glibc", "\"$prefix\"", .word(plan.runtime.glibc.target.description)))
        s.line()
        s.line("step 'launchers, environment, manifest'")
        s.line(ShellCommand("[", "-f", .quoted("$prefix/bin/", .text(entryPoint)), "]", "||", "die", .word("no console script named \(entryPoint) was installed")))
        s.line("mkdir -p \"$prefix/libexec/sglang-forge\" \"$prefix/share/sglang-forge\"")
        s.line(ShellCommand("mv", .quoted("$prefix/bin/", .text(entryPoint)), .quoted("$prefix/libexec/sglang-forge/", .text(entryPoint))))
        s.line(ShellCommand("install", "-m", "0755", .quoted("$common/", .text(entryPoint)), .quoted("$prefix/bin/", .text(entryPoint))))
        s.line("install -m 0644 \"$common/activate\" \"$prefix/bin/activate\"")
        s.line("install -m 0644 \"$here/env.sh\" \"$prefix/share/sglang-forge/env.sh\"")
        s.line("install -m 0644 \"$here/runtime.json\" \"$prefix/share/sglang-forge/runtime.json\"")
        s.line()
        s.line("step \"pack $out/$variant.tar.zst\"")
        s.line("\"$forge\" pack \"$prefix\" -o \"$out/$variant.tar.zst\"")
        return s.text
    }

    /// The variable a source wheel can be given in: `TORCH_WHEEL` for `torch`.
    private func wheelVariable(_ component: String) -> ShellName {
        ShellName(derivedFrom: component, suffix: "_WHEEL")
    }

    /// `env.sh`: the plan's `environment`, with `{cuda.home}` → `$CUDA_HOME` (default
    /// `/usr/local/cuda`: nvcc is needed only by the JIT and is not bundled), `{cuda.include}`,
    /// `{cuda.lib}` under it, `{cache}` → `${XDG_CACHE_HOME:-$HOME/.cache}/sglang-forge/<variant>`
    /// (outside the tree), `{prefix}` → the unpacked prefix. Search-path variables are
    /// prepended to; other variables keep a value the user already set. Each value is one shell
    /// word with exactly the template's literal text (``ShellWord/word(_:)``).
    private func environment(_ inputs: Inputs, _ variant: PlannedVariant) -> String {
        let plan = inputs.plan
        var s = ShellScript()
        s.comment("The runtime environment of \(variant.name); sourced by bin/\(plan.runtime.entryPoint) and")
        s.comment("bin/activate with SGLANG_FORGE_PREFIX set to the unpacked prefix.")
        s.line("_sf_cuda_home=${CUDA_HOME:-/usr/local/cuda}")
        s.line(.assign("_sf_cache", .joined(["\"${XDG_CACHE_HOME:-$HOME/.cache}/sglang-forge/\"", .word(variant.name)])))
        let searchPaths: Set<String> = ["PATH", "CPATH", "LIBRARY_PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH"]
        for (name, template, why) in inputs.environment {
            if let why { s.comment("\(name): \(why)") }
            let value = ShellCommand.Argument.parts(template.map(literal: { [ShellWord.Part.literal($0)] }, placeholder: Self.shellValue).flatMap { $0 })
            if searchPaths.contains(name.name) {
                s.line(ShellCommand(.joined([.name(name), "=", value, .doubleQuoted([.searchPathTail(name)])])))
            } else {
                s.line(ShellCommand("[", "-n", .doubleQuoted([.valueOrEmpty(name)]), "]", "||", .joined([.name(name), "=", value])))
            }
            s.line(ShellCommand("export", .name(name)))
        }
        s.line("unset _sf_cuda_home _sf_cache")
        return s.text
    }

    /// What a placeholder is in `env.sh`.
    private static func shellValue(_ placeholder: EnvironmentPlaceholder) -> [ShellWord.Part] {
        switch placeholder {
        case .cudaHome: [.variable("_sf_cuda_home")]
        case .cudaInclude: [.variable("_sf_cuda_home"), .literal("/include")]
        case .cudaLib: [.variable("_sf_cuda_home"), .literal("/lib64")]
        case .cache: [.variable("_sf_cache")]
        case .prefix: [.variable("SGLANG_FORGE_PREFIX")]
        }
    }
}
