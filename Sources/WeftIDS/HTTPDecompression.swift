import CZlib
import Foundation

/// Content-Encoding gzip and deflate, decoded as libhtp does: a body that does not
/// inflate is inspected as it is; output is capped so a small body cannot explode.
enum HTTPDecompression {
    static func decode(_ body: [UInt8], encoding: [UInt8], limit: Int = HTTPState.maxBody) -> [UInt8] {
        let enc = String(decoding: encoding.map(PayloadMatcher.lower), as: UTF8.self).trimmingCharacters(in: .whitespaces)
        guard !body.isEmpty else { return body }
        switch enc {
        case "gzip", "x-gzip", "deflate", "x-deflate":
            // 15 + 32: zlib or gzip header, detected; -15: raw deflate (what many servers send as "deflate").
            if let out = inflate(body, windowBits: 15 + 32, limit: limit) { return out }
            if enc.hasSuffix("deflate"), let out = inflate(body, windowBits: -15, limit: limit) { return out }
            return body
        default:
            return body
        }
    }

    static func inflate(_ input: [UInt8], windowBits: Int32, limit: Int) -> [UInt8]? {
        var strm = z_stream()
        guard inflateInit2_(&strm, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&strm) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        var src = input
        let ok: Bool = src.withUnsafeMutableBufferPointer { inBuf in
            strm.next_in = inBuf.baseAddress
            strm.avail_in = UInt32(inBuf.count)
            while true {
                let (rc, produced) = chunk.withUnsafeMutableBufferPointer { outBuf -> (Int32, Int) in
                    strm.next_out = outBuf.baseAddress
                    strm.avail_out = UInt32(outBuf.count)
                    let rc = CZlib.inflate(&strm, Z_NO_FLUSH)
                    return (rc, outBuf.count - Int(strm.avail_out))
                }
                if produced > 0 { out += chunk[0..<min(produced, limit - out.count)] }
                if rc == Z_STREAM_END || out.count >= limit { return true }
                if rc != Z_OK { return !out.isEmpty }  // a truncated body still yields what inflated
                if strm.avail_in == 0 && produced == 0 { return !out.isEmpty }
            }
        }
        return ok ? out : nil
    }
}
