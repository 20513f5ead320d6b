import Testing
import WeftHTTP

@Suite struct MultipartFormTests {
    func body(_ parts: [(String, String?, String)], boundary: String = "XyZ") -> [UInt8] {
        var text = ""
        for (name, filename, content) in parts {
            text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"" + (filename.map { "; filename=\"\($0)\"" } ?? "") + "\r\n"
            if filename != nil { text += "Content-Type: application/octet-stream\r\n" }
            text += "\r\n\(content)\r\n"
        }
        return Array((text + "--\(boundary)--\r\n").utf8)
    }

    @Test func fieldsAndFilesAsTheSDKSendsThem() throws {
        let form = try MultipartForm.parse(body([("name", nil, "web"), ("imagefile", nil, "/tmp/web.tar"), ("imagefile", "web.tar", "TAR\r\nDATA")]), boundary: "XyZ")
        #expect(form.parts.count == 3)
        #expect(String(decoding: form.field("name")!.content, as: UTF8.self) == "web")
        let file = form.parts.first { $0.filename != nil }!
        #expect(String(decoding: file.content, as: UTF8.self) == "TAR\r\nDATA")
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=XyZ") == "XyZ")
        #expect(MultipartForm.boundary(contentType: "application/json") == nil)
    }

    @Test func truncatedOrNamelessBodiesAreRefused() {
        let good = body([("name", nil, "web")])
        #expect(throws: MultipartForm.Refusal.self) { try MultipartForm.parse(Array(good.prefix(good.count - 12)), boundary: "XyZ") }
        #expect(throws: MultipartForm.Refusal.self) { try MultipartForm.parse(Array("--XyZ\r\nX: y\r\n\r\nv\r\n--XyZ--".utf8), boundary: "XyZ") }
        #expect(throws: MultipartForm.Refusal.self) { try MultipartForm.parse(Array("nothing here".utf8), boundary: "XyZ") }
    }
}
