/// Bounds-checked little-endian reads over bytes the caller keeps alive (a mapped file or a
/// buffer). Every read past the end throws ``OutOfBounds`` naming what was being read.
struct ByteView {
    let base: UnsafeRawBufferPointer

    init(_ base: UnsafeRawBufferPointer) { self.base = base }

    var count: Int { base.count }

    func u8(_ offset: Int, _ what: @autoclosure () -> String) throws(OutOfBounds) -> UInt8 {
        guard offset >= 0, offset < base.count else { throw OutOfBounds(what: what()) }
        return base[offset]
    }

    func u16(_ offset: Int, _ what: @autoclosure () -> String) throws(OutOfBounds) -> UInt16 {
        guard offset >= 0, offset <= base.count - 2 else { throw OutOfBounds(what: what()) }
        return UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    func u32(_ offset: Int, _ what: @autoclosure () -> String) throws(OutOfBounds) -> UInt32 {
        guard offset >= 0, offset <= base.count - 4 else { throw OutOfBounds(what: what()) }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    func u64(_ offset: Int, _ what: @autoclosure () -> String) throws(OutOfBounds) -> UInt64 {
        guard offset >= 0, offset <= base.count - 8 else { throw OutOfBounds(what: what()) }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// `count` bytes at `offset` as a sub-view.
    func slice(_ offset: Int, _ count: Int, _ what: @autoclosure () -> String) throws(OutOfBounds) -> ByteView {
        guard offset >= 0, count >= 0, offset <= base.count, count <= base.count - offset else { throw OutOfBounds(what: what()) }
        return ByteView(UnsafeRawBufferPointer(rebasing: base[offset..<(offset + count)]))
    }

    /// The NUL-terminated string at `offset` (up to the end when unterminated).
    func cString(_ offset: Int, _ what: @autoclosure () -> String) throws(OutOfBounds) -> String {
        guard offset >= 0, offset < base.count else { throw OutOfBounds(what: what()) }
        var end = offset
        while end < base.count, base[end] != 0 { end += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: base[offset..<end]), as: UTF8.self)
    }

    /// Whether the bytes at `offset` equal `prefix`.
    func hasBytes(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
        guard offset >= 0, offset <= base.count - prefix.count else { return false }
        for (i, b) in prefix.enumerated() where base[offset + i] != b { return false }
        return true
    }
}
