/// Who a clientpack is for and until when: the `owner`, `description` and `expires_at`
/// fields of `PUT /api/clientpack(s)`, their limits, the RFC 3339 form of the expiry and
/// the "expires in 3 d" text the UI shows.
public enum ClientpackIdentity {
    public static let maxOwner = 256
    public static let maxDescription = 1024

    /// A change to the identity fields; nil leaves a field as it is, `.some(nil)` on
    /// `expiresAt` clears the expiry.
    public struct Change: Sendable, Equatable {
        public var owner: String?
        public var description: String?
        public var expiresAt: Int??

        public init(owner: String? = nil, description: String? = nil, expiresAt: Int?? = nil) {
            self.owner = owner
            self.description = description
            self.expiresAt = expiresAt
        }

        public var isEmpty: Bool { owner == nil && description == nil && expiresAt == nil }

        /// Checks the lengths; throws naming the field.
        public func validated() throws -> Change {
            if let owner, owner.utf8.count > maxOwner || owner.contains(where: \.isNewline) {
                throw ValidationError(field: "owner", "Field \"owner\" must be one line of at most \(maxOwner) bytes")
            }
            if let description, description.utf8.count > maxDescription {
                throw ValidationError(field: "description", "Field \"description\" must be at most \(maxDescription) bytes")
            }
            return self
        }

        public func applied(to state: ClientpackState) -> ClientpackState {
            var state = state
            if let owner { state.owner = owner }
            if let description { state.description = description }
            if let expiresAt { state.expiresAt = expiresAt }
            return state
        }

        /// For the audit row: `owner="alice" expires_at=2026-12-05T00:00:00Z`.
        public var summary: String {
            var parts: [String] = []
            if let owner { parts.append("owner=\"\(owner)\"") }
            if let description { parts.append("description=\(description.utf8.count)B") }
            if let expiresAt { parts.append("expires_at=\(expiresAt.map(RFC3339.format) ?? "null")") }
            return parts.joined(separator: " ")
        }
    }

    /// `expires_at` as a caller sent it: an RFC 3339 date-time, or "" / nil for "never".
    public static func parseExpiry(_ text: String?) throws -> Int? {
        guard let text, !text.trimmed.isEmpty else { return nil }
        guard let seconds = RFC3339.parse(text.trimmed) else {
            throw ValidationError(field: "expires_at",
                                  "Field \"expires_at\" must be an RFC 3339 date-time such as 2026-12-31T23:59:59Z, or null; got \"\(text)\"")
        }
        return seconds
    }

    /// "expires in 3 d", "expires in 5 h", "expires in 40 s", "expired 2 h ago"; nil: never.
    public static func remaining(_ expiresAt: Int?, now: Int) -> String? {
        guard let expiresAt else { return nil }
        let delta = expiresAt - now
        let text = span(abs(delta))
        return delta > 0 ? "expires in \(text)" : "expired \(text) ago"
    }

    static func span(_ seconds: Int) -> String {
        if seconds >= 86_400 { return "\(seconds / 86_400) d" }
        if seconds >= 3_600 { return "\(seconds / 3_600) h" }
        if seconds >= 60 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }
}
