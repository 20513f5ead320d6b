import Foundation
import HTTPTypes
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel

/// Success responses in the VNS3 envelope, and raw file downloads.
enum Reply {
    static func ok(_ payload: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        json(["response": payload], status: status)
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(value))))
    }

    /// A raw download with an exact content type (no `; charset=`: the SDK saves
    /// nothing otherwise) and an attachment file name.
    static func file(_ bytes: [UInt8], contentType: String, filename: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentDisposition] = "attachment; filename=\(filename)"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
