/// Why a packet could not be decoded, or why the agent could not start. Equality is on the code.
public struct SNMPError: Error, Equatable, CustomStringConvertible {
    enum Code: Equatable { case truncated, length, tag, integer, oid, structure, unsupported, socket }
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

    /// The content runs past the end of its enclosing element.
    public static func truncated(_ reason: String, file: String = #fileID, line: Int = #line) -> SNMPError { .init(.truncated, reason, file: file, line: line) }
    /// An indefinite, reserved or over-long length field.
    public static func length(_ reason: String, file: String = #fileID, line: Int = #line) -> SNMPError { .init(.length, reason, file: file, line: line) }
    /// An identifier octet other than the one the schema expects at this place.
    public static func tag(_ reason: String, file: String = #fileID, line: Int = #line) -> SNMPError { .init(.tag, reason, file: file, line: line) }
    /// An empty, non-minimal or out-of-range integer.
    public static func integer(_ reason: String, file: String = #fileID, line: Int = #line) -> SNMPError { .init(.integer, reason, file: file, line: line) }
    /// An empty, non-minimal or over-long object identifier.
    public static func oid(_ reason: String, file: String = #fileID, line: Int = #line) -> SNMPError { .init(.oid, reason, file: file, line: line) }
    /// Trailing bytes, a wrong element count or a value of the wrong shape.
    public static func structure(_ reason: String, file: String = #fileID, line: Int = #line) -> SNMPError { .init(.structure, reason, file: file, line: line) }
    /// Well-formed but not served: SNMPv3, traps, reports, GetBulk in v1.
    public static func unsupported(_ reason: String, file: String = #fileID, line: Int = #line) -> SNMPError { .init(.unsupported, reason, file: file, line: line) }
    /// socket(2), bind(2) or thread creation failed.
    public static func socket(_ reason: String, file: String = #fileID, line: Int = #line) -> SNMPError { .init(.socket, reason, file: file, line: line) }

    /// True for `unsupported`: the packet was valid BER but is not something this agent answers.
    public var isUnsupported: Bool { code == .unsupported }

    public var description: String { "snmp: \(reason)" }
    public static func == (lhs: SNMPError, rhs: SNMPError) -> Bool { lhs.code == rhs.code }
}
