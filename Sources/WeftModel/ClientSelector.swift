/// One entry of a `clients` fwset: which clientpacks it names.
///
/// - `tag:KEY=VALUE` — the packs carrying that tag (`tag:team=engineering`)
/// - `owner:TEXT` — the packs whose owner is exactly TEXT (`owner:alice@example.com`)
/// - an IPv4 address — the pack with that overlay address (`100.127.255.195`)
///
/// A selector that matches no pack is valid: the set is then empty.
public enum ClientSelector: Sendable, Hashable, CustomStringConvertible {
    case tag(key: String, value: String)
    case owner(String)
    case address(IPv4Address)

    /// The hint shown when an entry is refused.
    public static let forms = "tag:KEY=VALUE, owner:NAME or an IPv4 overlay address"

    /// Parses one entry (surrounding spaces ignored); nil when it is none of the three forms.
    public init?(_ raw: String) {
        let text = raw.trimmed
        if text.hasPrefix("tag:") {
            let body = text.dropFirst(4)
            guard let equals = body.firstIndex(of: "=") else { return nil }
            let key = String(body[..<equals]), value = String(body[body.index(after: equals)...])
            guard !key.isEmpty, key.utf8.count <= 64, value.utf8.count <= 256 else { return nil }
            self = .tag(key: key, value: value)
        } else if text.hasPrefix("owner:") {
            let owner = String(text.dropFirst(6))
            guard !owner.isEmpty, owner.utf8.count <= ClientpackIdentity.maxOwner else { return nil }
            self = .owner(owner)
        } else if let address = IPv4Address(text) {
            self = .address(address)
        } else {
            return nil
        }
    }

    /// The canonical text, as stored.
    public var description: String {
        switch self {
        case .tag(let key, let value): "tag:\(key)=\(value)"
        case .owner(let owner): "owner:\(owner)"
        case .address(let address): address.description
        }
    }

    /// Whether the pack at `address` with `state` is named by this selector (enabled or not).
    public func matches(_ address: String, _ state: ClientpackState) -> Bool {
        switch self {
        case .tag(let key, let value): state.tags[key] == value
        case .owner(let owner): state.owner == owner
        case .address(let selected): selected.description == address
        }
    }
}
