import Foundation
import Packaging
import ZIPFoundation

/// How a wheel's core metadata was read without downloading the wheel.
public enum RemoteMetadataOrigin: String, Codable, Hashable, Sendable, CaseIterable {
    /// The PEP 658 `<url>.metadata` file.
    case pep658
    /// HTTP range requests on the wheel: its zip central directory, then only the METADATA member.
    case rangeRequests = "range-requests"
    /// The server ignored the range and sent the whole file.
    case wholeFile = "whole-file"
}

/// Reads a remote wheel's `*.dist-info/METADATA` with as few bytes as possible: the PEP 658
/// metadata file when the index offers one (hash-checked against PEP 714 `core-metadata`), else
/// HTTP range requests (RFC 9110 §14) for the zip's tail (end record and central directory,
/// APPNOTE §4.3.12–16) and then for the METADATA member alone. The member is re-wrapped as a
/// one-entry zip in memory and decompressed and CRC-checked by ZIPFoundation.
public struct RemoteWheelMetadata: Sendable {
    /// The client (its ``HTTPClient/meter`` counts the bytes).
    public var client: HTTPClient
    /// Bytes asked for first from the end of the file (end record + central directory).
    public var tailBytes: Int

    public init(client: HTTPClient, tailBytes: Int = 64 * 1024) {
        self.client = client
        self.tailBytes = tailBytes
    }

    /// The parsed metadata of `file` (a wheel named `wheel`) and how it was read.
    /// - Throws: ``IndexError`` (`httpStatus`, `transport`, `metadataHashMismatch`, `badWheel`).
    public func read(_ file: IndexFile, wheel: WheelFilename) async throws(IndexError) -> (metadata: CoreMetadata, origin: RemoteMetadataOrigin) {
        if case .available(let hashes) = file.coreMetadata, let url = URL(string: file.url + ".metadata") {
            do throws(IndexError) {
                let (body, _) = try await client.get(url)
                if let expected = hashes["sha256"]?.lowercased() {
                    let actual = FileHasher.sha256(of: body)
                    guard actual == expected else { throw IndexError.metadataHashMismatch(url: url.absoluteString, expected: expected, actual: actual) }
                }
                return (try parse(String(decoding: body, as: UTF8.self), url: file.url), .pep658)
            } catch {
                // Advertised but missing: read the wheel instead.
                guard case .httpStatus(url: _, status: 404) = error else { throw error }
            }
        }
        let (text, origin) = try await metadataText(url: file.url, wheel: wheel)
        return (try parse(text, url: file.url), origin)
    }

    /// The METADATA text of the wheel at `url`, through range requests.
    /// - Throws: ``IndexError``.
    public func metadataText(url urlText: String, wheel: WheelFilename) async throws(IndexError) -> (String, RemoteMetadataOrigin) {
        guard let url = URL(string: urlText) else { throw .transport(url: urlText, reason: "not a URL") }
        let (tailData, tailOffset, total) = try await client.getRange(url, range: "-\(tailBytes)")
        if tailOffset == 0 && tailData.count == total {
            // The whole file came back (a server without range support, or a small file).
            return (try extract(Data(tailData), wheel: wheel, url: urlText), tailData.count == total && total > tailBytes ? .wholeFile : .rangeRequests)
        }
        let tail = [UInt8](tailData)
        var end: ZipDirectory.End
        do { end = try ZipDirectory.end(inTail: tail, total: total) } catch { throw .badWheel(url: urlText, reason: error.description) }
        if let zip64 = end.zip64EndOffset {
            let (bytes, _, _) = try await client.getRange(url, range: "\(zip64)-\(zip64 + 55)")
            do {
                let (offset, size) = try ZipDirectory.zip64End([UInt8](bytes), at: zip64)
                end = ZipDirectory.End(directoryOffset: offset, directorySize: size, zip64EndOffset: nil)
            } catch { throw .badWheel(url: urlText, reason: error.description) }
        }
        var directory: [UInt8]
        if end.directoryOffset >= tailOffset {
            let start = end.directoryOffset - tailOffset
            directory = Array(tail[start..<min(tail.count, start + end.directorySize)])
        } else if let partial = ZipDirectory.trailingHeaders(tail, tailOffset: tailOffset, end: end),
                  let members = try? ZipDirectory.members(partial),
                  WheelMetadataReader.metadataPath(among: members.map(\.path), wheel: wheel) != nil
        {
            // The last headers (where a wheel's .dist-info entries are) came with the tail.
            directory = partial
        } else {
            let (bytes, _, _) = try await client.getRange(url, range: "\(end.directoryOffset)-\(end.directoryOffset + end.directorySize - 1)")
            directory = [UInt8](bytes)
        }
        let members: [ZipDirectory.Member]
        do { members = try ZipDirectory.members(directory) } catch { throw .badWheel(url: urlText, reason: error.description) }
        guard let path = WheelMetadataReader.metadataPath(among: members.map(\.path), wheel: wheel),
              let member = members.first(where: { $0.path == path }) else {
            throw .badWheel(url: urlText, reason: "no *.dist-info/METADATA for \(wheel.distribution) \(wheel.version) in the central directory")
        }
        // Header (30 bytes + name + extra, extra unknown until read) + data + a data descriptor.
        let guess = 30 + member.path.utf8.count + 1024 + member.compressedSize + 24
        var chunk = try await slice(url, from: member.localHeaderOffset, count: guess, tail: tail, tailOffset: tailOffset, total: total)
        guard let headerLength = ZipDirectory.localHeaderLength(chunk) else {
            throw .badWheel(url: urlText, reason: "no local file header at offset \(member.localHeaderOffset) for \(path)")
        }
        let needed = headerLength + member.compressedSize + 24
        if chunk.count < min(needed, total - member.localHeaderOffset) {
            chunk = try await slice(url, from: member.localHeaderOffset, count: needed, tail: tail, tailOffset: tailOffset, total: total)
        }
        guard let header = centralHeader(of: path, in: directory) else {
            throw .badWheel(url: urlText, reason: "central directory header of \(path) not found again")
        }
        return (try extract(Data(Self.singleEntryArchive(local: chunk, centralHeader: header)), wheel: wheel, url: urlText), .rangeRequests)
    }

