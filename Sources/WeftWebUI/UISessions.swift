import Crypto
import Foundation
import Synchronization
import WeftApp
import WeftHTTP
import WeftStore

/// One signed-in browser: who, since when, last seen, and the CSRF token its forms carry.
struct UISession: Sendable {
    let user: String
    let csrf: String
    let createdAt: Int
    var lastSeenAt: Int
}

/// The web UI's sessions, in memory only (a restart logs everyone out).
///
/// The browser holds a random 32-byte id in the `weft_session` cookie; the table is keyed
/// by its SHA-256, so the table never holds a usable cookie. A session ends after
/// `idleTimeout` seconds without a request or `absoluteTimeout` after login, whichever
/// comes first. `/api` never looks at this table.
final class UISessions: Sendable {
    static let cookieName = "weft_session"
    static let loginCookieName = "weft_login"
    static let maxSessions = 1024

    let idleTimeout: Int
    let absoluteTimeout: Int
    private let table = Mutex<[String: UISession]>([:])

    /// Timeouts default to 30 minutes idle and 12 hours absolute; the environment
    /// variables `WEFT_UI_SESSION_IDLE_SECONDS` and `WEFT_UI_SESSION_MAX_SECONDS`
    /// override them (tests use a short idle timeout).
    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        idleTimeout = environment["WEFT_UI_SESSION_IDLE_SECONDS"].flatMap { Int($0) }.map { max(1, $0) } ?? 30 * 60
        absoluteTimeout = environment["WEFT_UI_SESSION_MAX_SECONDS"].flatMap { Int($0) }.map { max(1, $0) } ?? 12 * 3600
    }

    enum Lookup {
        case valid(UISession)
        /// A cookie was presented but its session is gone (expired, logged out, restarted).
        case expired
        case none
    }

    /// Starts a session; returns the cookie value.
    func create(user: String, now: Int = Store.now()) -> String {
        let id = Self.randomToken()
        let session = UISession(user: user, csrf: Self.randomToken(), createdAt: now, lastSeenAt: now)
        table.withLock { sessions in
            if sessions.count >= Self.maxSessions { sessions = sessions.filter { !self.isExpired($0.value, now: now) } }
            if sessions.count >= Self.maxSessions, let oldest = sessions.min(by: { $0.value.lastSeenAt < $1.value.lastSeenAt })?.key {
                sessions[oldest] = nil
            }
            sessions[Self.key(id)] = session
        }
        return id
    }

    /// The session for a cookie value, touched (its idle clock restarts).
    func lookup(_ cookie: String?, now: Int = Store.now()) -> Lookup {
        guard let cookie, !cookie.isEmpty else { return .none }
        let key = Self.key(cookie)
        return table.withLock { sessions in
            guard var session = sessions[key] else { return .expired }
            if isExpired(session, now: now) {
                sessions[key] = nil
                return .expired
            }
            session.lastSeenAt = now
            sessions[key] = session
            return .valid(session)
        }
    }

    func end(_ cookie: String?) {
        guard let cookie else { return }
        table.withLock { $0[Self.key(cookie)] = nil }
    }

    /// Ends every session except `keep` (after the admin password changes).
    func endAll(except keep: String?) {
        let kept = keep.map(Self.key)
        table.withLock { sessions in sessions = sessions.filter { $0.key == kept } }
    }

    func isExpired(_ session: UISession, now: Int) -> Bool {
        now - session.lastSeenAt >= idleTimeout || now - session.createdAt >= absoluteTimeout
    }

    static func key(_ cookie: String) -> String {
        SHA256.hash(data: Array(cookie.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// 32 random bytes, base64url without padding (cookie- and form-safe).
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Constant-time comparison of two tokens.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count, !x.isEmpty else { return false }
        var difference: UInt8 = 0
        for (p, q) in zip(x, y) { difference |= p ^ q }
        return difference == 0
    }
}
