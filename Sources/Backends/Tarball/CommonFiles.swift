import BackendCore

/// The files every variant's recipe shares, as text. They depend on the plan only through the
/// entry point's name, so they are rendered once per emit.
enum CommonFiles {
    /// `common/lib.sh`: helpers sourced by every `build.sh`.
    static let libSh = #"""
    # Helpers for the tarball recipes: sourced by <variant>/build.sh (bash, set -euo pipefail).

    die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }
    step() { printf '\n==> %s\n' "$*" >&2; }

    # require_tools TOOL...: every tool must be on PATH.
    require_tools() {
        local tool missing=()
        for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
        [ "${#missing[@]}" -eq 0 ] || die "missing tools: ${missing[*]} (see docs/backends/tarball.md)"
    }

    # fetch URL ALGORITHM HEX DEST: downloads URL to DEST unless DEST already has the digest;
    # fails unless the digest matches. ALGORITHM is sha256, sha384 or sha512.
    fetch() {
        local url=$1 algorithm=$2 expected=$3 dest=$4 actual
        if [ -f "$dest" ] && [ "$("${algorithm}sum" "$dest" | cut -d' ' -f1)" = "$expected" ]; then
            return 0
        fi
        curl --fail --location --retry 3 --silent --show-error --output "$dest.part" "$url"
        actual=$("${algorithm}sum" "$dest.part" | cut -d' ' -f1)
        if [ "$actual" != "$expected" ]; then
            rm -f "$dest.part"
            die "$url: $algorithm is $actual, the spec pins $expected"
        fi
        mv "$dest.part" "$dest"
    }

    # single_file DIR GLOB: prints the one file in DIR matching GLOB, or fails.
    single_file() {
        local dir=$1 pattern=$2 matches=()
        shopt -s nullglob
        # shellcheck disable=SC2206
        matches=("$dir"/$pattern)
        shopt -u nullglob
        [ "${#matches[@]}" -eq 1 ] || die "expected exactly one $pattern in $dir, found ${#matches[@]}"
        printf '%s\n' "${matches[0]}"
    }

    # extract_deb_sonames DEB DEST SONAME...: copies each SONAME (and the file it links to)
    # from the Debian package's multiarch library directory into DEST.
    extract_deb_sonames() {
        local deb=$1 dest=$2 tmp data soname
        shift 2
        tmp=$(mktemp -d)
        data=$(cd "$tmp" && ar t "$deb" | grep '^data\.tar') || die "$deb: no data.tar member"
        (cd "$tmp" && ar x "$deb" "$data" && mkdir root && tar -xf "$data" -C root)
        for soname in "$@"; do
            local found
            found=$(find "$tmp/root" -name "$soname" \( -type f -o -type l \) | head -n 1)
            [ -n "$found" ] || die "$deb has no $soname"
            cp -P "$found" "$dest/"
            if [ -L "$found" ]; then cp -P "$(dirname "$found")/$(readlink "$found")" "$dest/"; fi
        done
        rm -rf "$tmp"
    }

    # check_glibc PREFIX TARGET: fails when an ELF file under PREFIX needs a glibc symbol version
    # (GLIBC_x.y, from `readelf --dyn-syms`) newer than TARGET, the oldest glibc of the target
    # hosts; records the highest version needed in PREFIX/share/sglang-forge/glibc-required.
    # Wheels state their need in their manylinux tag; a wheel built from source does not, so it
    # is measured here.
    check_glibc() {
        local prefix=$1 target=$2 needed worst
        needed=$(find "$prefix" -type f \( -name '*.so' -o -name '*.so.*' -o -perm -u+x \) -print0 \
            | xargs -0 -r readelf --dyn-syms --wide 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' \
            | sed 's/^GLIBC_//' | sort -u -V | tail -n 1 || true)
        [ -n "$needed" ] || needed=0
        worst=$(printf '%s\n%s\n' "$needed" "$target" | sort -V | tail -n 1)
        if [ "$worst" != "$target" ]; then
            die "the prefix needs glibc $needed (GLIBC_$needed symbols), newer than the target glibc $target (spec runtime.glibc); build the source wheels on an older base"
        fi
        mkdir -p "$prefix/share/sglang-forge"
        printf '%s\n' "$needed" > "$prefix/share/sglang-forge/glibc-required"
    }
    """#

    /// `common/relink.py`: `$ORIGIN` run paths to the bundled libraries, and the closure check.
    static let relinkPy = #"""
    """Relocation helpers for the tarball recipes; run with the prefix's own interpreter.

    relink.py PREFIX --sonames S... --dists D...
        Gives every ELF file of the distributions D an RPATH/RUNPATH made of its existing
        $ORIGIN entries plus $ORIGIN-relative paths to the directories holding the bundled
        sonames S (ld.so(8): $ORIGIN is the directory of the object itself). Absolute entries
        (build-machine paths such as /usr/local/cuda/lib64) are dropped and listed.
    relink.py PREFIX --check HOST_SONAME...
        Fails, listing them, when an ELF file NEEDs a soname found neither in the prefix nor in
        the host allow-list HOST_SONAME (glibc, libstdc++, the driver's libcuda.so.1, ...).
    Reads dynamic sections with patchelf and readelf only.
    """
    import os
    import subprocess
    import sys
    from importlib import metadata


    def is_elf(path):
        try:
            with open(path, "rb") as f:
                return f.read(4) == b"\x7fELF"
        except OSError:
            return False


    def elf_files(root):
        for directory, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(directory, name)
                if not os.path.islink(path) and is_elf(path):
                    yield path


    def run(*args):
        return subprocess.run(args, check=True, capture_output=True, text=True).stdout


    def relink(prefix, sonames, dists):
        holders = set()
        for directory, _, files in os.walk(prefix):
            if any(name in sonames for name in files):
                holders.add(directory)
        missing = [s for s in sonames if not any(os.path.exists(os.path.join(d, s)) for d in holders)]
        if missing:
            sys.exit("relink.py: bundled sonames not found in the prefix: " + ", ".join(missing))
        for dist in dists:
            files = metadata.distribution(dist).files or []
            for item in sorted(str(f) for f in files):
                path = os.path.realpath(os.path.join(metadata.distribution(dist).locate_file(""), item))
                if not is_elf(path):
                    continue
                current = run("patchelf", "--print-rpath", path).strip()
                keep = [e for e in current.split(":") if e.startswith("$ORIGIN") or e.startswith("${ORIGIN}")]
                dropped = [e for e in current.split(":") if e and e not in keep]
                here = os.path.dirname(path)
                for d in sorted(holders):
                    rel = os.path.relpath(d, here)
                    entry = "$ORIGIN" if rel == "." else "$ORIGIN/" + rel
                    if entry not in keep:
                        keep.append(entry)
                if dropped:
                    print(f"relink.py: {os.path.relpath(path, prefix)}: dropped {':'.join(dropped)}", file=sys.stderr)
                run("patchelf", "--set-rpath", ":".join(keep), path)


    def check(prefix, host):
        present = set()
        for directory, _, files in os.walk(prefix):
            present.update(files)
        problems = []
        for path in elf_files(prefix):
            out = subprocess.run(["readelf", "-d", "-W", path], capture_output=True, text=True).stdout
            for line in out.splitlines():
                if "(NEEDED)" in line and "[" in line:
                    soname = line.split("[", 1)[1].rstrip("]")
                    if soname not in present and soname not in host:
                        problems.append(f"{os.path.relpath(path, prefix)} needs {soname}")
        if problems:
            sys.exit("relink.py: libraries neither bundled nor allowed from the host:\n  " + "\n  ".join(problems)
                     + "\nbundle them (system-libraries + tarball.libraries in the spec) or add them to HOST_SONAMES")


    def main(argv):
        prefix = os.path.realpath(argv[1])
        if argv[2] == "--check":
            check(prefix, set(argv[3:]))
            return
        split = argv.index("--dists")
        relink(prefix, argv[3:split], argv[split + 1:])


    if __name__ == "__main__":
        main(sys.argv)
    """#

    /// `common/activate`, installed as `bin/activate`.
    static let activate = #"""
    # Source this file from bash or zsh to use the runtime in this shell:
    #     . /path/to/unpacked/bin/activate
    # Every path is derived from this file's own location, so the tree can live anywhere.
    # (POSIX sh cannot tell a sourced file its path: there, set SGLANG_FORGE_ACTIVATE to it first.)
    if [ -n "${BASH_VERSION:-}" ]; then
        eval '_sglang_forge_self=${BASH_SOURCE[0]}'
    elif [ -n "${ZSH_VERSION:-}" ]; then
        eval '_sglang_forge_self=${(%):-%x}'
    else
        _sglang_forge_self=${SGLANG_FORGE_ACTIVATE:-}
    fi
    if [ -z "$_sglang_forge_self" ]; then
        echo "activate: source it from bash or zsh, or set SGLANG_FORGE_ACTIVATE to its path" >&2
        return 1 2>/dev/null || exit 1
    fi
    SGLANG_FORGE_PREFIX=$(CDPATH='' cd -- "$(dirname -- "$(readlink -f -- "$_sglang_forge_self")")/.." && pwd -P)
    export SGLANG_FORGE_PREFIX
    unset _sglang_forge_self
    . "$SGLANG_FORGE_PREFIX/share/sglang-forge/env.sh"
    PATH="$SGLANG_FORGE_PREFIX/bin${PATH:+:$PATH}"
    export PATH
    """#

    /// `common/<entry point>`, installed as `bin/<entry point>`: runs pip's console script
    /// (moved to `libexec/sglang-forge/`) with the runtime environment.
    static func launcher(entryPoint: String) -> String {
        let exec = ShellCommand("exec", .quoted("$SGLANG_FORGE_PREFIX/libexec/sglang-forge/", .text(entryPoint)), "\"$@\"")
        return """
        #!/bin/sh
        # Runs `\(SafeText.oneLine(entryPoint))` from this relocatable prefix with its runtime environment; every path
        # is derived from this script's own location (symlinks to it resolved), so the unpacked
        # tree can live anywhere.
        set -eu
        SGLANG_FORGE_PREFIX=$(CDPATH='' cd -- "$(dirname -- "$(readlink -f -- "$0")")/.." && pwd -P)
        export SGLANG_FORGE_PREFIX
        . "$SGLANG_FORGE_PREFIX/share/sglang-forge/env.sh"
        \(exec)
        """
    }
}
