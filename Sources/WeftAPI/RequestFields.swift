import Hummingbird
import NIOCore
import WeftApp
import WeftModel

/// A JSON request body checked against the fields an endpoint knows (the fields
/// `sdk-endpoints.tsv` lists for it). Unknown fields, wrong types, malformed JSON and
/// oversized bodies are refused with a message that names the field.
struct RequestFields {
    static let maxBodySize = 1 << 20
    /// Bulk endpoints (a whole firewall) take up to 8 MiB.
    static let largeBodySize = 8 << 20

    let object: JSONObject
    let endpoint: String

    init(object: JSONObject, endpoint: String) {
        self.object = object
        self.endpoint = endpoint
    }

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

    func has(_ name: String) -> Bool {
        if case .null? = object[name] { return false }
        return object[name] != nil
    }

    private func typeError(_ name: String, _ expected: String) -> APIError {
        APIError.argument("Field \"\(name)\" of \(endpoint) must be \(expected), got \(object[name]?.typeName ?? "nothing")")
    }

    func string(_ name: String, required: Bool = false) throws -> String? {
        switch object[name] {
        case nil, .null?:
            if required { throw APIError.argument("Field \"\(name)\" is required for \(endpoint)") }
            return nil
        case .string(let text)?: return text
        default: throw typeError(name, "a string")
        }
    }

    /// JSON booleans, or the strings "True"/"False"/"true"/"false" the SDK macros send.
    func bool(_ name: String, required: Bool = false) throws -> Bool? {
        switch object[name] {
        case nil, .null?:
            if required { throw APIError.argument("Field \"\(name)\" is required for \(endpoint)") }
            return nil
        case .bool(let flag)?: return flag
        case .string(let text)?:
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default: throw typeError(name, "a boolean")
            }
        default: throw typeError(name, "a boolean")
        }
    }

    /// JSON integers, or decimal strings ("1500").
    func int(_ name: String, required: Bool = false) throws -> Int? {
        switch object[name] {
        case nil, .null?:
            if required { throw APIError.argument("Field \"\(name)\" is required for \(endpoint)") }
            return nil
        case .int(let number)?: return number
        case .double(let number)? where number == number.rounded() && abs(number) < 1e15: return Int(number)
        case .string(let text)?:
            guard let number = Int(text.trimmed) else { throw typeError(name, "an integer") }
            return number
        default: throw typeError(name, "an integer")
        }
    }

    /// A field the SDK may send that Weft does not implement yet: accepted when absent or
    /// equal to its default, refused with `NotSupported` otherwise.
    func unsupported(_ name: String, default defaultValue: Bool, reason: String) throws {
        guard let value = try bool(name), value != defaultValue else { return }
        throw APIError(.badRequest, "NotSupported", "\"\(name)\": \(value) is not supported by \(endpoint): \(reason)")
    }
}

extension Request {
    func query(_ name: String) -> String? {
        uri.queryParameters[Substring(name)].map(String.init)
    }
}
