import Hummingbird
import NIOCore
import WeftApp
import WeftHTTP
import WeftModel

/// Reading a request body into the application layer's `InputFields`: the JSON object of
/// the body, checked against the fields an endpoint knows (the fields `sdk-endpoints.tsv`
/// lists for it). Unknown fields, wrong types, malformed JSON and oversized bodies are
/// refused with a message that names the field.
typealias RequestFields = InputFields

extension InputFields {
    static let maxBodySize = 1 << 20
    /// Bulk endpoints (a whole firewall) take up to 8 MiB.
    static let largeBodySize = WeftRequestContext.largeBodySize

    /// Reads and validates the body. An empty body counts as `{}`.
    static func parse(_ request: Request, context: WeftRequestContext, endpoint: String, known: Set<String>,
                      limit: Int = maxBodySize) async throws -> RequestFields {
        let bytes = try await rawBody(request, context: context, limit: limit, type: .json, endpoint: endpoint)
        if isBlank(bytes) {
            return RequestFields(object: JSONObject(), endpoint: endpoint)
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw APIError.argument("Malformed JSON body for \(endpoint): \(error)")
        }
        guard case .object(let object) = value else {
            throw APIError.argument("The body of \(endpoint) must be a JSON object, got \(value.typeName)")
        }
        for key in object.keys where !known.contains(key) {
            let list = known.sorted().joined(separator: ", ")
            throw APIError.argument("Unknown field \"\(key)\" for \(endpoint); known fields: \(list.isEmpty ? "none" : list)")
        }
        return RequestFields(object: object, endpoint: endpoint)
    }

    /// The body's bytes, if its `Content-Type` is one `type` takes (a blank body passes
    /// whatever the header says).
    static func rawBody(_ request: Request, context: WeftRequestContext, limit: Int = maxBodySize,
                        type: BodyType = .json, endpoint: String? = nil) async throws -> [UInt8] {
        var request = request
        let bytes: [UInt8]
        do {
            var buffer = try await request.collectBody(upTo: limit)
            bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw APIError(.contentTooLarge, "PayloadTooLarge", "Request body larger than \(limit) bytes")
        }
        let contentType = request.headers[.contentType]
        if !isBlank(bytes), !type.accepts(contentType) {
            throw type.refusal(contentType, endpoint: endpoint ?? "\(request.method) \(request.uri.path)")
        }
        return bytes
    }

    static func isBlank(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }
    }
}

