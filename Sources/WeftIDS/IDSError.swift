/// The one error type of WeftIDS: a code, a reason for people, and where it was raised.
public struct IDSError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Code: String, Sendable {
        case pcapFormat, pcapUnsupported, io
        case ruleSyntax, ruleUnknownKeyword, ruleValue, ruleDuplicateSid, rulePcre
        case usage
    }

    public let code: Code
    public let reason: String
    /// 1-based line number in the rule file, when the error is about a rule.
    public let line: Int?
    public let file: String
    public let sourceLine: Int

    public init(_ code: Code, _ reason: String, line: Int? = nil, file: String = #fileID, sourceLine: Int = #line) {
        self.code = code
        self.reason = reason
        self.line = line
        self.file = file
        self.sourceLine = sourceLine
    }

    public var description: String {
        if let line { return "line \(line): \(reason)" }
        return reason
    }

    public static func == (a: IDSError, b: IDSError) -> Bool { a.code == b.code }

    func at(line: Int) -> IDSError { IDSError(code, reason, line: line, file: file, sourceLine: sourceLine) }
}
