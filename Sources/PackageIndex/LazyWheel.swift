import Foundation
import Packaging
import ZIPFoundation

/// Reads a remote wheel's `*.dist-info/METADATA` with HTTP range requests instead of a whole
/// download, as pip's and uv's lazy wheels do: the zip's end-of-central-directory record and
/// central directory from the file's tail, then the one local file header and its data.
///
/// Zip layout from PKWARE's APPNOTE.TXT 6.3 (§4.3.6 overall structure, §4.3.7 local file header,
/// §4.3.12 central directory header, §4.3.14–16 zip64 and end-of-central-directory records,
/// §4.5.3 zip64 extended information). Inflating uses ZIPFoundation; the CRC-32 of the inflated
/// bytes is checked against the central directory. The wheel's sha256 cannot be checked without
/// all of its bytes: the metadata read this way is as trustworthy as the index's TLS.
public struct LazyWheel: Sendable {
    /// The client the ranges are fetched with.
    public var client: HTTPClient
    /// Bytes asked for first from the end of the file (EOCD plus, usually, the central directory).
    public var tailSize: Int

    /// Creates a reader; `tailSize` defaults to 64 KiB.
    public init(client: HTTPClient, tailSize: Int = 65_536) {
        self.client = client
        self.tailSize = tailSize
    }

    /// The METADATA text of the wheel at `url`.
    /// - Parameter wheel: the parsed file name, to pick `{name}-{version}.dist-info/METADATA`.
    /// - Throws: ``IndexError`` (HTTP failures; `badWheel` when the bytes are not a wheel's zip).
    public func metadata(url urlText: String, wheel: WheelFilename) async throws(IndexError) -> String {
        guard let url = URL(string: urlText) else { throw .transport(url: urlText, reason: "not a URL") }
        let tail = try await client.getRange(url, start: nil, suffix: tailSize)
        var window = ByteWindow(bytes: tail.body, offset: tail.offset)
        let total = tail.total
        let directory = try Self.centralDirectory(in: window, total: total, url: urlText)
        if directory.offset < window.offset {
            let head = try await client.getRange(url, start: directory.offset, end: window.offset - 1)
            window = ByteWindow(bytes: head.body + window.bytes, offset: head.offset)
        }
        let entries = try Self.entries(in: window, directory: directory, url: urlText)
        let entry = try Self.metadataEntry(entries, wheel: wheel, url: urlText)
        // Local header (30 bytes + name + extra, whose length may differ from the central one) and data.
        let guess = 30 + entry.name.utf8.count + entry.extraLength + 256
        let end = min(total - 1, entry.localHeaderOffset + guess + entry.compressedSize)
        var local = try await client.getRange(url, start: entry.localHeaderOffset, end: end)
        var bytes = [UInt8](local.body)
        guard bytes.count >= 30, Self.u32(bytes, 0) == 0x0403_4b50 else { throw .badWheel(url: urlText, reason: "no local file header at offset \(entry.localHeaderOffset)") }
        let dataStart = 30 + Int(Self.u16(bytes, 26)) + Int(Self.u16(bytes, 28))
        if bytes.count < dataStart + entry.compressedSize {
            local = try await client.getRange(url, start: entry.localHeaderOffset, end: min(total - 1, entry.localHeaderOffset + dataStart + entry.compressedSize))
            bytes = [UInt8](local.body)
        }
        guard bytes.count >= dataStart + entry.compressedSize else { throw .badWheel(url: urlText, reason: "\(entry.name) is cut short") }
        let compressed = Data(bytes[dataStart..<(dataStart + entry.compressedSize)])
        let inflated = try Self.inflate(compressed, entry: entry, url: urlText)
        guard let text = String(data: inflated, encoding: .utf8) else { throw .badWheel(url: urlText, reason: "\(entry.name) is not UTF-8") }
        return text
    }

    /// One central directory entry, the fields used here.
    struct Entry: Hashable {
        var name: String
        var method: UInt16
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
        var extraLength: Int
    }

    /// Fetched bytes and the file offset of the first one.
    struct ByteWindow {
        var bytes: Data
        var offset: Int
    }

    /// Where the central directory is and how many entries it has.
    struct Directory {
        var offset: Int
        var size: Int
        var count: Int
    }

    /// Finds the (zip64) end-of-central-directory record in the file's tail.
    static func centralDirectory(in window: ByteWindow, total: Int, url: String) throws(IndexError) -> Directory {
        let bytes = [UInt8](window.bytes)
        guard bytes.count >= 22 else { throw .badWheel(url: url, reason: "\(total) bytes are too few for a zip archive") }
        var at = bytes.count - 22
        while at >= 0 && u32(bytes, at) != 0x0605_4b50 { at -= 1 }
        guard at >= 0 else { throw .badWheel(url: url, reason: "no end-of-central-directory record in the last \(bytes.count) bytes (not a zip archive)") }
        var directory = Directory(offset: Int(u32(bytes, at + 16)), size: Int(u32(bytes, at + 12)), count: Int(u16(bytes, at + 10)))
        // Zip64: the locator (20 bytes) precedes the EOCD and points at the zip64 EOCD record.
        if at >= 20 && u32(bytes, at - 20) == 0x0706_4b50 {
            let record = Int(u64(bytes, at - 20 + 8)) - window.offset
            guard record >= 0, record + 56 <= bytes.count, u32(bytes, record) == 0x0606_4b50 else {
                throw .badWheel(url: url, reason: "zip64 end-of-central-directory record outside the fetched tail")
            }
            directory = Directory(offset: Int(u64(bytes, record + 48)), size: Int(u64(bytes, record + 40)), count: Int(u64(bytes, record + 32)))
        }
        guard directory.offset >= 0, directory.offset + directory.size <= total else {
            throw .badWheel(url: url, reason: "central directory at \(directory.offset) (+\(directory.size)) lies outside the \(total)-byte file")
        }
        return directory
    }

