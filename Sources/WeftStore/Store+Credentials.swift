import GRDB

/// The two local accounts VNS3 has: the API user and the web UI user.
public enum AccountRole: String, Sendable {
    case api
    case ui
}

public struct Account: Sendable, Equatable {
    public let username: String
    public let role: AccountRole
    public let hash: PasswordHash
    public let updatedAt: Int
}

extension Store {
    public func account(role: AccountRole) throws -> Account? {
        try read { db in try Store.account(role: role, in: db) }
    }

    public static func account(role: AccountRole, in db: Database) throws -> Account? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM credentials WHERE role = ?", arguments: [role.rawValue]) else {
            return nil
        }
        guard let hash = PasswordHash(encoded: row["hash"]) else { throw StoreError.corrupt("credential hash for \(role) is unreadable") }
        return Account(username: row["username"], role: role, hash: hash, updatedAt: row["updated_at"])
    }

    /// Replaces the account of `role` (username and password hash).
    public static func setAccount(role: AccountRole, username: String, hash: PasswordHash, in db: Database) throws {
        try db.execute(sql: "DELETE FROM credentials WHERE role = ?", arguments: [role.rawValue])
        try db.execute(sql: "INSERT INTO credentials (username, role, hash, updated_at) VALUES (?, ?, ?, ?)",
                       arguments: [username, role.rawValue, hash.encoded, Store.now()])
    }
}
