/// A failed side effect. A failed command carries argv, exit status and trimmed stderr.
public struct SystemError: Error, Equatable, CustomStringConvertible {
    enum Code: Equatable { case command, io, parse, unsupported }
    let code: Code
    public let reason: String
    public let file: String
    public let line: Int

    init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public static func command(_ argv: [String], status: Int32, stderr: String, file: String = #fileID, line: Int = #line) -> SystemError {
        let trimmed = stderr.split(separator: "\n").suffix(5).joined(separator: " | ")
        return .init(.command, "\(argv.joined(separator: " ")) exited \(status): \(trimmed)", file: file, line: line)
    }

    public static func io(_ reason: String, file: String = #fileID, line: Int = #line) -> SystemError { .init(.io, reason, file: file, line: line) }
    public static func parse(_ reason: String, file: String = #fileID, line: Int = #line) -> SystemError { .init(.parse, reason, file: file, line: line) }
    public static func unsupported(_ reason: String, file: String = #fileID, line: Int = #line) -> SystemError { .init(.unsupported, reason, file: file, line: line) }

    public var description: String { reason }
    public static func == (lhs: SystemError, rhs: SystemError) -> Bool { lhs.code == rhs.code }
}