    /// Parses the central directory out of `window`.
    static func entries(in window: ByteWindow, directory: Directory, url: String) throws(IndexError) -> [Entry] {
        let bytes = [UInt8](window.bytes)
        var at = directory.offset - window.offset
        var result: [Entry] = []
        for _ in 0..<directory.count {
            guard at >= 0, at + 46 <= bytes.count, u32(bytes, at) == 0x0201_4b50 else {
                throw .badWheel(url: url, reason: "central directory entry \(result.count + 1) is damaged")
            }
            let nameLength = Int(u16(bytes, at + 28)), extraLength = Int(u16(bytes, at + 30)), commentLength = Int(u16(bytes, at + 32))
            guard at + 46 + nameLength + extraLength <= bytes.count else { throw .badWheel(url: url, reason: "central directory is cut short") }
            var entry = Entry(
                name: String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self), method: u16(bytes, at + 10),
                crc32: u32(bytes, at + 16), compressedSize: Int(u32(bytes, at + 20)), uncompressedSize: Int(u32(bytes, at + 24)),
                localHeaderOffset: Int(u32(bytes, at + 42)), extraLength: extraLength)
            // Zip64 extended information (header id 0x0001): 8-byte values for the fields set to 0xFFFFFFFF, in order.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = u16(bytes, extra), size = Int(u16(bytes, extra + 2))
                if id == 0x0001 {
                    var field = extra + 4
                    if entry.uncompressedSize == 0xFFFF_FFFF, field + 8 <= extraEnd { entry.uncompressedSize = Int(u64(bytes, field)); field += 8 }
                    if entry.compressedSize == 0xFFFF_FFFF, field + 8 <= extraEnd { entry.compressedSize = Int(u64(bytes, field)); field += 8 }
                    if entry.localHeaderOffset == 0xFFFF_FFFF, field + 8 <= extraEnd { entry.localHeaderOffset = Int(u64(bytes, field)) }
                }
                extra += 4 + size
            }
            result.append(entry)
            at += 46 + nameLength + extraLength + commentLength
        }
        return result
    }

    /// The `{name}-{version}.dist-info/METADATA` entry (PEP 427), or the only top-level one.
    static func metadataEntry(_ entries: [Entry], wheel: WheelFilename, url: String) throws(IndexError) -> Entry {
        let candidates = entries.filter {
            let parts = $0.name.split(separator: "/")
            return parts.count == 2 && parts[0].hasSuffix(".dist-info") && parts[1] == "METADATA"
        }
        let expected = MarkerEnvironment.normalizeName(wheel.distribution) + "-" + wheel.version.description
        let match = candidates.first {
            let folder = $0.name.split(separator: "/")[0].dropLast(".dist-info".count)
            guard let dash = folder.lastIndex(of: "-") else { return false }
            let version = PEP440Version(String(folder[folder.index(after: dash)...]))
            return MarkerEnvironment.normalizeName(String(folder[..<dash])) + "-" + (version?.description ?? "") == expected
        } ?? (candidates.count == 1 ? candidates.first : nil)
        guard let match else {
            throw .badWheel(url: url, reason: candidates.isEmpty ? "no *.dist-info/METADATA in the wheel" : "several *.dist-info/METADATA files and none named \(expected).dist-info")
        }
        return match
    }

    /// Inflates (method 8) or copies (method 0) `data` and checks its CRC-32 and size.
    static func inflate(_ data: Data, entry: Entry, url: String) throws(IndexError) -> Data {
        var out = Data()
        let crc: UInt32
        switch entry.method {
        case 0:
            out = data
            crc = data.crc32(checksum: 0)
        case 8:
            do {
                // ZIPFoundation's zlib loop offers `bufferSize` bytes per chunk whatever the chunk's
                // length: hand it the whole stream in one zero-padded chunk (a deflate stream ends by
                // itself; zeros after a damaged one are a zlib data error, not an endless loop).
                let bufferSize = data.count + 1024
                crc = try Data.decompress(size: Int64(data.count), bufferSize: bufferSize, skipCRC32: false, provider: { position, size in
                    var chunk = position == 0 ? data : Data()
                    chunk.append(Data(count: size - chunk.count))
                    return chunk
                }, consumer: { out.append($0) })
            } catch {
                throw .badWheel(url: url, reason: "cannot inflate \(entry.name): \(error)")
            }
        default:
            throw .badWheel(url: url, reason: "\(entry.name) uses zip compression method \(entry.method); wheels use 0 (stored) or 8 (deflate)")
        }
        guard crc == entry.crc32, out.count == entry.uncompressedSize else {
            throw .badWheel(url: url, reason: "\(entry.name): CRC-32 or size of the inflated bytes does not match the central directory")
        }
        return out
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16 }
    static func u64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32 }
}
