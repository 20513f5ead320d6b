import Crypto
import Foundation
import GRDB
import WeftModel

/// An API token (`api-token` header). Only a SHA-256 of the token is stored; the token
/// itself is shown once, when it is created.
public struct APIToken: Sendable, Equatable {
    public let id: Int
    public let name: String
    public let tokenHash: String
    public let hint: String
    public let lifetime: Int
    public let refreshes: Bool
    public let createdAt: Int
    public let createdIP: String
    public var expiresAt: Int
    public var expired: Bool
    public var lastAccessedAt: Int?
    public var lastAccessedIP: String?

    public func isValid(at now: Int) -> Bool { !expired && now < expiresAt }

    public static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Array(token.utf8)))
    }

    /// 32 random bytes, hex.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    init(row: Row) {
        id = row["id"]
        name = row["name"]
        tokenHash = row["token_hash"]
        hint = row["token_hint"]
        lifetime = row["lifetime"]
        refreshes = row["refreshes"]
        createdAt = row["created_at"]
        createdIP = row["created_ip"]
        expiresAt = row["expires_at"]
        expired = row["expired"]
        lastAccessedAt = row["last_accessed_at"]
        lastAccessedIP = row["last_accessed_ip"]
    }
}

extension Store {
    public static func insertToken(name: String, token: String, lifetime: Int, refreshes: Bool, createdIP: String,
                                   in db: Database) throws -> APIToken {
        let now = Store.now()
        try db.execute(sql: """
            INSERT INTO api_tokens (name, token_hash, token_hint, lifetime, refreshes, created_at, created_ip, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [name, APIToken.hash(token), String(token.prefix(6)), lifetime, refreshes, now, createdIP, now + lifetime])
        return try Store.token(id: Int(db.lastInsertedRowID), in: db)!
    }

    public static func token(id: Int, in db: Database) throws -> APIToken? {
        try Row.fetchOne(db, sql: "SELECT * FROM api_tokens WHERE id = ?", arguments: [id]).map(APIToken.init(row:))
    }

    public func tokens() throws -> [APIToken] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_tokens ORDER BY id").map(APIToken.init(row:)) }
    }

    public static func expireToken(id: Int, in db: Database) throws {
        try db.execute(sql: "UPDATE api_tokens SET expired = 1 WHERE id = ?", arguments: [id])
    }

    public static func deleteToken(id: Int, in db: Database) throws {
        try db.execute(sql: "DELETE FROM api_tokens WHERE id = ?", arguments: [id])
    }

    /// Records use of a token (bookkeeping: no generation bump).
    public func touchToken(id: Int, at: Int, ip: String, expiresAt: Int) throws {
        try writeBookkeeping { db in
            try db.execute(sql: "UPDATE api_tokens SET last_accessed_at = ?, last_accessed_ip = ?, expires_at = ? WHERE id = ?",
                           arguments: [at, ip, expiresAt, id])
        }
    }
}
