import HTTPTypes
import WeftModel

extension ValidationError {
    /// The HTTP status of a refusal, the same for the API and the web UI.
    public var httpStatus: HTTPResponse.Status {
        switch kind {
        case .notFound: .notFound
        case .forbidden: .forbidden
        case .throttled: .tooManyRequests
        case .unavailable: .conflict
        case .unsupportedMediaType: .unsupportedMediaType
        case .argument, .notSupported, .conflict, .state: .badRequest
        }
    }

    /// The message, naming the field when the message itself does not.
    public var fullMessage: String {
        guard let field, !message.contains(field) else { return message }
        return "\(field): \(message)"
    }
}
