import Crypto
import Foundation
import Synchronization
import WeftStore

/// Checks API credentials: HTTP Basic against the stored PBKDF2 hash, and `api-token`
/// tokens against their stored SHA-256; and the web UI's admin password at login, under
/// the same failed-login throttle.
///
/// The slow hash runs once per distinct credential: a verified Basic credential is
/// remembered under an HMAC of the presented secret (keyed by a per-process random key,
/// so the cache never holds a password or a plain hash of one). Any password change
/// clears the cache.
public final class CredentialVerifier: Sendable {
    public struct TokenEntry: Sendable {
        public var token: APIToken
        public var persistedAt: Int
    }

    private let store: Store
    private let cacheKey = SymmetricKey(size: .bits256)
    private let verified = Mutex<Set<Data>>([])
    private let tokens = Mutex<[String: TokenEntry]>([:])
    private let failures = Mutex<[String: (count: Int, since: Int)]>([:])
    public static let cacheLimit = 256
    /// Failed credential checks allowed per client address per minute.
    public let failureLimit: Int

    public init(store: Store, failureLimit: Int = 20) throws {
        self.store = store
        self.failureLimit = failureLimit
        try reloadTokens()
    }

    /// Clears the verified-credential cache (call after any password change).
    public func invalidate() {
        verified.withLock { $0.removeAll() }
    }

    /// Re-reads tokens from the store (after create/expire/delete).
    public func reloadTokens() throws {
        let all = try store.tokens()
        tokens.withLock { table in
            table = Dictionary(uniqueKeysWithValues: all.map { ($0.tokenHash, TokenEntry(token: $0, persistedAt: $0.lastAccessedAt ?? 0)) })
        }
    }

    public enum Outcome: Equatable {
        case allowed(principal: String)
        case denied
        case throttled
    }

    /// Checks a Basic credential for the API account.
    public func verifyBasic(username: String, password: String, from ip: String) -> Outcome {
        let key = Data(HMAC<SHA256>.authenticationCode(for: Array("basic\0\(username)\0\(password)".utf8), using: cacheKey))
        if verified.withLock({ $0.contains(key) }) { return .allowed(principal: username) }
        if isThrottled(ip) { return .throttled }
        guard let account = try? store.account(role: .api), account.username == username, account.hash.verify(password) else {
            recordFailure(ip)
            return .denied
        }
        verified.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll() }
            cache.insert(key)
        }
        return .allowed(principal: username)
    }

    /// Checks the web UI (admin) account's password at login. Failures count in the same
    /// per-address table as the API's, so both share one throttle.
    public func verifyAdmin(username: String, password: String, from ip: String) -> Outcome {
        if isThrottled(ip) { return .throttled }
        guard let account = try? store.account(role: .ui), account.username == username, account.hash.verify(password) else {
            recordFailure(ip)
            return .denied
        }
        return .allowed(principal: "ui:\(account.username)")
    }

    /// Checks an `api-token` header; extends refreshing tokens and records last use.
    public func verifyToken(_ presented: String, from ip: String, now: Int = Store.now()) -> Outcome {
        let hash = APIToken.hash(presented)
        let result: (Outcome, APIToken?) = tokens.withLock { table in
            guard var entry = table[hash], entry.token.isValid(at: now) else { return (.denied, nil) }
            if entry.token.refreshes { entry.token.expiresAt = now + entry.token.lifetime }
            entry.token.lastAccessedAt = now
            entry.token.lastAccessedIP = ip
            var persist: APIToken?
            if now - entry.persistedAt >= 60 {
                entry.persistedAt = now
                persist = entry.token
            }
            table[hash] = entry
            return (.allowed(principal: "token:\(entry.token.id)"), persist)
        }
        if let token = result.1 {
            try? store.touchToken(id: token.id, at: now, ip: ip, expiresAt: token.expiresAt)
        }
        if result.0 == .denied {
            if isThrottled(ip) { return .throttled }
            recordFailure(ip)
        }
        return result.0
    }

    /// The in-memory view of a token (fresher than the store for last use and expiry).
    public func liveToken(id: Int) -> APIToken? {
        tokens.withLock { $0.values.first { $0.token.id == id }?.token }
    }

    private func isThrottled(_ ip: String, now: Int = Store.now()) -> Bool {
        failures.withLock { table in
            guard let entry = table[ip] else { return false }
            if now - entry.since >= 60 { table[ip] = nil; return false }
            return entry.count >= failureLimit
        }
    }

    private func recordFailure(_ ip: String, now: Int = Store.now()) {
        failures.withLock { table in
            if table.count > 4096 { table.removeAll() }
            if let entry = table[ip], now - entry.since < 60 {
                table[ip] = (entry.count + 1, entry.since)
            } else {
                table[ip] = (1, now)
            }
        }
    }
}
