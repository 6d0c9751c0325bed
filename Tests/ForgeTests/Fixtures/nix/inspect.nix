# Facts about every package of a generated Nix tree evaluated against stub-nixpkgs, as JSON for
# Tests/ForgeTests/NixBackendTests.swift. Takes the `packages` attribute set.
packages:
builtins.mapAttrs (
  name: p:
  let
    inherit (p) torch;
    wheels = builtins.filter (x: builtins.isAttrs x && x ? src) (builtins.attrValues p.python.pkgs);
  in
  {
    inherit (p) name;
    inherit (p.meta) description platforms mainProgram;
    wrapper = p.buildCommand;
    torch = {
      inherit (torch)
        version
        requiredSystemFeatures
        preBuild
        ninjaFlags
        env
        USE_NCCL
        ;
      inherit (torch.recipeArgs) gpuTargets cudaSupport;
      cudaVersion = torch.recipeArgs.cudaPackages.cudaMajorMinorVersion;
      magmaCudaVersion = torch.recipeArgs.effectiveMagma.cudaPackages.cudaMajorMinorVersion;
      topLevelUseCudnn = torch.USE_CUDNN or null;
    };
    wheels = map (w: {
      inherit (w)
        pname
        version
        format
        dontUseNinjaBuild
        dontUseNinjaInstall
        dontUseCmakeConfigure
        autoPatchelfIgnoreMissingDeps
        pythonImportsCheck
        ;
      inherit (w.src) url hash fetcher;
      removeDeps = w.pythonRemoveDeps or false;
      buildInputs = map (d: d.name) w.buildInputs;
      nativeBuildInputs = map (d: d.name) w.nativeBuildInputs;
      dependencies = map (d: d.pname or d.name) w.dependencies;
      torchVariants = map (d: d.forgeVariant.name) (builtins.filter (d: d ? forgeVariant) w.dependencies);
    }) wheels;
  }
) packages
