/// A refused input or operation, naming the field and why: what the application layer
/// throws (it knows no HTTP). WeftAPI maps it to the VNS3 envelope — 404 for `.notFound`,
/// else 400 — with `name` (or the kind's VNS3-style name) as the error name.
public struct ValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case argument = "APIArgumentError"
        case notSupported = "NotSupported"
        case conflict = "Conflict"
        case state = "StateError"
        case notFound = "NotFound"
        /// The caller is known but not allowed (HTTP 403).
        case forbidden = "Forbidden"
        /// Too many attempts; retry later (HTTP 429).
        case throttled = "TooManyRequests"
        /// The controller is not in a state that allows it (HTTP 409).
        case unavailable = "Unavailable"
        /// The body is not of a type the operation takes (HTTP 415).
        case unsupportedMediaType = "UnsupportedMediaType"
    }

    public let kind: Kind
    public let field: String?
    public let message: String
    /// The VNS3 error name the SDK sees, where it is not the kind's (e.g. "KeysetExists").
    public let name: String?

    public init(_ kind: Kind = .argument, field: String? = nil, name: String? = nil, _ message: String) {
        self.kind = kind
        self.field = field
        self.name = name
        self.message = message
    }

    public var description: String { message }

    public static func == (lhs: ValidationError, rhs: ValidationError) -> Bool {
        lhs.kind == rhs.kind && lhs.field == rhs.field
    }
}
