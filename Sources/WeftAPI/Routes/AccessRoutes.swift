import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore

/// API tokens (`/api/access/token(s)`) and the two passwords (`PUT /api/api_password`,
/// `PUT /api/admin_ui`).
struct AccessRoutes {
    let controller: Controller
    static let maxLifetime = 366 * 24 * 3600

    func register(_ api: APIGroup) {
        api.post("access/token", use: createToken)
        api.get("access/tokens", use: listTokens)
        api.get("access/token/:id", use: showToken)
        api.put("access/token/:id", use: expireToken)
        api.delete("access/token/:id", use: deleteToken)
        api.put("api_password", use: setAPIPassword)
        api.put("admin_ui", use: changeUIAccount)
    }

    @Sendable func createToken(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/access/token",
                                                 known: ["expires", "name", "token_name", "refreshes"])
        let alias = try body.string("token_name")  // the deprecated name: checked even when name is given
        let input = NewToken(lifetime: try body.int("expires"), name: try body.string("name") ?? alias,
                             refreshes: try body.bool("refreshes"))
        let (token, secret) = try controller.createToken(input, actor: context.principal, from: context.remoteIP)
        return Reply.ok(Present.token(token, secret: secret))
    }

    @Sendable func listTokens(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let tokens = try controller.store.tokens().map { controller.verifier.liveToken(id: $0.id) ?? $0 }
        return Reply.ok(.array(tokens.map { Present.token($0) }))
    }

    @Sendable func showToken(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let token = try controller.token(id: context.parameters.get("id"))
        return Reply.ok(Present.token(controller.verifier.liveToken(id: token.id) ?? token))
    }

    @Sendable func expireToken(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/access/token/{id}", known: ["expired"])
        let token = try controller.token(id: context.parameters.get("id"))
        guard try body.bool("expired") ?? true else {
            throw APIError(.badRequest, "NotSupported", "An expired token cannot be revived; create a new one.")
        }
        try controller.expireToken(token, actor: context.principal)
        return Reply.ok(Present.token(try controller.token(id: context.parameters.get("id"))))
    }

    @Sendable func deleteToken(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let token = try controller.token(id: context.parameters.get("id"))
        try controller.deleteToken(token, actor: context.principal)
        return Reply.ok("Token deleted")
    }

    @Sendable func setAPIPassword(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/api_password", known: ["password"])
        try controller.setAPIPassword(try body.string("password", required: true) ?? "", actor: context.principal)
        return Reply.ok(["password_reset": "ok"])
    }

    @Sendable func changeUIAccount(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/admin_ui",
                                                 known: ["enabled", "admin_username", "admin_password"])
        let change = UIAccountChange(enabled: try body.bool("enabled"), username: try body.string("admin_username"),
                                     password: try body.string("admin_password"))
        let (enabled, username) = try controller.changeUIAccount(change, actor: context.principal)
        return Reply.ok(["enabled": .bool(enabled), "username": .string(username)])
    }
}
