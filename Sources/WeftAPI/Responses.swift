import Foundation
import HTTPTypes
import Hummingbird
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

/// Date formats VNS3 uses.
enum Timestamps {
    static func iso8601(_ epoch: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }

    /// "2020-01-24 20:39:59 +0000"
    static func vns3(_ epoch: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss Z"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }
}
