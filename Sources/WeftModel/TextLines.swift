/// Splitting text into lines the way people and browsers write it: CRLF (what a browser
/// submits from a textarea), LF and a lone CR each end a line.
///
/// In Swift `"\r\n"` is one `Character`, so `split(separator: "\n")` never splits CRLF
/// text; every place that reads user text line by line goes through this instead. It walks
/// the UTF-8 bytes, so a 10,000-line body splits in linear time.
public enum TextLines {
    /// The lines of `text` without their terminators. Blank lines are kept (so line numbers
    /// stay right); a terminator at the very end does not start an extra empty line, and
    /// empty text has no lines.
    public static func split(_ text: String) -> [Substring] {
        let bytes = text.utf8
        var lines: [Substring] = []
        var start = bytes.startIndex
        var index = start
        while index != bytes.endIndex {
            let byte = bytes[index]
            guard byte == 0x0A || byte == 0x0D else {
                bytes.formIndex(after: &index)
                continue
            }
            lines.append(text[start..<index])
            bytes.formIndex(after: &index)
            if byte == 0x0D, index != bytes.endIndex, bytes[index] == 0x0A { bytes.formIndex(after: &index) }
            start = index
        }
        if start != bytes.endIndex { lines.append(text[start...]) }
        return lines
    }

    /// Whether `text` holds a line terminator (CR or LF).
    public static func isMultiline(_ text: some StringProtocol) -> Bool {
        text.utf8.contains { $0 == 0x0A || $0 == 0x0D }
    }
}
