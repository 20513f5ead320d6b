/// A refused or failed capture operation. `reason` is the text shown to API callers; for
/// libpcap failures it carries libpcap's own message (`pcap_geterr`), e.g.
/// "can't parse filter expression: syntax error". Equality is on the kind only.
public struct CaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, so that WeftAPI can choose the HTTP status and VNS3 error name.
    public enum Kind: Sendable, Equatable {
        /// A malformed value (filter, duration, name, limit).
        case invalid
        /// A type or destination Weft does not implement.
        case unsupported
        /// No monitor, interface or file by that name.
        case notFound
        /// A monitor with that name already exists, or the operation clashes with its state.
        case conflict
        /// The capture space (per-monitor or total cap) is used up.
        case noSpace
        /// libpcap or the file system failed while opening, capturing or writing.
        case failed
    }

    public let kind: Kind
    public let reason: String
    public let file: String
    public let line: Int

    init(_ kind: Kind, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.kind = kind
        self.reason = reason
        self.file = file
        self.line = line
    }

    static func invalid(_ reason: String, file: String = #fileID, line: Int = #line) -> CaptureError { .init(.invalid, reason, file: file, line: line) }
    static func unsupported(_ reason: String, file: String = #fileID, line: Int = #line) -> CaptureError { .init(.unsupported, reason, file: file, line: line) }
    static func notFound(_ reason: String, file: String = #fileID, line: Int = #line) -> CaptureError { .init(.notFound, reason, file: file, line: line) }
    static func conflict(_ reason: String, file: String = #fileID, line: Int = #line) -> CaptureError { .init(.conflict, reason, file: file, line: line) }
    static func noSpace(_ reason: String, file: String = #fileID, line: Int = #line) -> CaptureError { .init(.noSpace, reason, file: file, line: line) }
    static func failed(_ reason: String, file: String = #fileID, line: Int = #line) -> CaptureError { .init(.failed, reason, file: file, line: line) }

    public var description: String { reason }
    public static func == (lhs: CaptureError, rhs: CaptureError) -> Bool { lhs.kind == rhs.kind }
}
