import WeftModel
import WeftStore

/// API tokens and the two accounts: shared by `POST/PUT/DELETE /api/access/token…`,
/// `PUT /api/api_password`, `PUT /api/admin_ui`, the UI's admin and passwords pages.
public struct NewToken: Sendable {
    public var lifetime: Int?
    public var name: String?
    public var refreshes: Bool?
    public init(lifetime: Int? = nil, name: String? = nil, refreshes: Bool? = nil) {
        self.lifetime = lifetime
        self.name = name
        self.refreshes = refreshes
    }
}

/// A change of the web UI's account; nil fields stay as they are.
public struct UIAccountChange: Sendable {
    public var enabled: Bool?
    public var username: String?
    public var password: String?
    public init(enabled: Bool? = nil, username: String? = nil, password: String? = nil) {
        self.enabled = enabled
        self.username = username
        self.password = password
    }
}

extension Controller {
    public static let maxTokenLifetime = 366 * 24 * 3600

    /// Creates a token; returns it with its secret (shown once).
    public func createToken(_ request: NewToken, actor: String?, from address: String) throws -> (token: APIToken, secret: String) {
        let lifetime = request.lifetime ?? 3600
        guard (1...Self.maxTokenLifetime).contains(lifetime) else {
            throw ValidationError(field: "expires", "Field \"expires\" must be between 1 and \(Self.maxTokenLifetime) seconds")
        }
        let name = request.name ?? ""
        guard name.count <= 128 else { throw ValidationError(field: "name", "Field \"name\" is longer than 128 characters") }
        let secret = APIToken.generate()
        let token = try commit(actor, "token.create", detail: name) { db in
            try Store.insertToken(name: name, token: secret, lifetime: lifetime, refreshes: request.refreshes ?? false, createdIP: address, in: db)
        }
        try verifier.reloadTokens()
        return (token, secret)
    }

    /// The token with this id (as the path gives it).
    public func token(id text: String?) throws -> APIToken {
        guard let text, let id = Int(text) else { throw ValidationError(field: "id", "Token id must be an integer") }
        guard let token = try store.read({ db in try Store.token(id: id, in: db) }) else {
            throw ValidationError(.notFound, "No API token with id \(id)")
        }
        return token
    }

    public func expireToken(_ token: APIToken, actor: String?) throws {
        try commit(actor, "token.expire", detail: "id \(token.id)") { db in try Store.expireToken(id: token.id, in: db) }
        try verifier.reloadTokens()
    }

    public func deleteToken(_ token: APIToken, actor: String?) throws {
        try commit(actor, "token.delete", detail: "id \(token.id)") { db in try Store.deleteToken(id: token.id, in: db) }
        try verifier.reloadTokens()
    }

    public static func checkPassword(_ password: String, field: String) throws -> String {
        guard password.count >= 8, password.count <= 256 else {
            throw ValidationError(field: field, "Field \"\(field)\" must be 8 to 256 characters long")
        }
        return password
    }

    /// Replaces the API password; the old one stops working at once.
    public func setAPIPassword(_ password: String, field: String = "password", actor: String?) throws {
        let hash = try PasswordHash(password: try Self.checkPassword(password, field: field))
        try commit(actor, "password.api") { db in try Store.setAccount(role: .api, username: "api", hash: hash, in: db) }
        verifier.invalidate()
    }

    /// Changes the web UI's account. The UI's sessions end when the password or the name
    /// changes or the UI is switched off (all of them, or all but `keepingSession` when the
    /// UI changed its own password: the UI passes `endSessions: false` and ends them itself).
    @discardableResult
    public func changeUIAccount(_ change: UIAccountChange, actor: String?, endSessions: Bool = true) throws -> (enabled: Bool, username: String) {
        let current = try store.account(role: .ui)
        var username = current?.username ?? "vnscubed"
        if let name = change.username {
            guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
                throw ValidationError(field: "admin_username", "Field \"admin_username\" must be 1–64 letters, digits, '.', '_' or '-'")
            }
            username = name
        }
        let password = try change.password.map { try Self.checkPassword($0, field: "admin_password") }
        var ui = try store.get(.adminUI) ?? AdminUISettings()
        if let enabled = change.enabled { ui.enabled = enabled }
        let hash = try password.map { try PasswordHash(password: $0) } ?? current?.hash
        try commit(actor, "password.ui") { db in
            if let hash { try Store.setAccount(role: .ui, username: username, hash: hash, in: db) }
            try Store.set(.adminUI, ui, in: db)
        }
        verifier.invalidate()
        if endSessions, password != nil || username != current?.username || !ui.enabled {
            uiAccountChanged()
        }
        return (ui.enabled, username)
    }
}
