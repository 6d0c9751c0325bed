import ArgumentParser

/// The spec argument every command takes.
struct SpecOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The spec file to read.", valueName: "spec"))
    var spec: String = "specs/main.yaml"
}
