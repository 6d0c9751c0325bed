#if canImport(Glibc)
import Glibc
#endif

/// Process-wide settings of glibc's allocator, made by both executables before they parse
/// their arguments: for `pack`, which reads a large tree through memory, and for the everyday
/// commands, whose run is short enough that fresh pages are a large part of it.
///
/// By default glibc's malloc serves every request above a dynamic threshold (128 KiB at first)
/// with its own mapping, unmaps it on free, and gives the top of each arena back to the kernel
/// once 128 KiB of it are free (`M_MMAP_THRESHOLD`, `M_TRIM_THRESHOLD`: mallopt(3), the glibc
/// manual's "Memory Allocation Tunables"). A buffer freed that way comes back as fresh pages that
/// the kernel must zero on first touch: on a 905 MiB Python prefix `perf` showed about 5 % of
/// `pack`'s CPU time in `clear_page` and 80,000 more page faults than `tar` on the same tree.
/// Keeping freed memory (at most what one pass holds at once: ``BufferPool/shared`` and the
/// pipeline's window) lets the next file reuse pages that are already mapped. For `plan` on
/// specs/main.yaml (a 226 KB lock, a 314 KB closure read whole) the same settings, with the
/// heap grown 16 MiB at a time (`M_TOP_PAD`) instead of 128 KiB, took about 1 ms off 15
/// (benchmarks/startup.sh; issue 13 §5): no `mmap`/`munmap` per large buffer, fewer `brk` calls.
public enum AllocatorTuning {
    /// Tells glibc to keep freed memory for reuse: requests up to 32 MiB (the largest mmap
    /// threshold glibc accepts on 64-bit) come from the arenas, arenas grow by 16 MiB more than a
    /// request needs (pages are faulted in only when touched) and are trimmed only once 1 GiB of
    /// their top is free. Call it once, early, from an executable's entry point; it changes the
    /// whole process. A no-op where the C library is not glibc.
    public static func retainFreedMemory() {
        #if canImport(Glibc)
        _ = glibcMallopt(mmapThreshold, 32 << 20)
        _ = glibcMallopt(trimThreshold, 1 << 30)
        _ = glibcMallopt(topPad, 16 << 20)
        #endif
    }

    /// `M_TRIM_THRESHOLD`, `M_TOP_PAD` and `M_MMAP_THRESHOLD` from glibc's <malloc.h>.
    private static let trimThreshold: Int32 = -1
    private static let topPad: Int32 = -2
    private static let mmapThreshold: Int32 = -3
}

#if canImport(Glibc)
/// glibc's mallopt(3), declared in <malloc.h>, which the Glibc module leaves out.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
