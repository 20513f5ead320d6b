import Foundation
import Hummingbird
import WeftHTTP

/// Typed query parameters: a flag is `true` or `false` (any case, as the SDK's Python
/// `True`/`False` arrive), a number is decimal. Anything else — an empty value too — is
/// refused with a 400 naming the parameter, as a body field would be.
extension Request {
    func queryFlag(_ name: String) throws -> Bool? {
        guard let text = query(name) else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw APIError.argument("Query \"\(name)\" must be true or false, got \"\(text.prefix(40))\"")
        }
    }

    func queryInt(_ name: String) throws -> Int? {
        guard let text = query(name) else { return nil }
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw APIError.argument("Query \"\(name)\" must be an integer, got \"\(text.prefix(40))\"")
        }
        return number
    }
}
