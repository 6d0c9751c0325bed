/// The shared Nix builders: fixed source files, identical for every spec. They contain no
/// plan facts: everything spec-specific reaches them through the generated data tables
/// (`runtime.nix`, `components.nix`, `variants.nix`, `cpu-isa.nix`) that ``NixTables`` renders
/// with ``NixRenderer``. They are formatted as nixfmt (RFC 166 style) formats them, and the tests
/// parse each with `nix-instantiate --parse` and evaluate them against a stub nixpkgs.
///
/// Facts they rely on, from the pinned nixpkgs:
/// - `pkgs/development/python-modules/torch/source/default.nix`: `gpuTargets` becomes
///   `TORCH_CUDA_ARCH_LIST` in `preConfigure`; `preBuild` runs `export MAX_JOBS=$NIX_BUILD_CORES`
///   (so a `MAX_JOBS` attribute alone has no effect); build variables are top-level attributes or
///   `env` entries; `requiredSystemFeatures = [ "big-parallel" ]`; `brokenConditions` marks a CUDA
///   torch broken when magma's `cudaPackages` is not torch's (hence `overlay.nix`).
/// - `pkgs/build-support/setup-hooks/auto-patchelf.sh` and `auto-patchelf.py`: the files under
///   `$out` are indexed first (so a wheel's libraries are found in the environment itself), then
///   the `lib` directories of `buildInputs` and `addAutoPatchelfSearchPath` directories;
///   `autoPatchelfIgnoreMissingDeps`.
/// - `pkgs/development/interpreters/python/sitecustomize.py`: `NIX_PYTHONPATH` entries become
///   site directories (their `.pth` files are read).
/// - `stdenv`'s setup: `stripHash` (a fetched file is `<hash>-<name>` in the store).
enum NixLibrary {
    /// File name → contents (without the header line), in the order they are documented.
    static let files: [(name: String, text: String)] = [
        ("nixpkgs-config.nix", nixpkgsConfig),
        ("overlay.nix", overlay),
        ("packages.nix", packages),
        ("python-env.nix", pythonEnv),
        ("custom-torch.nix", customTorch),
        ("variant.nix", variant),
    ]

    static let nixpkgsConfig = #"""
# The configuration of the one import of the pinned nixpkgs: the CUDA redistributables are
# unfree, and the whole Python package set is built with CUDA so that packages built against
# torch (torchvision, torchao, …) match the custom CUDA torch.
{
  allowUnfree = true;
  cudaSupport = true;
}

"""#

    static let overlay = #"""
# The overlay of the one import of the pinned nixpkgs: the spec's CUDA package set becomes the
# default `cudaPackages`, so every CUDA-enabled package (magma, which the torch recipe checks
# against its own cudaPackages, torchvision, …) uses the same CUDA as the custom torch.
final: prev:
let
  runtime = import ./runtime.nix;
in
{
  cudaPackages = final.${runtime.cudaPackages};
}

"""#

    static let packages = #"""
# Every variant's package, built from the data tables next to this file with the pinned nixpkgs
# passed in as `pkgs` (flake.nix, or flox.nix in the flox layout, imports it once; nothing here
# imports another nixpkgs). Returns { packages; hydraJobs; checks; }.
{ pkgs }:
let
  inherit (pkgs) lib;
  runtime = import ./runtime.nix;
  components = import ./components.nix;
  closure = import ./closure.nix;
  variants = import ./variants.nix;
  cpuIsa = import ./cpu-isa.nix;
  cudaPackages = pkgs.${runtime.cudaPackages};

  mkTorch = import ./custom-torch.nix { inherit lib cudaPackages cpuIsa; };
  mkEnv = import ./python-env.nix {
    inherit
      lib
      pkgs
      cudaPackages
      runtime
      components
      closure
      mkTorch
      ;
  };
  mkVariant = import ./variant.nix {
    inherit
      lib
      pkgs
      cudaPackages
      runtime
      mkEnv
      ;
  };

