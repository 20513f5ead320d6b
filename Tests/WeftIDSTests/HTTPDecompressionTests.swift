import Testing
@testable import WeftIDS

@Suite struct HTTPDecompressionTests {
    static let gzip: [UInt8] = [31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 43, 201, 72, 85, 200, 200, 76, 73, 73, 205, 211, 205, 77, 44, 202, 78, 45, 82, 40, 73, 173, 40, 1, 0, 199, 44, 170, 116, 22, 0, 0, 0]
    static let zlib: [UInt8] = [120, 156, 75, 73, 77, 203, 73, 44, 73, 77, 209, 205, 77, 44, 202, 78, 45, 82, 200, 72, 45, 74, 5, 0, 81, 71, 7, 173]
    static let raw: [UInt8] = [43, 74, 44, 215, 77, 73, 77, 203, 73, 44, 73, 213, 205, 77, 44, 202, 78, 45, 2, 0]

    @Test func decodesGzipDeflateAndRawDeflate() {
        #expect(HTTPDecompression.decode(HTTPDecompressionTests.gzip, encoding: "gzip".bytes) == "the hidden-marker text".bytes)
        #expect(HTTPDecompression.decode(HTTPDecompressionTests.zlib, encoding: "deflate".bytes) == "deflated-marker here".bytes)
        #expect(HTTPDecompression.decode(HTTPDecompressionTests.raw, encoding: "Deflate".bytes) == "raw-deflate-marker".bytes)
        // Labelled gzip but not compressed: inspected as it is.
        #expect(HTTPDecompression.decode("plain".bytes, encoding: "gzip".bytes) == "plain".bytes)
    }

    @Test func gzipResponseBodyIsInspectedDecompressed() throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(HTTPDecompressionTests.gzip.count)\r\n\r\n"
        let t = TestTraffic.conversation(clientSegments: ["GET / HTTP/1.1\r\nHost: x\r\n\r\n".bytes],
                                         serverSegments: [head.bytes + HTTPDecompressionTests.gzip])
        #expect(try t.sids(#"alert http any any -> any any (http.response_body; content:"hidden-marker"; sid:1;)"#) == [1])
        #expect(try t.sids(#"alert http any any -> any any (content:"hidden-marker"; http_server_body; sid:1;)"#) == [1])
    }
}
