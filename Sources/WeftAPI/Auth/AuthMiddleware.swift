import Foundation
import HTTPTypes
import Hummingbird

/// Every `/api` route needs a valid credential: HTTP Basic for the API user, or an
/// `api-token` header. The SDK may send both; either valid one suffices. The web UI's
/// session cookie is never accepted here.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = WeftRequestContext
    let verifier: CredentialVerifier
    static let tokenHeader = HTTPField.Name("api-token")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/") || request.uri.path == "/api" || request.uri.path == "/metrics" else {
            return try await next(request, context)
        }
        var throttled = false
        // An API token as `api-token: T`, or as `Authorization: Bearer T` (Prometheus' bearer_token).
        let bearer = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        if let token = request.headers[Self.tokenHeader] ?? bearer, !token.isEmpty {
            switch verifier.verifyToken(token, from: context.remoteIP) {
            case .allowed(let principal):
                var context = context
                context.principal = principal
                return try await next(request, context)
            case .throttled: throttled = true
            case .denied: break
            }
        }
        if let (user, password) = Self.basicCredentials(request.headers[.authorization]) {
            switch verifier.verifyBasic(username: user, password: password, from: context.remoteIP) {
            case .allowed(let principal):
                var context = context
                context.principal = principal
                return try await next(request, context)
            case .throttled: throttled = true
            case .denied: break
            }
        }
        if throttled {
            throw APIError(.tooManyRequests, "TooManyFailedLogins", "Too many failed logins from \(context.remoteIP); wait a minute and retry.")
        }
        throw APIError.unauthorized()
    }

    static func basicCredentials(_ header: String?) -> (String, String)? {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return nil }
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