  variantPackages = lib.mapAttrs (name: variant: mkVariant (variant // { inherit name; })) variants;
in
{
  packages = variantPackages // {
    default = variantPackages.${runtime.defaultVariant};
  };

  # Hydra's layout: hydraJobs.<job>.<system>.
  hydraJobs = lib.mapAttrs (_: package: { ${runtime.platform} = package; }) variantPackages;

  # Checks that only evaluate: each instantiates one variant (its .drv) without building it.
  checks = lib.mapAttrs' (
    name: package:
    lib.nameValuePair "eval-${name}" (
      pkgs.runCommand "eval-${name}" { } ''
        echo ${builtins.unsafeDiscardStringContext package.drvPath} > $out
      ''
    )
  ) variantPackages;
}

"""#

    static let pythonEnv = #"""
# One variant's Python environment: every wheel the lock pins, the components' and the Python
# closure's, the same files (URL and sha256) the container and tarball backends install,
# fetched with fetchurl by their SRI hash and installed together into one prefix with pip
# (--no-deps --no-index: nothing is resolved or downloaded at build time); the variant's
# source-built torch on the environment's path in place of a torch wheel. autoPatchelfHook then
# patches every ELF file of the prefix against the prefix's own libraries first (the nvidia-*
# wheels, the .libs directories auditwheel made), then the torch build's libraries and the CUDA
# and system libraries the spec declares; driver libraries (libcuda.so.1) are left to the NVIDIA
# driver. Nixpkgs provides only the interpreter, pip, the CUDA toolkit and the torch build.
{
  lib,
  pkgs,
  cudaPackages,
  runtime,
  components,
  closure,
  mkTorch,
}:
variant:
let
  python = pkgs.${runtime.python};
  sitePackages = python.sitePackages;
  wheelComponents = lib.filterAttrs (_: component: component.kind == "wheel") components;
  # Every wheel by distribution name; a component's own pin wins over a closure entry.
  wheels = closure // lib.mapAttrs (_: component: { inherit (component) version src; }) wheelComponents;
  fetched = lib.mapAttrs (
    name: wheel:
    pkgs.fetchurl {
      inherit (wheel.src) url hash name;
      passthru = {
        pname = name;
        inherit (wheel) version;
      };
    }
  ) wheels;

  torch =
    if components ? torch then
      mkTorch {
        inherit (python.pkgs) torch;
        inherit variant;
        inherit (components.torch) version;
      }
    else
      null;

