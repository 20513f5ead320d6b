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

    /// Works on UTF-8 bytes (grapheme-by-grapheme iteration was the parser's hot spot); a
    /// word without quotes is one slice of the line.
    public static func words(_ line: String) throws(Failure) -> [String] {
        var words: [String] = []
        words.reserveCapacity(16)
        let bytes = line.utf8
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if isSpace(bytes[index]) { bytes.formIndex(after: &index); continue }
            let start = index
            var nonASCII = false
            var quoted = false
            while index != bytes.endIndex {
                let byte = bytes[index]
                if isSpace(byte) { break }
                if byte == 0x22 || byte == 0x27 { quoted = true; break }
                if byte >= 0x80 { nonASCII = true }
                bytes.formIndex(after: &index)
            }
            if quoted {
                let (word, end, sawNonASCII) = try quotedWord(bytes, from: start)
                words.append(sawNonASCII ? normalizeDashes(word) : word)
                index = end
            } else {
                let word = String(line[start..<index])
                words.append(nonASCII ? normalizeDashes(word) : word)
            }
        }
        return words
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }

    /// A word with quotes in it (`"allow ssh"`, `a"b c"d`): the quotes group and are dropped.
    static func quotedWord(_ bytes: String.UTF8View, from start: String.Index) throws(Failure) -> (String, String.Index, Bool) {
        var current: [UInt8] = []
        var quote: UInt8 = 0
        var nonASCII = false
        var index = start
        while index != bytes.endIndex {
            let byte = bytes[index]
            if quote != 0 {
                if byte == quote { quote = 0 } else { current.append(byte) }
            } else if isSpace(byte) {
                break
            } else if byte == 0x22 || byte == 0x27 {
                quote = byte
            } else {
                if byte >= 0x80 { nonASCII = true }
                current.append(byte)
            }
            bytes.formIndex(after: &index)
        }
        if quote != 0 { throw Failure(message: "unterminated quote") }
        return (String(decoding: current, as: UTF8.self), index, nonASCII)
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
