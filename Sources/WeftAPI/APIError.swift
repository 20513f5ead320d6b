import Foundation
import HTTPTypes
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel

/// An error answered in the VNS3 envelope: one line,
/// `{"error":{"name":"...","message":"..."}}`, `Content-Type: application/json`.
/// Only WeftAPI maps errors to HTTP.
public struct APIError: HTTPResponseError, Equatable {
    public let status: HTTPResponse.Status
    public let name: String
    public let message: String

    public init(_ status: HTTPResponse.Status, _ name: String, _ message: String) {
        self.status = status
        self.name = name
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        APIError.envelope(self)
    }

    static func envelope(_ error: APIError) -> Response {
        let body: JSONValue = ["error": ["name": .string(error.name), "message": .string(error.message)]]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if error.status == .unauthorized { headers[.wwwAuthenticate] = "Basic realm=\"weft\"" }
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(body))))
    }

    public static func argument(_ message: String) -> APIError { .init(.badRequest, "APIArgumentError", message) }
    public static func notFound(_ message: String) -> APIError { .init(.notFound, "NotFound", message) }
    public static func unauthorized(_ message: String = "Authentication required: HTTP Basic as api, or an api-token header.") -> APIError {
        .init(.unauthorized, "Unauthorized", message)
    }

    /// The message always names the field: "managers: controller address ... is not ...".
    public static func from(_ error: ValidationError) -> APIError {
        .init(error.httpStatus, error.name ?? error.kind.rawValue, error.fullMessage)
    }

    public static func == (lhs: APIError, rhs: APIError) -> Bool {
        lhs.status == rhs.status && lhs.name == rhs.name && lhs.message == rhs.message
    }
}
