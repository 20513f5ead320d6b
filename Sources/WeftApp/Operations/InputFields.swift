import WeftModel

/// The fields of one write as the caller sent them — a JSON body, or a web-UI form turned
/// into the same object — with typed accessors that refuse a wrong type by naming the
/// field and the endpoint. Operations read their input through it, so the API and the UI
/// are refused with the same messages.
public struct InputFields: Sendable {
    public let object: JSONObject
    public let endpoint: String

    public init(object: JSONObject, endpoint: String) {
        self.object = object
        self.endpoint = endpoint
    }

    public func has(_ name: String) -> Bool {
        if case .null? = object[name] { return false }
        return object[name] != nil
    }

    private func typeError(_ name: String, _ expected: String) -> ValidationError {
        ValidationError(field: name, "Field \"\(name)\" of \(endpoint) must be \(expected), got \(object[name]?.typeName ?? "nothing")")
    }

    public func string(_ name: String, required: Bool = false) throws -> String? {
        switch object[name] {
        case nil, .null?:
            if required { throw ValidationError(field: name, "Field \"\(name)\" is required for \(endpoint)") }
            return nil
        case .string(let text)?: return text
        default: throw typeError(name, "a string")
        }
    }

    /// JSON booleans, or the strings "True"/"False"/"true"/"false" the SDK macros send.
    public func bool(_ name: String, required: Bool = false) throws -> Bool? {
        switch object[name] {
        case nil, .null?:
            if required { throw ValidationError(field: name, "Field \"\(name)\" is required for \(endpoint)") }
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
    public func int(_ name: String, required: Bool = false) throws -> Int? {
        switch object[name] {
        case nil, .null?:
            if required { throw ValidationError(field: name, "Field \"\(name)\" is required for \(endpoint)") }
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
    public func unsupported(_ name: String, default defaultValue: Bool, reason: String) throws {
        guard let value = try bool(name), value != defaultValue else { return }
        throw ValidationError(.notSupported, field: name, "\"\(name)\": \(value) is not supported by \(endpoint): \(reason)")
    }
}
