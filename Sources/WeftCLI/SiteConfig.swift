/// A site's declarative configuration, `weft apply -f site.yaml` / `weft export`: the parts
/// of a controller an operator writes down. A section left out of the file is not managed
/// (nothing in it is changed or removed); a section present is the whole truth for that
/// section, so what the file does not list is planned for removal.
public struct SiteConfig: Equatable, Sendable {
    public static let version = 1

    /// `controller:` — the names and NTP hosts (`PUT /api/config`).
    public var controller: [String: String]?
    /// `firewall.rules:` — the rule list, in order (`PUT /api/firewall`).
    public var rules: [String]?
    /// `firewall.fwsets:` — named sets (`/api/v2/firewall/fwsets`).
    public var fwsets: [FirewallSetSpec]?
    /// `routes:` — static routes (`/api/routes`); learned ones are never listed.
    public var routes: [RouteSpec]?
    /// `peers:` — the controller mesh (`/api/peering/peers`).
    public var peers: [PeerSpec]?
    /// `webhooks:` — webhook integrations (`/api/webhook`), by name.
    public var webhooks: [SiteObject]?
    /// `alerts:` — alerts (`/api/alert`), by name; `webhook:` names a webhook.
    public var alerts: [SiteObject]?
    /// `ipsec:` — IPsec endpoints (`/api/ipsec/endpoints`) by name, each with `tunnels:` and
    /// `ebgp_peers:`.
    public var ipsec: [SiteObject]?

    public init() {}

    public static let controllerKeys = ["topology_name", "controller_name", "ntp_hosts"]

    public struct FirewallSetSpec: Equatable, Sendable {
        public var name: String
        public var type: String
        public var description: String
        public var entries: [Entry]
        public struct Entry: Equatable, Sendable {
            public var entry: String
            public var comment: String
            public init(entry: String, comment: String = "") {
                self.entry = entry
                self.comment = comment
            }
        }
        public init(name: String, type: String, description: String = "", entries: [Entry] = []) {
            self.name = name
            self.type = type
            self.description = description
            self.entries = entries
        }
    }

    public struct RouteSpec: Equatable, Sendable {
        public var cidr: String
        public var description = ""
        public var interface = ""
        public var gateway = ""
        public var tunnel: Int?
        public var advertise = false
        public var metric = 0
        public var table = "main"
        public init(cidr: String) { self.cidr = cidr }

        /// What makes two routes the same route: the destination and the way there.
        public var key: String {
            "\(cidr) via " + (tunnel.map { "tunnel \($0)" } ?? (gateway.isEmpty ? "" : gateway) + (interface.isEmpty ? "" : " dev \(interface)"))
        }
    }

    public struct PeerSpec: Equatable, Sendable {
        public var id: Int
        public var address: String
        public var mtu: Int?
        public init(id: Int, address: String, mtu: Int? = nil) {
            self.id = id
            self.address = address
            self.mtu = mtu
        }
    }
}
