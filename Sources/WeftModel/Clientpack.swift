/// What the operator has set on one clientpack (the per-client credentials of one overlay
/// address). Key material lives in the keyset; this is only the lifecycle state and who the
/// pack is for (`owner`, `description`, `expiresAt`: see `ClientpackIdentity`).
public struct ClientpackState: Codable, Sendable, Equatable {
    public var enabled: Bool
    public var checkedOut: Bool
    public var tags: [String: String]
    /// Free text naming who the pack is for (a person's name or email); "" when unset.
    public var owner: String
    public var description: String
    /// Unix seconds after which the pack is disabled; nil: never.
    public var expiresAt: Int?

    public init(enabled: Bool = true, checkedOut: Bool = false, tags: [String: String] = [:],
                owner: String = "", description: String = "", expiresAt: Int? = nil) {
        self.enabled = enabled
        self.checkedOut = checkedOut
        self.tags = tags
        self.owner = owner
        self.description = description
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey { case enabled, checkedOut, tags, owner, description, expiresAt }

    /// Stores and snapshots written before the identity fields read as "no owner, never expires".
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try container.decode(Bool.self, forKey: .enabled)
        checkedOut = try container.decode(Bool.self, forKey: .checkedOut)
        tags = try container.decodeIfPresent([String: String].self, forKey: .tags) ?? [:]
        owner = try container.decodeIfPresent(String.self, forKey: .owner) ?? ""
        description = try container.decodeIfPresent(String.self, forKey: .description) ?? ""
        expiresAt = try container.decodeIfPresent(Int.self, forKey: .expiresAt)
    }

    /// Past its expiry at `now` (unix seconds).
    public func expired(at now: Int) -> Bool { expiresAt.map { now >= $0 } ?? false }
}

/// Lifecycle state of every clientpack that differs from the default, keyed by overlay IP.
public struct ClientpackStates: Codable, Sendable, Equatable {
    public var byAddress: [String: ClientpackState]
    /// TLS client certificates replaced by a regenerate: refused at every OpenVPN handshake.
    public var revoked: [RevokedCertificate]

    public struct RevokedCertificate: Codable, Sendable, Equatable {
        /// Decimal serial number, as OpenVPN's `tls_serial_0` shows it.
        public var serial: String
        public var name: String
        public var revokedAt: Int
        public init(serial: String, name: String, revokedAt: Int) {
            self.serial = serial
            self.name = name
            self.revokedAt = revokedAt
        }
    }

    public init(byAddress: [String: ClientpackState] = [:], revoked: [RevokedCertificate] = []) {
        self.byAddress = byAddress
        self.revoked = revoked
    }

    enum CodingKeys: String, CodingKey { case byAddress, revoked }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        byAddress = try container.decode([String: ClientpackState].self, forKey: .byAddress)
        revoked = try container.decodeIfPresent([RevokedCertificate].self, forKey: .revoked) ?? []
    }

    public func state(_ address: String) -> ClientpackState { byAddress[address] ?? ClientpackState() }
}

/// Clientpack names: the overlay IP with underscores (`100_127_255_193`); the API accepts
/// the dotted form too.
public enum ClientpackName {
    public static func name(_ address: IPv4Address) -> String {
        address.description.split(separator: ".").joined(separator: "_")
    }

    public static func address(_ name: String) -> IPv4Address? {
        IPv4Address(name) ?? IPv4Address(name, underscores: true)
    }
}
