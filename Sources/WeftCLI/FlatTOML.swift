/// The part of TOML that Weft's configuration files use: `[table]` headers (dotted names
/// allowed), `key = value` with basic or literal strings, integers, booleans and arrays
/// of those, and `#` comments. Anything else is refused with its line number, so a typo
/// in `/etc/weft/weft.toml` stops the daemon instead of being ignored.
public struct FlatTOML: Equatable, Sendable {
    public enum Value: Equatable, Sendable, CustomStringConvertible {
        case string(String)
        case int(Int)
        case bool(Bool)
        case array([Value])

        public var description: String {
            switch self {
            case .string(let s): s
            case .int(let i): String(i)
            case .bool(let b): String(b)
            case .array(let values): values.map(\.description).joined(separator: ",")
            }
        }
    }

    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// Tables by dotted name; the top level is "".
    public private(set) var tables: [String: [String: Value]] = ["": [:]]
    /// Where each key was set, "table.key" → line, for error messages.
    public private(set) var lines: [String: Int] = [:]

    public init(_ text: String) throws(SyntaxError) {
        var table = ""
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = String(Self.stripComment(Substring(raw))).trimmingWhitespace
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else { throw SyntaxError(line: number, reason: "malformed table header \(line)") }
                let name = String(line.dropFirst().dropLast()).trimmingWhitespace
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                    throw SyntaxError(line: number, reason: "bad table name \"\(name)\"")
                }
                guard tables[name] == nil else { throw SyntaxError(line: number, reason: "table [\(name)] defined twice") }
                tables[name] = [:]
                table = name
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw SyntaxError(line: number, reason: "expected key = value") }
            let key = String(line[..<equals]).trimmingWhitespace
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }) else {
                throw SyntaxError(line: number, reason: "bad key \"\(key)\"")
            }
            guard tables[table]?[key] == nil else { throw SyntaxError(line: number, reason: "key \(key) set twice") }
            let valueText = String(line[line.index(after: equals)...]).trimmingWhitespace
            do throws(Reason) { tables[table, default: [:]][key] = try Self.value(valueText) } catch {
                throw SyntaxError(line: number, reason: "\(key): \(error.text)")
            }
            lines[table.isEmpty ? key : table + "." + key] = number
        }
    }

    public subscript(table: String) -> [String: Value]? { tables[table] }

    struct Reason: Error { let text: String }

    static func value(_ text: String) throws(Reason) -> Value {
        if text.hasPrefix("\"") { return .string(try basicString(text)) }
        if text.hasPrefix("'") {
            guard text.count >= 2, text.hasSuffix("'") else { throw Reason(text: "unterminated string") }
            let inner = String(text.dropFirst().dropLast())
            guard !inner.contains("'") else { throw Reason(text: "unterminated string") }
            return .string(inner)
        }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else { throw Reason(text: "unterminated array") }
            let inner = String(text.dropFirst().dropLast()).trimmingWhitespace
            if inner.isEmpty { return .array([]) }
            var items: [Value] = []
            for part in try splitArray(inner) where !part.trimmingWhitespace.isEmpty {
                let item = try value(part.trimmingWhitespace)
                if case .array = item { throw Reason(text: "nested arrays are not supported") }
                items.append(item)
            }
            return .array(items)
        }
        let digits = text.replacingUnderscores
        if let number = Int(digits) { return .int(number) }
        throw Reason(text: "cannot read value \(text) (strings need quotes)")
    }

    static func basicString(_ text: String) throws(Reason) -> String {
        var out = ""
        var iterator = text.dropFirst().makeIterator()
        while let c = iterator.next() {
            switch c {
            case "\"":
                guard iterator.next() == nil else { throw Reason(text: "text after the closing quote") }
                return out
            case "\\":
                switch iterator.next() {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\\": out.append("\\")
                case "\"": out.append("\"")
                default: throw Reason(text: "unsupported escape in string")
                }
            default: out.append(c)
            }
        }
        throw Reason(text: "unterminated string")
    }

    static func splitArray(_ text: String) throws(Reason) -> [String] {
        var parts: [String] = [], current = "", quote: Character? = nil, escaped = false
        for c in text {
            if let q = quote {
                current.append(c)
                if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
                current.append(c)
            } else if c == "," {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        if quote != nil { throw Reason(text: "unterminated string in array") }
        parts.append(current)
        return parts
    }

    static func stripComment(_ line: Substring) -> Substring {
        var quote: Character? = nil, escaped = false
        for index in line.indices {
            let c = line[index]
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return line[..<index]
            }
        }
        return line
    }
}

extension String {
    var replacingUnderscores: String { String(filter { $0 != "_" }) }
}
