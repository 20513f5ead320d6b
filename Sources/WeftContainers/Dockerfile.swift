#if !FUZZING
import WeftModel
#endif

/// A Dockerfile read into instructions (pure): comments and blank lines dropped, backslash
/// continuations joined, each instruction with the line it starts on. Only the subset Weft
/// builds is accepted — FROM (once), RUN, COPY, ADD, ENV, ARG, WORKDIR, USER, EXPOSE, CMD,
/// ENTRYPOINT, LABEL, MAINTAINER — anything else is refused with its line number.
public struct Dockerfile: Sendable, Equatable {
    public struct Instruction: Sendable, Equatable {
        public var line: Int
        public var keyword: String
        public var arguments: String
    }

    /// ARG lines before FROM (their values may be used in FROM).
    public var preamble: [Instruction]
    public var from: Instruction
    public var instructions: [Instruction]

    public static let supported: Set<String> = ["FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "WORKDIR", "USER", "EXPOSE", "CMD",
                                                "ENTRYPOINT", "LABEL", "MAINTAINER"]
    static let known: Set<String> = supported.union(["HEALTHCHECK", "SHELL", "ONBUILD", "STOPSIGNAL", "VOLUME"])
    public static let sizeLimit = 1 << 20

    public static func parse(_ text: String) throws(DockerfileError) -> Dockerfile {
        guard text.utf8.count <= sizeLimit else { throw DockerfileError(line: 0, "the Dockerfile is larger than \(sizeLimit >> 20) MiB") }
        var preamble: [Instruction] = []
        var from: Instruction?
        var instructions: [Instruction] = []
        for instruction in try logicalLines(text) {
            let keyword = instruction.keyword
            guard known.contains(keyword) else {
                throw DockerfileError(line: instruction.line, "unknown instruction \(keyword.prefix(32))")
            }
            guard supported.contains(keyword) else { throw DockerfileError(line: instruction.line, "\(keyword) is not supported") }
            if keyword == "FROM" {
                guard from == nil else {
                    throw DockerfileError(line: instruction.line, "a second FROM (a multi-stage build) is not supported")
                }
                from = instruction
            } else if from == nil {
                guard keyword == "ARG" else { throw DockerfileError(line: instruction.line, "\(keyword) before FROM: the Dockerfile must start with FROM") }
                preamble.append(instruction)
            } else {
                instructions.append(instruction)
            }
        }
        guard let from else { throw DockerfileError(line: 0, "the Dockerfile has no FROM") }
        return Dockerfile(preamble: preamble, from: from, instructions: instructions)
    }

    /// Joins continuation lines; drops comments (also between continued lines) and blank lines.
    static func logicalLines(_ text: String) throws(DockerfileError) -> [Instruction] {
        var result: [Instruction] = []
        var pending: String?
        var start = 0
        func flush() throws(DockerfileError) {
            guard let joined = pending else { return }
            pending = nil
            if joined.allSatisfy({ $0 == " " || $0 == "\t" }) { return }
            let keywordEnd = joined.firstIndex { $0 == " " || $0 == "\t" } ?? joined.endIndex
            let keyword = joined[..<keywordEnd].uppercased()
            guard keyword.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw DockerfileError(line: start, "\"\(joined.prefix(40))\" is not an instruction")
            }
            let arguments = joined[keywordEnd...].drop { $0 == " " || $0 == "\t" }
            guard !arguments.isEmpty else { throw DockerfileError(line: start, "\(keyword) needs arguments") }
            result.append(Instruction(line: start, keyword: keyword, arguments: String(arguments)))
        }
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            var line = Substring(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            // Comments and blank lines are skipped, also between continued lines.
            if trimmed.hasPrefix("#") || trimmed.isEmpty { continue }
            var body = String(trimmed)
            while body.last == " " || body.last == "\t" { body.removeLast() }
            let continues = body.hasSuffix("\\")
            if continues { body.removeLast() }
            if let current = pending { pending = current + (current.hasSuffix(" ") ? "" : " ") + body } else { start = index + 1; pending = body }
            if !continues { try flush() }
        }
        try flush()
        return result
    }
}

