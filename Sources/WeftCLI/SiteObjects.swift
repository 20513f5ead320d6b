import WeftModel

/// The site file's object sections — `webhooks:`, `alerts:` and `ipsec:` (endpoints with
/// their `tunnels:` and `ebgp_peers:`) — each item a mapping of the fields the API takes
/// for it, keyed by name (tunnels by `local_subnet → remote_subnet`, peers by
/// `ipaddress`). Only the fields an item gives are managed: a field left out keeps the
/// controller's value, so a hand-written file stays short and `export` → `apply` plans
/// nothing. A section (or a `tunnels:`/`ebgp_peers:` list) that is present is the whole
/// truth for it: what it does not list is planned for removal.
public struct SiteObject: Equatable, Sendable {
    public var fields: JSONObject
    public var children: [String: [SiteObject]]

    public init(fields: JSONObject, children: [String: [SiteObject]] = [:]) {
        self.fields = fields
        self.children = children
    }

    public func key(_ kind: Kind) -> String {
        switch kind {
        case .tunnel: return "\(text("local_subnet")) → \(text("remote_subnet"))"
        case .ebgpPeer: return text("ipaddress")
        default: return text("name")
        }
    }

    public func text(_ field: String) -> String {
        if case .string(let value)? = fields[field] { return value }
        return ""
    }

    /// The kinds of object, their fields (as the API's POST takes them) and children.
    public enum Kind: String, Sendable, CaseIterable {
        case webhook, alert, endpoint, tunnel, ebgpPeer

        public var section: String {
            switch self {
            case .webhook: "webhooks"
            case .alert: "alerts"
            case .endpoint: "ipsec"
            case .tunnel: "tunnels"
            case .ebgpPeer: "ebgp_peers"
            }
        }

        public var fields: Set<String> {
            switch self {
            case .webhook: ["name", "url", "events", "body", "validate_cert", "custom_properties", "headers", "parameters"]
            case .alert: ["name", "url", "enabled", "events", "custom_properties", "webhook"]
            case .endpoint: ["name", "ipaddress", "secret", "description", "pfs", "ike_version", "nat_t_enabled", "extra_config",
                             "private_ipaddress", "vpn_type", "route_based_int_address", "route_based_local", "route_based_remote"]
            case .tunnel: ["local_subnet", "remote_subnet", "enabled", "description", "ping_ipaddress", "ping_interface", "ping_interval"]
            case .ebgpPeer: ["ipaddress", "asn", "local_asn_alias", "access_list", "bgp_password", "add_network_distance",
                             "add_network_distance_direction", "add_network_distance_hops", "hold_time", "keepalive_interval"]
            }
        }

        public var required: [String] {
            switch self {
            case .webhook: ["name", "url"]
            case .alert: ["name"]
            case .endpoint: ["name", "ipaddress", "secret"]
            case .tunnel: ["local_subnet", "remote_subnet"]
            case .ebgpPeer: ["ipaddress", "asn"]
            }
        }

        public var childKinds: [Kind] { self == .endpoint ? [.tunnel, .ebgpPeer] : [] }

        /// Fields never shown in a plan's detail.
        public var secrets: Set<String> { self == .endpoint ? ["secret"] : self == .ebgpPeer ? ["bgp_password"] : [] }
    }

    /// The fields of `desired` that differ from `running` (only those `desired` gives).
    public static func differences(_ running: SiteObject, _ desired: SiteObject, kind: Kind) -> [String] {
        desired.fields.keys.sorted().filter { running.fields[$0] != desired.fields[$0] }.map { field in
            kind.secrets.contains(field) ? "\(field) (changed)"
                : "\(field) \(running.fields[field].map(JSONWriter.string) ?? "-") → \(desired.fields[field].map(JSONWriter.string) ?? "-")"
        }
    }
}

extension SitePlan {
    /// Plans one object section (and, for IPsec endpoints present on both sides, their
    /// tunnels and eBGP peers as `ipsec NAME tunnels` / `ipsec NAME ebgp_peers`).
    mutating func objects(_ kind: SiteObject.Kind, running: [SiteObject], desired: [SiteObject], section: String? = nil) {
        let section = section ?? kind.section
        var have: [String: SiteObject] = [:]
        for item in running { have[item.key(kind)] = item }
        var wanted = Set<String>()
        for item in desired {
            let key = item.key(kind)
            wanted.insert(key)
            guard let old = have[key] else {
                record(section, .add, key, "")
                continue
            }
            let differences = SiteObject.differences(old, item, kind: kind)
            if !differences.isEmpty { record(section, .change, key, differences.joined(separator: ", ")) }
            for child in kind.childKinds {
                guard let list = item.children[child.section] else { continue }
                objects(child, running: old.children[child.section] ?? [], desired: list, section: "\(section) \(key) \(child.section)")
            }
        }
        for item in running where !wanted.contains(item.key(kind)) { record(section, .remove, item.key(kind), "") }
    }
}
