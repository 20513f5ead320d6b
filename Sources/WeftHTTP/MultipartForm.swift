/// A `multipart/form-data` body (RFC 7578) as the SDK's requests send it: text fields and
/// file parts. The boundary comes from the Content-Type; every part needs a
/// `Content-Disposition: form-data; name=…`; a body without the closing boundary is refused.
public struct MultipartForm: Sendable {
    public struct Part: Sendable {
        public var name: String
        public var filename: String?
        public var content: ArraySlice<UInt8>
    }
    public var parts: [Part]

    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public func field(_ name: String) -> Part? { parts.first { $0.name == name } }

    /// The boundary parameter of a `multipart/form-data` content type, or nil.
    public static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingPrefix(while: { $0 == " " })
            guard pair.lowercased().hasPrefix("boundary=") else { continue }
            var value = pair.dropFirst("boundary=".count)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return value.isEmpty || value.count > 200 ? nil : String(value)
        }
        return nil
    }

    public static func parse(_ body: [UInt8], boundary: String) throws(Refusal) -> MultipartForm {
        let delimiter = Array(("--" + boundary).utf8)
        guard var position = find(delimiter, in: body, from: 0) else { throw Refusal(description: "multipart body has no boundary \(boundary)") }
        var parts: [Part] = []
        while true {
            position += delimiter.count
            if body.count >= position + 2, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") { break }
            guard body.count >= position + 2, body[position] == 13, body[position + 1] == 10 else {
                throw Refusal(description: "multipart boundary not followed by CRLF")
            }
            position += 2
            guard let headerEnd = find([13, 10, 13, 10], in: body, from: position) else { throw Refusal(description: "multipart part headers never end") }
            let headers = String(decoding: body[position..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = find([13, 10] + delimiter, in: body, from: contentStart) else {
                throw Refusal(description: "multipart body truncated: no closing boundary")
            }
            var name: String?
            var filename: String?
            for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                name = parameter("name", in: line)
                filename = parameter("filename", in: line)
            }
            guard let name else { throw Refusal(description: "multipart part without a form-data name") }
            parts.append(Part(name: name, filename: filename, content: body[contentStart..<next]))
            position = next + 2
        }
        return MultipartForm(parts: parts)
    }

    static func parameter(_ key: String, in line: Substring) -> String? {
        for item in line.split(separator: ";").dropFirst() {
            let pair = item.trimmingPrefix(while: { $0 == " " })
            guard pair.hasPrefix(key + "=") else { continue }
            var value = pair.dropFirst(key.count + 1)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return String(value)
        }
        return nil
    }

    /// First index of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = from
        let last = haystack.count - needle.count
        while index <= last {
            guard let hit = haystack[index...last].firstIndex(of: first) else { return nil }
            if haystack[hit..<hit + needle.count].elementsEqual(needle) { return hit }
            index = hit + 1
        }
        return nil
    }
}
