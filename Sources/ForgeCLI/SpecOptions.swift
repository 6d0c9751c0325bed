import ArgumentParser

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

/// Where a spec's lock lives.
enum LockLocation {
    /// `specs/main.yaml` → `specs/main.lock` (any other name: `<name>.lock`).
    static func defaultPath(forSpec spec: String) -> String {
        for suffix in [".yaml", ".yml"] where spec.hasSuffix(suffix) { return String(spec.dropLast(suffix.count)) + ".lock" }
        return spec + ".lock"
    }

    /// `specs/main.lock` → `specs/main.closure.txt`.
    static func closurePath(forLock lock: String) -> String {
        (lock.hasSuffix(".lock") ? String(lock.dropLast(5)) : lock) + ".closure.txt"
    }
}
