/// A refused input, naming the field and why. WeftAPI maps it to a 400 in the VNS3
/// envelope; the name is the VNS3-style error name.
public struct ValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case argument = "APIArgumentError"
        case notSupported = "NotSupported"
        case conflict = "Conflict"
        case state = "StateError"
    }

    public let kind: Kind
    public let field: String?
    public let message: String

    public init(_ kind: Kind = .argument, field: String? = nil, _ message: String) {
        self.kind = kind
        self.field = field
        self.message = message
    }

    public var description: String { message }

    public static func == (lhs: ValidationError, rhs: ValidationError) -> Bool {
        lhs.kind == rhs.kind && lhs.field == rhs.field
    }
}
