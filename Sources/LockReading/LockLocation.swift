/// Where a spec's lock lives.
public enum LockLocation {
    /// `specs/main.yaml` → `specs/main.lock` (any other name: `<name>.lock`).
    public static func defaultPath(forSpec spec: String) -> String {
        for suffix in [".yaml", ".yml"] where spec.hasSuffix(suffix) { return String(spec.dropLast(suffix.count)) + ".lock" }
        return spec + ".lock"
    }

    /// `specs/main.lock` → `specs/main.closure.txt`.
    public static func closurePath(forLock lock: String) -> String {
        (lock.hasSuffix(".lock") ? String(lock.dropLast(5)) : lock) + ".closure.txt"
    }
}
