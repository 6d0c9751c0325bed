# A stub of nixpkgs for the Nix backend's offline evaluation tests; see default.nix.
{
  outputs = _: { };
}
