import ArgumentParser
import Locking

/// The spec argument every command takes, and how the lock next to it is used.
struct SpecOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The spec file to read.", valueName: "spec"))
    var spec: String = "specs/main.yaml"

    @Option(name: .customLong("lock"), help: ArgumentHelp("The lock file (default: the spec's path with '.lock' instead of '.yaml').", valueName: "path"))
    var lockPath: String?

    @Flag(help: "Fail when the lock is missing or out of date with the spec (for CI; like cargo --locked).")
    var locked = false

    /// The lock path to use.
    var resolvedLockPath: String { lockPath ?? LockLocation.defaultPath(forSpec: spec) }
}
