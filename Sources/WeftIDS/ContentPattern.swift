/// Decodes a content string: text with `|41 42|` hex blocks and `\"`, `\;`, `\\`, `\:` escapes.
enum ContentPattern {
    static func decode(_ s: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var inHex = false
        var hex: [UInt8] = []
        var escaped = false
        func flushHex() throws {
            let digits = hex.filter { $0 != UInt8(ascii: " ") }
            guard digits.count % 2 == 0 else { throw IDSError(.ruleValue, "content hex block has an odd number of digits") }
            var i = 0
            while i < digits.count {
                guard let hi = hexValue(digits[i]), let lo = hexValue(digits[i + 1]) else {
                    throw IDSError(.ruleValue, "content hex block has a non-hex character")
                }
                out.append(hi << 4 | lo)
                i += 2
            }
            hex = []
        }
        for b in Array(s.utf8) {
            if inHex {
                if b == UInt8(ascii: "|") { try flushHex(); inHex = false } else { hex.append(b) }
                continue
            }
            if escaped { out.append(b); escaped = false; continue }
            switch b {
            case UInt8(ascii: "\\"): escaped = true
            case UInt8(ascii: "|"): inHex = true
            case UInt8(ascii: "\""): throw IDSError(.ruleValue, "unescaped '\"' inside content")
            case UInt8(ascii: ";"): throw IDSError(.ruleValue, "unescaped ';' inside content")
            default: out.append(b)
            }
        }
        if inHex { throw IDSError(.ruleValue, "content hex block is not closed by '|'") }
        if escaped { throw IDSError(.ruleValue, "content ends with a lone backslash") }
        return out
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }
}
