import Foundation

/// Reuses the large buffers that `pack` reads files into, so that the kernel does not have to
/// hand out (and zero) fresh pages for every file.
///
/// A request is rounded up to a power of two (at least ``minimumPooled`` bytes) and the buffer,
/// when given back, kept for the next request of that size class, as long as the pool holds at
/// most ``retainLimit`` bytes. Without the pool, `perf` showed 12 % of `pack`'s CPU time in the
/// kernel's `clear_page` on a 905 MiB Python prefix: buffers are allocated on reader threads and
/// freed on the writer's, and glibc serves large ones with new mappings and trims its arenas
/// after small ones, so nearly every file was read into freshly zeroed pages. Thread-safe.
final class BufferPool: @unchecked Sendable {
    /// The pool `pack`'s readers share; it keeps at most 8 MiB of idle buffers, twice the
    /// readers' 4 MiB window (files of up to 1 MiB; sizes are rounded up to a power of two).
    static let shared = BufferPool(retainLimit: 8 << 20)

    /// The smallest size class (4 KiB, a page).
    static let minimumPooled = 4 << 10

    /// Most bytes of idle buffers kept.
    let retainLimit: Int
    private let lock = NSLock()
    /// Idle buffers by size class: index `k` holds buffers of `1 << k` bytes (an array, not a
    /// dictionary, so that taking and giving back change it in place without allocating).
    private var idle: [[UnsafeMutableRawBufferPointer]] = Array(repeating: [], count: Int.bitWidth)
    private var idleBytes = 0

    init(retainLimit: Int) {
        self.retainLimit = retainLimit
    }

    /// A buffer of at least `count` bytes (its contents are undefined): an idle one of the
    /// right size class, or a new one.
    func take(atLeast count: Int) -> UnsafeMutableRawBufferPointer {
        let size = Self.sizeClass(count)
        let reused: UnsafeMutableRawBufferPointer? = lock.withLock {
            guard let buffer = idle[size.trailingZeroBitCount].popLast() else { return nil }
            idleBytes -= size
            return buffer
        }
        return reused ?? .allocate(byteCount: size, alignment: 16)
    }

    /// Gives back a buffer from ``take(atLeast:)``: kept when there is room, else freed.
    func give(_ buffer: UnsafeMutableRawBufferPointer) {
        let size = buffer.count
        guard size >= Self.minimumPooled, size == Self.sizeClass(size) else { buffer.deallocate(); return }
        let kept = lock.withLock {
            guard idleBytes + size <= retainLimit else { return false }
            idle[size.trailingZeroBitCount].append(buffer)
            idleBytes += size
            return true
        }
        if !kept { buffer.deallocate() }
    }

    /// The size a request for `count` bytes gets: the next power of two, at least
    /// ``minimumPooled``.
    static func sizeClass(_ count: Int) -> Int {
        let count = max(count, minimumPooled)
        return count.nonzeroBitCount == 1 ? count : 1 << (Int.bitWidth - count.leadingZeroBitCount)
    }

    deinit {
        for buffers in idle { for buffer in buffers { buffer.deallocate() } }
    }
}
