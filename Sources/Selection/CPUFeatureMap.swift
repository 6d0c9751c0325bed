/// The CPU features a compiler flag makes the generated code require, as `/proc/cpuinfo` names
/// them. Sources: GCC manual, "x86 Options" (`-mavx2`, `-mavx512bw`, …) and the Linux kernel's
/// `arch/x86/include/asm/cpufeatures.h` (the names `/proc/cpuinfo` prints, e.g. `avx512_vnni`).
public enum CPUFeatureMap {
    /// GCC `-m` flag → `/proc/cpuinfo` flag.
    public static let features: [String: String] = [
        "-msse3": "pni", "-mssse3": "ssse3", "-msse4.1": "sse4_1", "-msse4.2": "sse4_2", "-mpopcnt": "popcnt",
        "-mavx": "avx", "-mavx2": "avx2", "-mfma": "fma", "-mf16c": "f16c", "-mbmi": "bmi1", "-mbmi2": "bmi2",
        "-mlzcnt": "abm", "-mmovbe": "movbe",
        "-mavx512f": "avx512f", "-mavx512dq": "avx512dq", "-mavx512vl": "avx512vl", "-mavx512bw": "avx512bw",
        "-mavx512cd": "avx512cd", "-mavx512vnni": "avx512_vnni", "-mavx512bf16": "avx512_bf16",
        "-mavx512fp16": "avx512_fp16", "-mavx512ifma": "avx512ifma", "-mavx512vbmi": "avx512vbmi",
        "-mavxvnni": "avx_vnni", "-mamx-tile": "amx_tile", "-mamx-int8": "amx_int8", "-mamx-bf16": "amx_bf16",
    ]

    /// `-march=`/`-mtune=` and other flags that do not name one feature.
    /// - Returns: the feature each flag requires, and the flags it cannot map.
    public static func required(by flags: [String]) -> (features: [String], unknown: [String]) {
        var required: [String] = []
        var unknown: [String] = []
        for flag in flags {
            if let feature = features[flag] { required.append(feature) } else if flag.hasPrefix("-m") { unknown.append(flag) }
        }
        return (required, unknown)
    }
}
