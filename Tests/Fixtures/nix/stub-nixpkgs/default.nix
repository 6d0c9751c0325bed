# A stub of nixpkgs for evaluating the Nix backend's output offline (Tests/NixBackendTests/NixBackendTests.swift):
# only the attributes the generated builders use. Nothing is built: every "derivation" is an
# attribute set that records the arguments it was given, so the tests can check them.
# Deliberate strictness, as in nixpkgs: fetchurl throws without an SRI hash; a CUDA torch whose
# magma uses another CUDA than torch is broken (the recipe's brokenConditions); the Python package
# set holds only the names listed below (the generated builders must take no Python package
# from it but pip and torch). Overlays are applied as nixpkgs applies them.
{
  system,
  config ? { },
  overlays ? [ ],
}:
let
  lib = {
    inherit (builtins) concatStringsSep concatMap mapAttrs;
    filterAttrs =
      pred: set:
      builtins.listToAttrs (
        builtins.concatMap (
          name:
          if pred name set.${name} then
            [
              {
                inherit name;
                value = set.${name};
              }
            ]
          else
            [ ]
        ) (builtins.attrNames set)
      );
    mapAttrs' = f: set: builtins.listToAttrs (map (name: f name set.${name}) (builtins.attrNames set));
    nameValuePair = name: value: { inherit name value; };
    optionals = cond: list: if cond then list else [ ];
    optionalAttrs = cond: set: if cond then set else { };
    getAttrFromPath = path: set: builtins.foldl' (s: name: s.${name}) set path;
    getLib = drv: drv.lib or drv;
    assertMsg = pred: msg: pred || builtins.throw msg;
    hasInfix =
      infix: text:
      let
        n = builtins.stringLength infix;
        go = i: i + n <= builtins.stringLength text && (builtins.substring i n text == infix || go (i + 1));
      in
      go 0;
    escapeShellArgs =
      args:
      builtins.concatStringsSep " " (
        map (arg: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] arg + "'") args
      );
    getLicenseFromSpdxId = id: { spdxId = id; };
    optionalString = cond: text: if cond then text else "";
    mapAttrsToList = f: set: map (name: f name set.${name}) (builtins.attrNames set);
    unique = builtins.foldl' (acc: x: if builtins.elem x acc then acc else acc ++ [ x ]) [ ];
  };

  # A recorded "derivation": its arguments, plus what callers read from real ones.
  mkDrv =
    attrs:
    let
      name = attrs.name or "${attrs.pname}-${attrs.version}";
      self =
        attrs
        // (attrs.passthru or { })
        // {
          type = "derivation";
          inherit name;
          outPath = "/nix/store/00000000000000000000000000000000-${name}";
          drvPath = "/nix/store/00000000000000000000000000000000-${name}.drv";
          overrideAttrs = f: mkDrv (attrs // f attrs);
          drvAttrs = attrs;
        };
    in
    self;

  isSRI = hash: builtins.match "sha(256|512)-[A-Za-z0-9+/]+=*" hash != null;

  fetchurl =
    args:
    if !(args ? hash) || !(isSRI args.hash) then
      throw "stub fetchurl: ${args.url or "?"} has no SRI hash"
    else
      mkDrv {
        name = args.name or (baseNameOf args.url);
        inherit (args) url hash;
        passthru = args.passthru or { };
        fetcher = "fetchurl";
      };

  cudaSet =
    version:
    builtins.mapAttrs (name: _: mkDrv { name = "${name}-${version}"; }) {
      cuda_cudart = null;
      cuda_nvrtc = null;
      libcublas = null;
      cudatoolkit = null;
    }
    // {
      cudaMajorMinorVersion = version;
    };

  # The recipe's shape: callPackage arguments through override, build variables at the top level
  # (USE_NCCL) and in env, MAX_JOBS set from NIX_BUILD_CORES in preBuild.
  torchRecipe =
    args:
    if
      args.cudaSupport
      && args.effectiveMagma.cudaPackages.cudaMajorMinorVersion != args.cudaPackages.cudaMajorMinorVersion
    then
      throw "stub torch: broken: Magma cudaPackages does not match cudaPackages"
    else
      mkDrv {
        pname = "torch";
        version = config.stubTorchVersion or "2.9.1"; # tests set another to check the version guard
        USE_NCCL = "1";
        env = {
          NIX_CFLAGS_COMPILE = "-Wno-error";
        };
        preBuild = "export MAX_JOBS=$NIX_BUILD_CORES\n";
        requiredSystemFeatures = [ "big-parallel" ];
        passthru = {
          recipeArgs = args;
          override = newArgs: torchRecipe (args // newArgs);
        };
      };

  pythonNames = [
    "aiohttp" "cloudpickle" "compressed-tensors" "cuda-bindings" "datasets" "depyf" "einops"
    "fastapi" "filelock" "gguf" "grpcio" "huggingface-hub" "interegular" "ipython" "jsonschema"
    "lark" "msgpack" "msgspec" "ninja" "numpy" "nvidia-ml-py" "openai" "openai-harmony" "orjson"
    "outlines" "packaging" "partial-json-parser" "pillow" "prometheus-client" "protobuf" "psutil"
    "pybase64" "pydantic" "python-multipart" "pyyaml" "pyzmq" "requests" "safetensors" "scipy"
    "sentencepiece" "setproctitle" "tiktoken" "tokenizers" "torchao" "torchvision" "tqdm"
    "transformers" "uvicorn" "uvloop"
  ];

  mkPython =
    pkgs:
    {
      packageOverrides ? (final: prev: { }),
      self ? null,
    }:
    let
      base =
        final:
        builtins.listToAttrs (
          map (name: {
            inherit name;
            value = mkDrv {
              pname = name;
              version = "0";
            };
          }) pythonNames
        )
        // {
          buildPythonPackage =
            attrs:
            assert attrs ? pname && attrs ? version;
            mkDrv (attrs // { name = "python3.12-${attrs.pname}-${attrs.version}"; });
          pip = mkDrv {
            pname = "pip";
            version = "0";
          };
          torch = torchRecipe {
            cudaSupport = false;
            gpuTargets = [ ];
            inherit (pkgs) cudaPackages;
            effectiveMagma = {
              inherit (pkgs) cudaPackages;
            };
          };
        };
      composed = final: base final // packageOverrides final (base final);
      fix = f: let x = f x; in x;
    in
    {
      pythonVersion = "3.12";
      sitePackages = "lib/python3.12/site-packages";
      interpreter = "/nix/store/00000000000000000000000000000000-python3-3.12/bin/python3.12";
      outPath = "/nix/store/00000000000000000000000000000000-python3-3.12";
      name = "python3-3.12";
      pkgs = fix composed;
      override = mkPython pkgs;
      overrideArgs = { inherit self; };
    };
  base = final: {
    inherit lib config system fetchurl;
    stdenv = {
      cc.cc.lib = mkDrv { name = "gcc-lib"; };
      mkDerivation = attrs: mkDrv attrs;
    };
    numactl = mkDrv { name = "numactl"; };
    autoPatchelfHook = mkDrv { name = "auto-patchelf-hook"; };
    makeWrapper = mkDrv { name = "make-wrapper"; };
    runCommand =
      name: env: script:
      mkDrv (env // { inherit name; buildCommand = script; });
    python312 = mkPython final { };
    # Not the spec's CUDA: the generated overlay must make cudaPackages_12_8 the default.
    cudaPackages = cudaSet "12.6";
    cudaPackages_12_8 = cudaSet "12.8";
  };
  fix = f: let x = f x; in x;
in
assert system == "x86_64-linux";
fix (final: builtins.foldl' (prev: overlay: prev // overlay final prev) (base final) overlays)
