import ArgumentParser
import LockReading

/// The spec argument every command takes, and how the lock next to it is used.
package struct SpecOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The spec file to read.", valueName: "spec"))
    package var spec: String = "specs/main.yaml"

    @Option(name: .customLong("lock"), help: ArgumentHelp("The lock file (default: the spec's path with '.lock' instead of '.yaml').", valueName: "path"))
    package var lockPath: String?

    @Flag(help: "Fail when the lock is missing or out of date with the spec (for CI; like cargo --locked).")
    package var locked = false

    /// The lock path to use.
    package var resolvedLockPath: String { lockPath ?? LockLocation.defaultPath(forSpec: spec) }

    /// The defaults (ArgumentParser fills the values in).
    package init() {}
}
