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

    /// Tells glibc to serve every thread from the arenas that exist now (`M_ARENA_MAX`: by
    /// default up to 8 per CPU, one for each thread that allocates while another holds its
    /// arena's lock). `pack`'s readers allocate what its writer frees; with one arena per reader,
    /// each grows its own heap (`mprotect`: 1,929 calls against 555) and reuses only its own
    /// freed memory (52,000 minor page faults against 58,500). In 4 alternating runs on 2 CPUs,
    /// 4.83 → 4.48 s median wall and 2.29 → 1.61 s system time (benchmarks/pack.sh's prefix,
    /// GLIBC_TUNABLES=glibc.malloc.arena_max=1); the price is contention on the one arena's lock
    /// (about 20,000 futex calls there). Call it from the entry point, before a second thread
    /// allocates (threads that have an arena keep it). A no-op where the C library is not glibc.
    public static func shareArenas() {
        #if canImport(Glibc)
        _ = glibcMallopt(arenaMax, 1)
        #endif
    }

    /// `M_ARENA_MAX` from glibc's <malloc.h>.
    private static let arenaMax: Int32 = -8
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
