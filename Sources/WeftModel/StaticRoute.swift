/// A route the user created (`/api/routes`). `interface`, `gateway` and `advertise` are
/// kept exactly as sent ("_notset", "False"): the SDK compares them by equality to find
/// routes it created before.
public struct StaticRoute: Codable, Sendable, Equatable {
    public var id: Int
    public var cidr: String
    public var interface: String
    public var gateway: String
    public var tunnel: Int?
    public var enabled: Bool
    public var description: String
    public var advertise: Bool
    /// The `advertise` value when it was sent as a string ("False").
    public var advertiseText: String?
    public var metric: Int
    public var table: String

    public init(id: Int, cidr: String, interface: String = "_notset", gateway: String = "_notset", tunnel: Int? = nil,
                enabled: Bool = true, description: String = "", advertise: Bool = false, advertiseText: String? = nil,
                metric: Int = 0, table: String = "main") {
        self.id = id
        self.cidr = cidr
        self.interface = interface
        self.gateway = gateway
        self.tunnel = tunnel
        self.enabled = enabled
        self.description = description
        self.advertise = advertise
        self.advertiseText = advertiseText
        self.metric = metric
        self.table = table
    }

    public var network: IPv4Network? { IPv4Network(cidr) }
    public var hasInterface: Bool { !interface.isEmpty && interface != "_notset" }
    public var hasGateway: Bool { !gateway.isEmpty && gateway != "_notset" }
    /// A route with no next hop only advertises its network (to BGP peers).
    public var isAdvertisementOnly: Bool { !hasInterface && !hasGateway && tunnel == nil }
}

public struct RouteConfig: Codable, Sendable, Equatable {
    public var nextID: Int
    public var routes: [StaticRoute]
    public init(nextID: Int = 1, routes: [StaticRoute] = []) {
        self.nextID = nextID
        self.routes = routes
    }
}

/// Detects routes that cannot both be in force: the same destination, metric and table
/// through a different next hop (the kernel would keep only one), an exact duplicate, or a
/// route that would take the overlay or a tunnel's own subnets elsewhere.
public enum RouteConflicts {
    public struct Reserved: Sendable {
        public let network: IPv4Network
        public let owner: String
        public init(_ network: IPv4Network, owner: String) {
            self.network = network
            self.owner = owner
        }
    }

    public static func check(_ route: StaticRoute, against existing: [StaticRoute], reserved: [Reserved]) -> String? {
        guard let network = route.network else { return "cidr \(route.cidr) is not a network" }
        for other in existing where other.id != route.id && other.table == route.table && other.metric == route.metric {
            guard let otherNetwork = other.network, otherNetwork == network else { continue }
            let same = other.interface == route.interface && other.gateway == route.gateway && other.tunnel == route.tunnel
            if same && other.advertise == route.advertise {
                return "route \(route.cidr) duplicates route \(other.id)"
            }
            if route.isAdvertisementOnly || other.isAdvertisementOnly { continue }
            if !same {
                return "route \(route.cidr) (metric \(route.metric)) conflicts with route \(other.id), which sends the same network elsewhere; use another metric"
            }
        }
        if !route.isAdvertisementOnly {
            for entry in reserved where entry.network.overlaps(network) && network.prefixLength >= entry.network.prefixLength {
                return "route \(route.cidr) lies inside \(entry.owner) \(entry.network), which the controller routes itself"
            }
        }
        return nil
    }
}