    /// Bytes `[from, from + count)` of the file (clamped to its end), from `tail` when it has them.
    private func slice(_ url: URL, from: Int, count: Int, tail: [UInt8], tailOffset: Int, total: Int) async throws(IndexError) -> [UInt8] {
        let last = min(total, from + count) - 1
        if from >= tailOffset { return Array(tail[(from - tailOffset)...(last - tailOffset)]) }
        let (bytes, _, _) = try await client.getRange(url, range: "\(from)-\(last)")
        return [UInt8](bytes)
    }

    /// The 46-byte fixed part and name of `path`'s central-directory header, without its extra
    /// field and comment.
    private func centralHeader(of path: String, in directory: [UInt8]) -> [UInt8]? {
        var index = 0
        while index + 46 <= directory.count, ZipDirectory.u32(directory, index) == ZipDirectory.centralSignature {
            let nameLength = Int(ZipDirectory.u16(directory, index + 28))
            let extraLength = Int(ZipDirectory.u16(directory, index + 30))
            let commentLength = Int(ZipDirectory.u16(directory, index + 32))
            let name = String(decoding: directory[(index + 46)..<(index + 46 + nameLength)], as: UTF8.self)
            if name == path { return Array(directory[index..<(index + 46 + nameLength)]) }
            index += 46 + nameLength + extraLength + commentLength
        }
        return nil
    }

    /// A zip holding one member: its local header and data (`local`, at offset 0), then its
    /// central-directory header with the extra field and comment dropped and the local-header
    /// offset set to 0, then an end record (APPNOTE §4.3.16).
    static func singleEntryArchive(local: [UInt8], centralHeader: [UInt8]) -> [UInt8] {
        var header = centralHeader
        func put16(_ value: Int, at i: Int) { header[i] = UInt8(value & 0xFF); header[i + 1] = UInt8(value >> 8 & 0xFF) }
        put16(0, at: 30)  // extra length
        put16(0, at: 32)  // comment length
        for i in 42..<46 { header[i] = 0 }  // local header offset
        var out = local + header
        var end = [UInt8](repeating: 0, count: 22)
        func putEnd(_ value: Int, _ i: Int, _ width: Int) { for k in 0..<width { end[i + k] = UInt8(value >> (8 * k) & 0xFF) } }
        putEnd(Int(ZipDirectory.endSignature), 0, 4)
        putEnd(1, 8, 2)
        putEnd(1, 10, 2)
        putEnd(header.count, 12, 4)
        putEnd(local.count, 16, 4)
        out += end
        return out
    }

    private func extract(_ data: Data, wheel: WheelFilename, url: String) throws(IndexError) -> String {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch {
            throw .badWheel(url: url, reason: "not a zip archive (\(error))")
        }
        guard let path = WheelMetadataReader.metadataPath(among: archive.map(\.path), wheel: wheel), let entry = archive[path] else {
            throw .badWheel(url: url, reason: "no *.dist-info/METADATA in the wheel")
        }
        var bytes = Data()
        do { _ = try archive.extract(entry, skipCRC32: false) { bytes.append($0) } } catch {
            throw .badWheel(url: url, reason: "cannot extract \(entry.path): \(error)")
        }
        guard let text = String(data: bytes, encoding: .utf8) else { throw .badWheel(url: url, reason: "\(entry.path) is not UTF-8") }
        return text
    }

    private func parse(_ text: String, url: String) throws(IndexError) -> CoreMetadata {
        do { return try CoreMetadata(parsing: text) } catch { throw .badWheel(url: url, reason: "\(error)") }
    }
}
