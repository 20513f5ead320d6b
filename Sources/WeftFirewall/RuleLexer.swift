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

    public static func words(_ line: String) throws(Failure) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            switch character {
            case " ", "\t", "\r", "\n":
                if inWord { words.append(current); current = ""; inWord = false }
            case "\"", "'":
                quote = character
                inWord = true
            default:
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { throw Failure(message: "unterminated quote") }
        if inWord { words.append(current) }
        return words.map(normalizeDashes)
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
        if !word.isEmpty, !word.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "'" }) { return word }
        return "\"" + word.replacingOccurrences(of: "\"", with: "'") + "\""
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard let t = target.first, target.count == 1 else { return self }
        return String(map { $0 == t ? Character(replacement) : $0 })
    }
}
