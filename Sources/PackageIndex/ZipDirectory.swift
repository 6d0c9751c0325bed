/// The parts of a zip archive's layout (PKWARE APPNOTE.TXT 6.3.10, §4.3) that are needed to
/// find one member without reading the whole file: the end-of-central-directory record (with its
/// ZIP64 form, §4.3.14–16) and the central directory's file headers (§4.3.12). Decompressing the
/// member is left to ZIPFoundation (see ``RemoteWheelMetadata``).
///
/// Only what this file needs is read; everything is little-endian.
enum ZipDirectory {
    /// Where the central directory lies.
    struct End: Hashable {
        /// Absolute offset of the first central-directory header.
        var directoryOffset: Int
        /// Size of the central directory in bytes.
        var directorySize: Int
        /// Absolute offset of the ZIP64 end record when the archive needs it and the tail did not
        /// contain it (fetch 56 bytes there and call ``zip64End(_:at:)``).
        var zip64EndOffset: Int?
    }

    /// One central-directory file header.
    struct Member: Hashable {
        /// The member's path (CP437 or UTF-8; wheel paths are ASCII).
        var path: String
        /// Absolute offset of its local file header.
        var localHeaderOffset: Int
        /// Compressed size in bytes.
        var compressedSize: Int
    }

    enum Failure: Error, Hashable, CustomStringConvertible {
        case noEndRecord
        case badRecord(String)
        var description: String {
            switch self {
            case .noEndRecord: "no end-of-central-directory record in the last bytes of the file"
            case .badRecord(let what): "malformed zip structure: \(what)"
            }
        }
    }

    static let endSignature: UInt32 = 0x0605_4b50
    static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    static let zip64EndSignature: UInt32 = 0x0606_4b50
    static let centralSignature: UInt32 = 0x0201_4b50
    static let localSignature: UInt32 = 0x0403_4b50

    /// Finds the end record in `tail`, the last bytes of a file of `total` bytes.
    static func end(inTail tail: [UInt8], total: Int) throws(Failure) -> End {
        let base = total - tail.count
        // The record is 22 bytes plus a comment of at most 65535 bytes; search backwards.
        var index = tail.count - 22
        while index >= 0 {
            if u32(tail, index) == endSignature, index + 22 + Int(u16(tail, index + 20)) == tail.count { break }
            index -= 1
        }
        guard index >= 0 else { throw .noEndRecord }
        var size = Int(u32(tail, index + 12))
        var offset = Int(u32(tail, index + 16))
        if size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF || u16(tail, index + 10) == 0xFFFF {
            let locator = index - 20
            guard locator >= 0, u32(tail, locator) == zip64LocatorSignature else { throw .badRecord("ZIP64 locator missing") }
            let endOffset = Int(u64(tail, locator + 8))
            if endOffset >= base, endOffset - base + 56 <= tail.count {
                (offset, size) = try zip64End(Array(tail[(endOffset - base)...]), at: endOffset)
            } else {
                return End(directoryOffset: 0, directorySize: 0, zip64EndOffset: endOffset)
            }
        }
        guard offset + size <= total else { throw .badRecord("central directory beyond the end of the file") }
        return End(directoryOffset: offset, directorySize: size, zip64EndOffset: nil)
    }

    /// Reads a ZIP64 end record (§4.3.14); returns the directory's offset and size.
    static func zip64End(_ bytes: [UInt8], at offset: Int) throws(Failure) -> (offset: Int, size: Int) {
        guard bytes.count >= 56, u32(bytes, 0) == zip64EndSignature else { throw .badRecord("ZIP64 end record missing at \(offset)") }
        return (Int(u64(bytes, 48)), Int(u64(bytes, 40)))
    }

    /// Reads every file header of a central directory.
    static func members(_ directory: [UInt8]) throws(Failure) -> [Member] {
        var result: [Member] = []
        var index = 0
        while index + 46 <= directory.count, u32(directory, index) == centralSignature {
            let nameLength = Int(u16(directory, index + 28))
            let extraLength = Int(u16(directory, index + 30))
            let commentLength = Int(u16(directory, index + 32))
            guard index + 46 + nameLength + extraLength + commentLength <= directory.count else { throw .badRecord("truncated central directory") }
            var compressed = UInt64(u32(directory, index + 20))
            let uncompressed = UInt64(u32(directory, index + 24))
            var local = UInt64(u32(directory, index + 42))
            let path = String(decoding: directory[(index + 46)..<(index + 46 + nameLength)], as: UTF8.self)
            // ZIP64 extended information (§4.5.3): the 8-byte values present are those whose
            // 4-byte field is 0xFFFFFFFF, in the order uncompressed, compressed, offset.
            var extra = index + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = u16(directory, extra), length = Int(u16(directory, extra + 2))
                if id == 0x0001 {
                    var field = extra + 4
                    if uncompressed == 0xFFFF_FFFF { field += 8 }
                    if compressed == 0xFFFF_FFFF, field + 8 <= extra + 4 + length { compressed = u64(directory, field); field += 8 }
                    if local == 0xFFFF_FFFF, field + 8 <= extra + 4 + length { local = u64(directory, field) }
                }
                extra += 4 + length
            }
            result.append(Member(path: path, localHeaderOffset: Int(local), compressedSize: Int(compressed)))
            index += 46 + nameLength + extraLength + commentLength
        }
        return result
    }

    /// The central-directory headers that lie inside `tail` when the directory starts before it:
    /// from the first offset in the tail where a header signature starts a run of headers that
    /// ends exactly at the directory's end (so a signature-like byte sequence inside a name cannot
    /// be taken for a header).
    static func trailingHeaders(_ tail: [UInt8], tailOffset: Int, end: End) -> [UInt8]? {
        let directoryEnd = end.directoryOffset + end.directorySize - tailOffset
        guard directoryEnd <= tail.count, directoryEnd > 0 else { return nil }
        var start = 0
        while start + 46 <= directoryEnd {
            if u32(tail, start) == centralSignature, endsExactly(tail, from: start, at: directoryEnd) {
                return Array(tail[start..<directoryEnd])
            }
            start += 1
        }
        return nil
    }

    private static func endsExactly(_ bytes: [UInt8], from start: Int, at end: Int) -> Bool {
        var index = start
        while index + 46 <= end, u32(bytes, index) == centralSignature {
            index += 46 + Int(u16(bytes, index + 28)) + Int(u16(bytes, index + 30)) + Int(u16(bytes, index + 32))
        }
        return index == end
    }

    /// The length of a local file header (§4.3.7) starting at `bytes[0]`: 30 bytes plus its name
    /// and extra field, or `nil` when `bytes` is not one.
    static func localHeaderLength(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 30, u32(bytes, 0) == localSignature else { return nil }
        return 30 + Int(u16(bytes, 26)) + Int(u16(bytes, 28))
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16 }
    static func u64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32 }
}
