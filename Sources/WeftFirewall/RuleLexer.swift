/// Splits one VNS3 firewall rule into words, as a shell would for iptables: whitespace
/// separates, double or single quotes group (`-m comment --comment "allow ssh"`).
///
/// People paste rules from web pages, where `--dport` has become `–dport` (en dash) or
/// `—dport` (em dash), and `-j` has become `–j`. A word that starts with one of those
/// dashes gets ASCII dashes back: one for a single-letter option, two otherwise.
public enum RuleLexer {
    public struct Failure: Error, Equatable, Sendable {
        public let message: String
    }

    /// Works on UTF-8 bytes (grapheme-by-grapheme iteration was the parser's hot spot).
    public static func words(_ line: String) throws(Failure) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        var inWord = false
        var quote: UInt8 = 0
        var nonASCII = false
        func finish() {
            let word = String(decoding: current, as: UTF8.self)
            words.append(nonASCII ? normalizeDashes(word) : word)
            current.removeAll(keepingCapacity: true)
            inWord = false
            nonASCII = false
        }
        for byte in line.utf8 {
            if quote != 0 {
                if byte == quote { quote = 0 } else { current.append(byte) }
                continue
            }
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0A:
                if inWord { finish() }
            case 0x22, 0x27:
                quote = byte
                inWord = true
            default:
                if byte >= 0x80 { nonASCII = true }
                current.append(byte)
                inWord = true
            }
        }
        if quote != 0 { throw Failure(message: "unterminated quote") }
        if inWord { finish() }
        return words
    }

    static func normalizeDashes(_ word: String) -> String {
        guard let first = word.first, first == "\u{2013}" || first == "\u{2014}" || first == "\u{2212}" else { return word }
        var rest = word.dropFirst()
        while let next = rest.first, next == "\u{2013}" || next == "\u{2014}" || next == "-" { rest = rest.dropFirst() }
        if rest.isEmpty { return word }
        return (rest.count == 1 ? "-" : "--") + rest
    }

    /// Quotes a word for rule text and iptables-restore input when it needs it.
    public static func quoted(_ word: String) -> String {
        if !word.isEmpty, !word.utf8.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x22 || $0 == 0x27 }) { return word }
        return "\"" + word.replacingOccurrences(of: "\"", with: "'") + "\""
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard let t = target.first, target.count == 1 else { return self }
        return String(map { $0 == t ? Character(replacement) : $0 })
    }
}
