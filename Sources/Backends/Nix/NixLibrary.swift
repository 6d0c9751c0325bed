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
/// - `pkgs/development/interpreters/python/mk-python-derivation.nix`: `format = "wheel"`,
///   `dependencies`, `pythonRemoveDeps = true` (strip every Requires-Dist),
///   `pythonImportsCheck`.
/// - `pkgs/build-support/setup-hooks/auto-patchelf.sh`: `autoPatchelfIgnoreMissingDeps`.
/// - The cmake and ninja setup hooks: `dontUseCmakeConfigure`, `dontUseNinjaBuild`,
///   `dontUseNinjaInstall`.
enum NixLibrary {
    /// File name → contents (without the header line), in the order they are documented.
    static let files: [(name: String, text: String)] = [
        ("nixpkgs-config.nix", nixpkgsConfig),
        ("overlay.nix", overlay),
        ("packages.nix", packages),
        ("python.nix", python),
        ("custom-torch.nix", customTorch),
        ("wheel-package.nix", wheelPackage),
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
  variants = import ./variants.nix;
  cpuIsa = import ./cpu-isa.nix;
  cudaPackages = pkgs.${runtime.cudaPackages};

  mkTorch = import ./custom-torch.nix { inherit lib cudaPackages cpuIsa; };
  mkWheel = import ./wheel-package.nix {
    inherit
      lib
      pkgs
      cudaPackages
      runtime
      ;
  };
  mkPython = import ./python.nix {
    inherit
      lib
      pkgs
      runtime
      components
      mkTorch
      mkWheel
      ;
  };
  mkVariant = import ./variant.nix {
    inherit
      lib
      pkgs
      cudaPackages
      runtime
      mkPython
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

    static let python = #"""
# One variant's Python: the pinned nixpkgs' interpreter with a package set in which torch is the
# variant's source build and every wheel component is the pinned wheel
# (`python.override { packageOverrides }`; `self = python` makes `python.pkgs` and
# `python.withPackages` see the overrides). Every other Python dependency comes from the pinned
# nixpkgs' own package set.
{
  lib,
  pkgs,
  runtime,
  components,
  mkTorch,
  mkWheel,
}:
variant:
let
  wheels = lib.filterAttrs (_: component: component.kind == "wheel") components;
  python = pkgs.${runtime.python}.override {
    self = python;
    packageOverrides =
      final: prev:
      lib.optionalAttrs (components ? torch) {
        torch = mkTorch {
          inherit (prev) torch;
          inherit variant;
          inherit (components.torch) version;
        };
      }
      // lib.mapAttrs (_: component: mkWheel final component) wheels;
  };
in
python

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

    static let wheelPackage = #"""
# One pre-built wheel as a Python package (sgl-kernel, the FlashInfer wheels, apache-tvm-ffi,
# xgrammar, SGLang): fetched by URL and SRI hash; its ELF files patched by autoPatchelfHook
# against the CUDA and system libraries the spec says it links and against the components it
# depends on (the custom torch); driver libraries (libcuda.so.1) left to the NVIDIA driver; the
# cmake and ninja setup hooks that torch's dependencies propagate disabled, as they would take
# over the wheel's build and install phases.
{
  lib,
  pkgs,
  cudaPackages,
  runtime,
}:
ps: component:
let
  libraries = map (name: runtime.libraries.${name}) component.links;
  byProvider = provider: builtins.filter (library: library.provider == provider) libraries;
  linked =
    map (library: cudaPackages.${library.attribute}) (byProvider "cuda")
    ++ map (library: lib.getAttrFromPath library.attributePath pkgs) (byProvider "system");
in
ps.buildPythonPackage (
  {
    pname = component.name;
    inherit (component) version;
    format = "wheel";
    src = pkgs.fetchurl { inherit (component.src) url hash name; };

    nativeBuildInputs = [ pkgs.autoPatchelfHook ];
    buildInputs = linked ++ map (name: lib.getLib ps.${name}) component.depends;
    dependencies = map (name: ps.${name}) (component.depends ++ component.pythonDeps);
    autoPatchelfIgnoreMissingDeps = lib.concatMap (library: library.sonames) (byProvider "driver");

    dontUseCmakeConfigure = true;
    dontUseNinjaBuild = true;
    dontUseNinjaInstall = true;

    doCheck = false;
    pythonImportsCheck = lib.optionals component.importCheck [ component.importName ];

    meta = {
      inherit (component) description;
      platforms = [ runtime.platform ];
    };
  }
  // lib.optionalAttrs component.stripRequiresDist { pythonRemoveDeps = true; }
)

"""#

    static let variant = #"""
# One variant's package: the runtime's entry point (bin/sglang) from the variant's Python package
# set, wrapped with the spec's runtime environment. passthru has the interpreter (python, for
# `python.withPackages`), the custom torch and the runtime's Python package.
{
  lib,
  pkgs,
  cudaPackages,
  runtime,
  mkPython,
}:
variant:
let
  python = mkPython variant;
  app = python.pkgs.${runtime.component};
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
  # Values under the user's cache are expanded when the program starts; the others are fixed.
  wrapperArgs = lib.concatMap (
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
      inherit python variant;
      inherit (python.pkgs) torch;
      package = app;
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
    mkdir -p $out/bin
    makeWrapper ${app}/bin/${runtime.entryPoint} $out/bin/${runtime.entryPoint} \
      ${lib.escapeShellArgs wrapperArgs}
  ''

"""#
}
