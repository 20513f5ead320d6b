import WeftModel

/// The replicated state of one clientpack: one register per field (nil: never written on
/// any controller, the default applies) and the grow-only set of revoked certificate serials.
public struct PackRecord: Sendable, Equatable, Codable {
    public var enabled: Register<EnabledFlag>?
    public var checkedOut: Register<Flag>?
    public var tags: Register<Tags>?
    public var owner: Register<Text>?
    public var description: Register<Text>?
    public var expiresAt: Register<Expiry>?
    /// The current key: a higher generation always wins (a regenerate is never undone), then
    /// the register order.
    public var key: Register<KeyGeneration>?
    /// Serials revoked by an operator or by a regenerate; only ever grows.
    public var revokedSerials: Set<String>
    /// Every key serial the pack has had on any controller; only ever grows. Each one but the
    /// current key's is refused (`refusedSerials`), so a key that lost a merge of concurrent
    /// regenerates is refused too. Three grow-only parts keep `merged` a lattice join.
    public var keySerials: Set<String> = []

    public init(enabled: Register<EnabledFlag>? = nil, checkedOut: Register<Flag>? = nil,
                tags: Register<Tags>? = nil, owner: Register<Text>? = nil,
                description: Register<Text>? = nil, expiresAt: Register<Expiry>? = nil,
                key: Register<KeyGeneration>? = nil, revokedSerials: Set<String> = []) {
        self.enabled = enabled
        self.checkedOut = checkedOut
        self.tags = tags
        self.owner = owner
        self.description = description
        self.expiresAt = expiresAt
        self.key = key
        self.revokedSerials = revokedSerials
    }

    public func merged(_ other: Self) -> Self {
        var out = PackRecord()
        out.enabled = merge(enabled, other.enabled)
        out.checkedOut = merge(checkedOut, other.checkedOut)
        out.tags = merge(tags, other.tags)
        out.owner = merge(owner, other.owner)
        out.description = merge(description, other.description)
        out.expiresAt = merge(expiresAt, other.expiresAt)
        out.key = Self.mergeKey(key, other.key)
        out.revokedSerials = revokedSerials.union(other.revokedSerials)
        out.keySerials = keySerials.union(other.keySerials)
        return out
    }

    /// The serials the data plane refuses: every revoked one, and every key serial but the
    /// current key's.
    public var refusedSerials: Set<String> {
        var refused = revokedSerials.union(keySerials)
        if let current = key?.value.serial, !revokedSerials.contains(current) { refused.remove(current) }
        return refused
    }

    static func mergeKey(_ a: Register<KeyGeneration>?, _ b: Register<KeyGeneration>?) -> Register<KeyGeneration>? {
        guard let a, let b else { return a ?? b }
        if a.value.generation != b.value.generation { return a.value.generation > b.value.generation ? a : b }
        return a.merged(b)
    }

    /// The pack as the data plane enforces it.
    public var state: ClientpackState {
        ClientpackState(enabled: enabled?.value.enabled ?? true, checkedOut: checkedOut?.value.value ?? false,
                        tags: tags?.value.value ?? [:], owner: owner?.value.value ?? "",
                        description: description?.value.value ?? "", expiresAt: expiresAt?.value.value)
    }

    /// The latest timestamp of any field (the pack's version).
    public var version: HybridTimestamp {
        [enabled?.stamp, checkedOut?.stamp, tags?.stamp, owner?.stamp, description?.stamp, expiresAt?.stamp, key?.stamp]
            .compactMap { $0 }.max() ?? .zero
    }

    public func encode(into writer: inout CanonicalWriter) {
        func field<V>(_ number: UInt8, _ register: Register<V>?) {
            guard let register else { writer.tag(0); return }
            writer.tag(number)
            register.encode(into: &writer)
        }
        field(1, enabled)
        field(2, checkedOut)
        field(3, tags)
        field(4, owner)
        field(5, description)
        field(6, expiresAt)
        field(7, key)
        writer.int(Int64(revokedSerials.count))
        for serial in revokedSerials.sorted() { writer.string(serial) }
        writer.int(Int64(keySerials.count))
        for serial in keySerials.sorted() { writer.string(serial) }
    }
}

/// A local write to one field of a pack, stamped by the local clock.
public enum PackChange: Sendable, Equatable {
    case enabled(Bool)
    case checkedOut(Bool)
    case tags([String: String])
    case owner(String)
    case description(String)
    case expiresAt(Int?)
    /// A regenerate: the new key's serial and its sealed material; the previous serial is revoked.
    case regenerated(serial: String, sealed: String = "")
    case revoked(serial: String)
}

extension PackRecord {
    public mutating func apply(_ change: PackChange, at stamp: HybridTimestamp) {
        switch change {
        case .enabled(let value): enabled = Register(EnabledFlag(value), at: stamp)
        case .checkedOut(let value): checkedOut = Register(Flag(value), at: stamp)
        case .tags(let value): tags = Register(Tags(value), at: stamp)
        case .owner(let value): owner = Register(Text(value), at: stamp)
        case .description(let value): description = Register(Text(value), at: stamp)
        case .expiresAt(let value): expiresAt = Register(Expiry(value), at: stamp)
        case .regenerated(let serial, let sealed):
            if let old = key?.value.serial { revokedSerials.insert(old) }
            key = Register(KeyGeneration(generation: (key?.value.generation ?? 0) + 1, serial: serial, sealed: sealed), at: stamp)
            keySerials.insert(serial)
        case .revoked(let serial): revokedSerials.insert(serial)
        }
    }
}