/// A Dockerfile refused: the line (1-based; 0 for the whole file) and why.
public struct DockerfileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let reason: String
    public init(line: Int, _ reason: String) {
        self.line = line
        self.reason = reason
    }
    public var description: String { line > 0 ? "Dockerfile line \(line): \(reason)" : "Dockerfile: \(reason)" }
}

/// Words of Dockerfile arguments: the JSON form (`["a", "b"]`), or shell-like words with
/// quotes and backslash escapes (ENV, LABEL, COPY, EXPOSE), and `$VAR` / `${VAR}` /
/// `${VAR:-default}` / `${VAR:+alternative}` substitution (`\$` keeps a dollar).
public enum DockerfileWords {
    /// The strings of a JSON array, or nil when `text` is not one (then it is the shell form).
    public static func jsonArray(_ text: String) -> [String]? {
        guard text.hasPrefix("[") else { return nil }
        guard case .array(let list)? = try? JSONParser.parse(text) else { return nil }
        var words: [String] = []
        for item in list {
            guard case .string(let word) = item else { return nil }
            words.append(word)
        }
        return words
    }

    /// Splits on unquoted blanks; quotes removed, `\x` keeps x (outside single quotes).
    public static func split(_ text: String, line: Int) throws(DockerfileError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for ch in text {
            if escaped { current.append(ch); escaped = false; inWord = true; continue }
            if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escaped = true } else { current.append(ch) }
                continue
            }
            switch ch {
            case "\\": escaped = true; inWord = true
            case "'", "\"": quote = ch; inWord = true
            case " ", "\t":
                if inWord { words.append(current); current = ""; inWord = false }
            default: current.append(ch); inWord = true
            }
        }
        guard quote == nil else { throw DockerfileError(line: line, "unclosed quote") }
        if escaped { current.append("\\") }
        if inWord { words.append(current) }
        return words
    }

    /// Replaces variables from `variables` (unset ones expand to nothing).
    public static func substitute(_ text: String, _ variables: [String: String], line: Int) throws(DockerfileError) -> String {
        var out = ""
        let chars = Array(text)
        var index = 0
        var quote: Character?
        while index < chars.count {
            let ch = chars[index]
            if ch == "'" { quote = quote == "'" ? nil : (quote ?? "'") }
            if ch == "\\" && index + 1 < chars.count && chars[index + 1] == "$" {
                out.append("\\$"); index += 2; continue
            }
            guard ch == "$", quote != "'", index + 1 < chars.count else { out.append(ch); index += 1; continue }
            if chars[index + 1] == "{" {
                guard let close = chars[(index + 2)...].firstIndex(of: "}") else { throw DockerfileError(line: line, "unclosed ${ in \(text.prefix(60))") }
                let inner = String(chars[(index + 2)..<close])
                let name = String(inner.prefix { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
                guard !name.isEmpty else { throw DockerfileError(line: line, "bad variable ${\(inner.prefix(30))}") }
                let rest = inner.dropFirst(name.count)
                let value = variables[name]
                if rest.isEmpty {
                    out += value ?? ""
                } else if rest.hasPrefix(":-") {
                    out += (value?.isEmpty ?? true) ? String(rest.dropFirst(2)) : value!
                } else if rest.hasPrefix(":+") {
                    out += (value?.isEmpty ?? true) ? "" : String(rest.dropFirst(2))
                } else {
                    throw DockerfileError(line: line, "unsupported substitution ${\(inner.prefix(30))}")
                }
                index = close + 1
                continue
            }
            let name = String(chars[(index + 1)...].prefix { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
            if name.isEmpty { out.append(ch); index += 1; continue }
            out += variables[name] ?? ""
            index += 1 + name.count
        }
        return out
    }
}