  linkedNames = lib.unique (lib.concatMap (component: component.links) (builtins.attrValues wheelComponents));
  libraries = map (name: runtime.libraries.${name}) linkedNames;
  byProvider = provider: builtins.filter (library: library.provider == provider) libraries;
  linked =
    map (library: cudaPackages.${library.attribute}) (byProvider "cuda")
    ++ map (library: lib.getAttrFromPath library.attributePath pkgs) (byProvider "system");
  importNames = map (component: component.importName) (
    builtins.filter (component: component.importCheck) (builtins.attrValues wheelComponents)
  );
in
pkgs.stdenv.mkDerivation {
  pname = "${variant.name}-python-env";
  inherit (runtime) version;

  srcs = builtins.attrValues fetched;
  dontUnpack = true;
  dontConfigure = true;
  dontBuild = true;

  nativeBuildInputs = [
    pkgs.autoPatchelfHook
    python
    python.pkgs.pip
  ];
  buildInputs = linked ++ lib.optionals (torch != null) [ torch ];
  autoPatchelfIgnoreMissingDeps = lib.concatMap (library: library.sonames) (byProvider "driver");

  # The fetched files are named <hash>-<wheel file name>; pip needs the wheel file name.
  installPhase = ''
    runHook preInstall
    mkdir dist
    for wheel in $srcs; do
      cp "$wheel" "dist/$(stripHash "$wheel")"
    done
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 python -m pip install \
      --no-deps --no-index --no-compile --no-warn-script-location --prefix "$out" dist/*.whl
  ''
  + lib.optionalString (torch != null) ''
    # The variant's torch build, on the environment's path through a .pth file.
    echo "${torch}/${sitePackages}" > "$out/${sitePackages}/sglang-forge-torch.pth"
  ''
  + ''
    runHook postInstall
  '';

  preFixup = lib.optionalString (torch != null) ''
    addAutoPatchelfSearchPath "${torch}/${sitePackages}/torch/lib"
  '';

  doInstallCheck = importNames != [ ];
  installCheckPhase = ''
    for module in ${lib.escapeShellArgs importNames}; do
      NIX_PYTHONPATH="$out/${sitePackages}" python -c "import $module"
    done
  '';

  passthru = {
    inherit
      python
      torch
      sitePackages
      fetched
      ;
  };

  meta = {
    description = "Python environment of ${variant.name}";
    platforms = [ runtime.platform ];
  };
}

"""#

    static let customTorch = #"""
# PyTorch from source with the pinned nixpkgs' own recipe
# (pkgs/development/python-modules/torch/source/default.nix), for one variant:
# - gpuTargets: the variant's compute capabilities (the recipe exports TORCH_CUDA_ARCH_LIST);
# - CFLAGS and CXXFLAGS: the variant's CPU ISA flags (PyTorch's setup.py reads CFLAGS for C++);
# - the variant's extra build environment (e.g. USE_CUDNN = "0" on SM61);
# - a job cap that takes effect: the recipe's preBuild runs `export MAX_JOBS=$NIX_BUILD_CORES`,
#   which overrides any MAX_JOBS attribute, so NIX_BUILD_CORES is capped first.
{
  lib,
  cudaPackages,
  cpuIsa,
}:
{
  torch,
  variant,
  version,
}:
let
  jobs = toString variant.maxJobs;
  isaFlags = lib.concatStringsSep " " cpuIsa.${variant.isa}.flags;
  extraEnv = {
    CFLAGS = isaFlags;
    CXXFLAGS = isaFlags;
    MAX_JOBS = jobs;
  }
  // variant.buildEnv;
  custom =
    (torch.override {
      cudaSupport = true;
      inherit cudaPackages;
      gpuTargets = variant.capabilities;
    }).overrideAttrs
      (
        old:
        # mkDerivation rejects a variable both in env and at the top level: variables the recipe
        # sets at the top level (its USE_* flags) are overridden there, the others go to env.
        lib.filterAttrs (name: _: old ? ${name}) extraEnv
        // {
          env = (old.env or { }) // lib.filterAttrs (name: _: !(old ? ${name})) extraEnv;
          ninjaFlags = [ "-j${jobs}" ];
          preBuild = ''
            if [ "''${NIX_BUILD_CORES:-0}" -le 0 ] || [ "$NIX_BUILD_CORES" -gt ${jobs} ]; then
              export NIX_BUILD_CORES=${jobs}
            fi
          ''
          + (old.preBuild or "");
          requiredSystemFeatures = variant.systemFeatures;
          passthru = (old.passthru or { }) // {
            cudaCapabilities = variant.capabilities;
            forgeVariant = {
              inherit (variant) name capabilities maxJobs;
              inherit isaFlags extraEnv;
            };
          };
        }
      );
  mismatch = "the pinned nixpkgs builds torch ${custom.version}, but the spec asks for ${version}";
in
assert lib.assertMsg (custom.version == version) mismatch;
custom

"""#

    static let variant = #"""
# One variant's package: the runtime's entry point (bin/sglang) and bin/python3 from the variant's
# Python environment (python-env.nix), wrapped with the spec's runtime environment, and the
# runtime manifest at share/sglang-forge/runtime.json (the same bytes the container and tarball
# backends install). passthru has the environment (env), its interpreter (python), the custom
# torch, every fetched wheel by distribution name (wheels) and the manifest file.
{
  lib,
  pkgs,
  cudaPackages,
  runtime,
  mkEnv,
}:
variant:
let
  env = mkEnv variant;
  inherit (env) python sitePackages;
  manifest = ./manifests + "/${variant.name}.json";
  toolkit = cudaPackages.cudatoolkit;
  # The plan's value templates (docs/plan-schema.md).
  resolve =
    builtins.replaceStrings
      [
        "{cuda.home}"
        "{cuda.include}"
        "{cuda.lib}"
        "{cache}"
        "{prefix}"
      ]
      [
        "${toolkit}"
        "${toolkit}/include"
        "${toolkit}/lib"
        "\${XDG_CACHE_HOME:-$HOME/.cache}"
        (placeholder "out")
      ];
  # nixpkgs' sitecustomize.py adds NIX_PYTHONPATH as site directories (reading .pth files).
  pythonArgs = [
    "--set"
    "NIX_PYTHONPATH"
    "${env}/${sitePackages}"
    "--set"
    "PYTHONNOUSERSITE"
    "1"
  ];
  # Values under the user's cache are expanded when the program starts; the others are fixed.
  environmentArgs = lib.concatMap (
    variable:
    if lib.hasInfix "{cache}" variable.value then
      [
        "--run"
        "export ${variable.name}=\"\${${variable.name}:-${resolve variable.value}}\""
      ]
    else
      [
        "--set-default"
        variable.name
        (resolve variable.value)
      ]
  ) runtime.environment;
in
pkgs.runCommand variant.name
  {
    nativeBuildInputs = [ pkgs.makeWrapper ];
    passthru = {
      inherit
        env
        python
        variant
        manifest
        ;
      inherit (env) torch;
      wheels = env.fetched;
    };
    meta = {
      inherit (variant) description;
      platforms = [ runtime.platform ];
      mainProgram = runtime.entryPoint;
    }
    // lib.optionalAttrs (runtime ? homepage) { inherit (runtime) homepage; }
    // lib.optionalAttrs (runtime ? license) { license = lib.getLicenseFromSpdxId runtime.license; };
  }
  ''
    mkdir -p $out/bin $out/share/sglang-forge
    makeWrapper ${env}/bin/${runtime.entryPoint} $out/bin/${runtime.entryPoint} \
      ${lib.escapeShellArgs (pythonArgs ++ environmentArgs)}
    makeWrapper ${python.interpreter} $out/bin/python3 \
      ${lib.escapeShellArgs (pythonArgs ++ environmentArgs)}
    install -m 0644 ${manifest} $out/share/sglang-forge/runtime.json
  ''

"""#
}
