# Facts about every package of a generated Nix tree evaluated against stub-nixpkgs, as JSON for
# Tests/NixBackendTests/NixBackendTests.swift. Takes the `packages` attribute set.
packages:
builtins.mapAttrs (
  name: p:
  let
    inherit (p) torch env;
  in
  {
    inherit (p) name;
    inherit (p.meta) description platforms mainProgram;
    wrapper = p.buildCommand;
    manifest = builtins.readFile p.manifest;
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
      variant = torch.forgeVariant.name;
    };
    env = {
      inherit (env)
        pname
        installPhase
        preFixup
        autoPatchelfIgnoreMissingDeps
        installCheckPhase
        doInstallCheck
        dontUnpack
        ;
      srcs = map (s: s.name) env.srcs;
      buildInputs = map (d: d.name) env.buildInputs;
      nativeBuildInputs = map (d: d.name) env.nativeBuildInputs;
    };
    # Every wheel the environment installs, from the fetchurl calls themselves.
    wheels = map (w: {
      inherit (w)
        pname
        version
        url
        hash
        fetcher
        name
        ;
    }) p.env.srcs;
  }
) packages
