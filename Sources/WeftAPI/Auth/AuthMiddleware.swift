import Foundation
import HTTPTypes
import Hummingbird
import WeftApp
import WeftHTTP

/// Default deny: every request needs credentials unless the route table declares its
/// route public. The decision uses the path the router matches (`RequestTargetMiddleware`
/// has already refused any target that could be read two ways), so no spelling of a path
/// reaches a protected handler without passing here.
///
/// - `/api`, `/metrics` and anything else not under `/ui`: HTTP Basic for the API user, or
///   an `api-token` header (or `Authorization: Bearer`). The SDK may send both; either
///   valid one suffices. The web UI's session cookie is never accepted here.
/// - `/ui`: a live UI session (`uiGate` answers the refusal: a redirect to the login page).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = WeftRequestContext
    let verifier: CredentialVerifier
    let table: RouteTable
    /// The UI's refusal for a request without a live session, or nil to let it through.
    let uiGate: @Sendable (Request) -> Response?
    static let tokenHeader = HTTPField.Name("api-token")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch table.access(method: request.method, path: request.uri.path) {
        case .public, .controllerCredentials:
            return try await next(request, context)
        case .uiSession:
            if let refusal = uiGate(request) { return refusal }
            return try await next(request, context)
        case .apiCredentials:
            var context = context
            context.principal = try authenticate(request, context: context)
            return try await next(request, context)
        }
    }

    /// The API principal for the request's credentials, or an error (401, or 429 when throttled).
    func authenticate(_ request: Request, context: Context) throws -> String {
        var throttled = false
        // An API token as `api-token: T`, or as `Authorization: Bearer T` (Prometheus' bearer_token).
        let bearer = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        if let token = request.headers[Self.tokenHeader] ?? bearer, !token.isEmpty {
            switch verifier.verifyToken(token, from: context.remoteIP) {
            case .allowed(let principal): return principal
            case .throttled: throttled = true
            case .denied: break
            }
        }
        if let (user, password) = Self.basicCredentials(request.headers[.authorization]) {
            switch verifier.verifyBasic(username: user, password: password, from: context.remoteIP) {
            case .allowed(let principal): return principal
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
