/// Errors raised by the store. Equality is on the code.
public struct StoreError: Error, Equatable, CustomStringConvertible {
    enum Code: Equatable { case open, corrupt, missing, crypto }
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

    public static func open(_ reason: String, file: String = #fileID, line: Int = #line) -> StoreError { .init(.open, reason, file: file, line: line) }
    public static func corrupt(_ reason: String, file: String = #fileID, line: Int = #line) -> StoreError { .init(.corrupt, reason, file: file, line: line) }
    public static func missing(_ reason: String, file: String = #fileID, line: Int = #line) -> StoreError { .init(.missing, reason, file: file, line: line) }
    public static func crypto(_ reason: String, file: String = #fileID, line: Int = #line) -> StoreError { .init(.crypto, reason, file: file, line: line) }

    public var description: String { "store: \(reason)" }
    public static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.code == rhs.code }
}
