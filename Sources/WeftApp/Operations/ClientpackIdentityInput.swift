import WeftModel

extension ClientpackIdentity.Change {
    /// The identity fields every clientpack write accepts.
    public static let fieldNames: Set<String> = ["owner", "description", "expires_at"]

    /// `owner`, `description` and `expires_at` of a `PUT /api/clientpack(s)` body or the UI's
    /// form: a missing field is left as it is; `expires_at: null` (or "") clears the expiry.
    public init(_ fields: InputFields) throws {
        self.init(owner: try fields.string("owner"), description: try fields.string("description"))
        switch fields.object["expires_at"] {
        case nil: break
        case .null?: expiresAt = .some(nil)
        case .string(let text)?: expiresAt = .some(try ClientpackIdentity.parseExpiry(text))
        case let other?:
            throw ValidationError(field: "expires_at",
                                  "Field \"expires_at\" of \(fields.endpoint) must be an RFC 3339 date-time string or null, got \(other.typeName)")
        }
        _ = try validated()
    }
}
