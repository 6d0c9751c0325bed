extension TargetEnvironment {
    /// How preferred `tag` is on this target: lower is better, `nil` when it is not installable.
    ///
    /// The order is the one `packaging.tags.sys_tags()` yields for CPython on manylinux, which is
    /// what pip and uv pick by: `cpXY-cpXY-*`, `cpXY-abi3-*`, `cpXY-none-*`, older `cp3x-abi3-*`,
    /// `pyXY-none-*`, `py3-none-*`, older `py3x-none-*`, then the same interpreters with `any`;
    /// within one interpreter/ABI pair the newest `manylinux_2_N` not above the target glibc first.
    public func priority(of tag: WheelTag) -> Int? {
        guard acceptsInterpreter(python: tag.python, abi: tag.abi) else { return nil }
        let major = pythonMajor
        let interpreterRank: Int
        switch (tag.python, tag.abi) {
        case (interpreterTag, interpreterTag): interpreterRank = 0
        case (interpreterTag, "abi3"): interpreterRank = 1
        case (interpreterTag, "none"): interpreterRank = 2
        case (let py, "abi3") where py.hasPrefix("cp\(major)"):
            interpreterRank = 3 + (pythonMinor - (Int(py.dropFirst(2 + String(major).count)) ?? 0))
        case ("py\(major)\(pythonMinor)", "none"): interpreterRank = 100
        case ("py\(major)", "none"): interpreterRank = 101
        case (let py, "none") where py.hasPrefix("py\(major)"):
            interpreterRank = 102 + (pythonMinor - (Int(py.dropFirst(2 + String(major).count)) ?? 0))
        default: return nil
        }
        guard let requirement = glibcRequirement(ofPlatform: tag.platform) else { return nil }
        guard let glibcNeeded = requirement else {
            // `any` comes after every platform-specific tag.
            return 1_000_000 + interpreterRank
        }
        guard glibcNeeded <= glibc else { return nil }
        // Newer glibc = more specific = preferred: distance from the target glibc.
        let distance = (glibc.major - glibcNeeded.major) * 1000 + (glibc.minor - glibcNeeded.minor)
        return interpreterRank * 10_000 + distance
    }

    /// The best (lowest) ``priority(of:)`` over the wheel's tags, `nil` when none is installable.
    public func bestPriority(of wheel: WheelFilename) -> Int? {
        wheel.tags.compactMap { priority(of: $0) }.min()
    }
}
