import WeftModel

/// What went wrong in an operator command, and the exit status that says so:
/// 0 ok, 1 refused by the controller (with its message), 2 usage, 3 cannot connect.
public struct CLIError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Int32, Sendable {
        case refused = 1
        case usage = 2
        case unreachable = 3
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var exitStatus: Int32 { kind.rawValue }
    public var description: String { message }

    /// The controller answered with an error envelope `{"error":{"name":..,"message":..}}`.
    public static func refused(status: Int, body: JSONText) -> CLIError {
        CLIError(.refused, "refused by the controller (HTTP \(status)): \(body.errorMessage ?? "no message")")
    }

    public static func unreachable(_ url: String, _ reason: String) -> CLIError {
        CLIError(.unreachable, "cannot connect to \(url): \(reason)")
    }

    public static func usage(_ message: String) -> CLIError { CLIError(.usage, message) }
}

/// A response body kept as text with its parsed JSON, when it is JSON.
public struct JSONText: Sendable {
    public let bytes: [UInt8]
    public let json: JSONValue?

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        json = try? JSONParser.parse(bytes)
    }

    /// The message of a VNS3 error envelope, else the first line of the body.
    public var errorMessage: String? {
        if case .string(let text)? = json?["error"]?["message"] { return text }
        if case .string(let text)? = json?["error"] { return text }
        let text = String(decoding: bytes.prefix(300), as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.isEmpty ? nil : line
    }
}
