import Foundation
import HTTPTypes
import WeftModel

/// What a route's body reader takes, by `Content-Type`. A body of another type is refused
/// with 415 before it is parsed; a request without a body is never refused for its header
/// (the SDK announces `application/json` on body-less GETs and DELETEs, CONTRACT §1.4).
public enum BodyType: Sendable {
    /// `application/json` (any parameters, e.g. `; charset=utf-8`).
    case json
    /// Raw text uploads as the SDK sends them: the licence and its upgrade (`text/plain`).
    case text
    /// A snapshot archive: `text/plain` as the SDK sends it, or a binary type.
    case archive
    /// The web UI's form posts.
    case form

    public var mediaTypes: [String] {
        switch self {
        case .json: ["application/json"]
        case .text: ["text/plain", "application/octet-stream"]
        case .archive: ["text/plain", "application/octet-stream", "application/gzip", "application/x-gzip", "application/x-tar"]
        case .form: ["application/x-www-form-urlencoded"]
        }
    }

    public func accepts(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
        return mediaTypes.contains(media)
    }

    public func refusal(_ contentType: String?, endpoint: String) -> ValidationError {
        let sent = contentType.map { "Content-Type \"\($0.prefix(100))\"" } ?? "no Content-Type"
        return ValidationError(.unsupportedMediaType,
                               "\(endpoint) takes \(mediaTypes.joined(separator: " or ")); the request sent \(sent). Nothing was changed.")
    }
}
