import Foundation
import Hummingbird
import NIOCore
import WeftApp
import WeftHTTP
import WeftModel

/// An `application/x-www-form-urlencoded` body (what the UI's forms post).
struct UIForm: Sendable {
    static let maxBodySize = 8 << 20
    let fields: [String: String]

    init(fields: [String: String] = [:]) { self.fields = fields }

    subscript(_ name: String) -> String? { fields[name] }

    /// Parses `a=1&b=x+y%21`; a repeated name keeps its last value.
    static func parse(_ bytes: [UInt8]) -> UIForm {
        var fields: [String: String] = [:]
        for pair in bytes.split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), !name.isEmpty else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return UIForm(fields: fields)
    }

    static func decode(_ bytes: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(0x20)
            } else if byte == UInt8(ascii: "%"), bytes.endIndex - index >= 3,
                      let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(validating: out, as: UTF8.self)
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func read(_ request: Request) async throws -> [UInt8] {
        var request = request
        var buffer = try await request.collectBody(upTo: maxBodySize)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}

extension UIForm {
    /// The named fields as the JSON body the API would receive, for the API's own
    /// validators (`RequestFields`, then `IpsecInput.apply`, `RoutingRoutes.apply`, …), so
    /// the UI refuses exactly what the API refuses, with the same messages. An empty text
    /// field counts as absent unless it is `required` (then the API's message about it shows);
    /// `integers` and `booleans` (checkboxes: "true"/"false") are sent as JSON numbers and booleans.
    func requestFields(_ names: [String], required: Set<String> = [], integers: Set<String> = [], booleans: Set<String> = [],
                       endpoint: String) -> InputFields {
        var object = JSONObject()
        for name in names {
            guard let value = fields[name] else {
                if required.contains(name) { object[name] = .string("") }
                continue
            }
            if value.isEmpty && !required.contains(name) { continue }
            if booleans.contains(name), value == "true" || value == "false" {
                object[name] = .bool(value == "true")
            } else if integers.contains(name), let number = Int(value.trimmingCharacters(in: .whitespaces)) {
                object[name] = .int(number)
            } else {
                object[name] = .string(value)
            }
        }
        return InputFields(object: object, endpoint: endpoint)
    }
}
