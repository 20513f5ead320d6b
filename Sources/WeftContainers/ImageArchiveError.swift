/// Why an uploaded image archive was refused. Equality is on the code; the reason names
/// the entry or field at fault.
public struct ImageArchiveError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case truncated, corrupt, tooLarge, unknownFormat, unsafePath, unsafeLink, deviceNode, missingEntry, badManifest
    }
    public let code: Code
    public let reason: String
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
    public var description: String { reason }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
}
