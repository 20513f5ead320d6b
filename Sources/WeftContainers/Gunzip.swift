import CZlib

/// gzip (and zlib) streams inflated with a cap on the output, so a small upload cannot
/// expand without bound.
public enum Gunzip {
    public static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

    /// `raw`: a bare deflate stream (zip entries), else gzip or zlib.
    public static func inflate(_ input: [UInt8], limit: Int, raw: Bool = false) throws(ImageArchiveError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, raw ? -15 : 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImageArchiveError(.corrupt, "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 << 10)
        var source = input
        var failure: ImageArchiveError?
        source.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = UInt32(inBuffer.count)
            while true {
                let (rc, produced) = chunk.withUnsafeMutableBufferPointer { outBuffer -> (Int32, Int) in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (rc, outBuffer.count - Int(stream.avail_out))
                }
                guard output.count + produced <= limit else {
                    failure = ImageArchiveError(.tooLarge, "gzip content larger than \(limit) bytes")
                    return
                }
                output += chunk[0..<produced]
                if rc == Z_STREAM_END { return }
                if rc != Z_OK || (stream.avail_in == 0 && produced == 0) {
                    failure = ImageArchiveError(.truncated, "gzip stream truncated or corrupt")
                    return
                }
            }
        }
        if let failure { throw failure }
        return output
    }
}
