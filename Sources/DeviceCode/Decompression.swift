import CLZ4
import CZstd

/// Decompresses fatbin payloads with liblz4 (block format) and libzstd (frames).
enum Decompression {
    /// Decompresses `input` into a buffer of `size` bytes.
    /// - Returns: the bytes, or `nil` when the library reports an error or a different size.
    static func decompress(_ input: ByteView, as compression: PayloadCompression, size: Int) -> [UInt8]? {
        guard size > 0, size <= 1 << 31, input.count > 0 else { return nil }
        var output = [UInt8](repeating: 0, count: size)
        let produced: Int = output.withUnsafeMutableBytes { out in
            switch compression {
            case .none:
                return -1
            case .lz4:
                let src = input.base.baseAddress!.assumingMemoryBound(to: CChar.self)
                let dst = out.baseAddress!.assumingMemoryBound(to: CChar.self)
                return Int(LZ4_decompress_safe_partial(src, dst, Int32(clamping: input.count), Int32(clamping: size), Int32(clamping: size)))
            case .zstd:
                let n = ZSTD_decompress(out.baseAddress, size, input.base.baseAddress, input.count)
                return ZSTD_isError(n) != 0 ? -1 : Int(n)
            }
        }
        guard produced > 0 else { return nil }
        if produced < size { output.removeLast(size - produced) }
        return output
    }
}
