import Hummingbird
import WeftApp
import WeftModel
import WeftStore

/// API tokens (`/api/access/token(s)`) and the two passwords (`PUT /api/api_password`,
/// `PUT /api/admin_ui`).
struct AccessRoutes {
    let controller: Controller
    static let maxLifetime = 366 * 24 * 3600

    func register(_ api: APIGroup) {
        api.post("access/token") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/access/token",
                                                     known: ["expires", "name", "token_name", "refreshes"])
            let lifetime = try body.int("expires") ?? 3600
            guard (1...Self.maxLifetime).contains(lifetime) else {
                throw APIError.argument("Field \"expires\" must be between 1 and \(Self.maxLifetime) seconds")
            }
            let name = try body.string("name") ?? body.string("token_name") ?? ""
            guard name.count <= 128 else { throw APIError.argument("Field \"name\" is longer than 128 characters") }
            let refreshes = try body.bool("refreshes") ?? false
            let secret = APIToken.generate()
            let token = try controller.commit(context.principal, "token.create", detail: name) { db in
                try Store.insertToken(name: name, token: secret, lifetime: lifetime, refreshes: refreshes, createdIP: context.remoteIP, in: db)
            }
            try controller.verifier.reloadTokens()
            return Reply.ok(Present.token(token, secret: secret))
        }
        api.get("access/tokens") { _, _ in
            let tokens = try controller.store.tokens().map { controller.verifier.liveToken(id: $0.id) ?? $0 }
            return Reply.ok(.array(tokens.map { Present.token($0) }))
        }
        api.get("access/token/:id") { _, context in
            let token = try lookup(context)
            return Reply.ok(Present.token(controller.verifier.liveToken(id: token.id) ?? token))
        }
        api.put("access/token/:id") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/access/token/{id}", known: ["expired"])
            let token = try lookup(context)
            guard try body.bool("expired") ?? true else {
                throw APIError(.badRequest, "NotSupported", "An expired token cannot be revived; create a new one.")
            }
            try controller.commit(context.principal, "token.expire", detail: "id \(token.id)") { db in try Store.expireToken(id: token.id, in: db) }
            try controller.verifier.reloadTokens()
            return Reply.ok(Present.token(try lookup(context)))
        }
        api.delete("access/token/:id") { _, context in
            let token = try lookup(context)
            try controller.commit(context.principal, "token.delete", detail: "id \(token.id)") { db in try Store.deleteToken(id: token.id, in: db) }
            try controller.verifier.reloadTokens()
            return Reply.ok("Token deleted")
        }

        api.put("api_password") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/api_password", known: ["password"])
            let password = try Self.checkPassword(try body.string("password", required: true) ?? "", field: "password")
            let hash = try PasswordHash(password: password)
            try controller.commit(context.principal, "password.api") { db in
                try Store.setAccount(role: .api, username: "api", hash: hash, in: db)
            }
            controller.verifier.invalidate()
            return Reply.ok(["password_reset": "ok"])
        }
        api.put("admin_ui") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/admin_ui",
                                                     known: ["enabled", "admin_username", "admin_password"])
            let current = try controller.store.account(role: .ui)
            var username = current?.username ?? "vnscubed"
            if let name = try body.string("admin_username") {
                guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
                    throw APIError.argument("Field \"admin_username\" must be 1–64 letters, digits, '.', '_' or '-'")
                }
                username = name
            }
            let password = try body.string("admin_password").map { try Self.checkPassword($0, field: "admin_password") }
            var ui = try controller.store.get(.adminUI) ?? AdminUISettings()
            if let enabled = try body.bool("enabled") { ui.enabled = enabled }
            let hash = try password.map { try PasswordHash(password: $0) } ?? current?.hash
            try controller.commit(context.principal, "password.ui") { db in
                if let hash { try Store.setAccount(role: .ui, username: username, hash: hash, in: db) }
                try Store.set(.adminUI, ui, in: db)
            }
            controller.verifier.invalidate()
            // As a password change in the web UI does: end the UI's sessions (here all of them,
            // the API has none of its own), also when the UI was renamed or switched off.
            if password != nil || username != current?.username || !ui.enabled {
                controller.uiAccountChanged()
            }
            return Reply.ok(["enabled": .bool(ui.enabled), "username": .string(username)])
        }
    }

    func lookup(_ context: WeftRequestContext) throws -> APIToken {
        guard let text = context.parameters.get("id"), let id = Int(text) else { throw APIError.argument("Token id must be an integer") }
        guard let token = try controller.store.read({ db in try Store.token(id: id, in: db) }) else {
            throw APIError.notFound("No API token with id \(id)")
        }
        return token
    }

    static func checkPassword(_ password: String, field: String) throws -> String {
        guard password.count >= 8, password.count <= 256 else {
            throw APIError.argument("Field \"\(field)\" must be 8 to 256 characters long")
        }
        return password
    }
}
