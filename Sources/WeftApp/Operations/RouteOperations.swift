import WeftModel
import WeftStore

/// The user's static routes: `POST /api/routes`, `PUT /api/routes/{id}/enable|disable`,
/// `DELETE /api/routes/{id}` and the UI's routes page. A route conflicting with another
/// enabled route, the overlay or a policy tunnel's remote subnet is refused.
extension Controller {
    public static let routeFields: Set<String> = ["cidr", "description", "interface", "gateway", "tunnel", "advertise", "metric", "table"]

    /// Adds a route; returns its id.
    @discardableResult
    public func createRoute(_ fields: InputFields, actor: String?) throws -> Int {
        var route = StaticRoute(id: 0, cidr: "")
        try Self.apply(fields, to: &route)
        let overlay = snapshot.topology?.subnet
        return try commit(actor, "routes.create", detail: route.cidr) { db -> Int in
            var config = try Store.get(.routes, in: db) ?? RouteConfig()
            let ipsec = try Store.get(.ipsec, in: db) ?? IpsecConfig()
            route.id = config.nextID
            try Self.checkRoute(route, config: config, ipsec: ipsec, overlay: overlay)
            config.nextID += 1
            config.routes.append(route)
            try Store.set(.routes, config, in: db)
            return route.id
        }
    }

    /// Enables (after the conflict check) or disables a route; returns it.
    @discardableResult
    public func setRouteEnabled(id: String?, _ enabled: Bool, actor: String?) throws -> StaticRoute {
        let overlay = snapshot.topology?.subnet
        return try commit(actor, "routes.\(enabled ? "enable" : "disable")", detail: id ?? "") { db -> StaticRoute in
            var config = try Store.get(.routes, in: db) ?? RouteConfig()
            let index = try Self.routeIndex(id, config)
            config.routes[index].enabled = enabled
            if enabled {
                try Self.checkRoute(config.routes[index], config: config, ipsec: try Store.get(.ipsec, in: db) ?? IpsecConfig(), overlay: overlay)
            }
            try Store.set(.routes, config, in: db)
            return config.routes[index]
        }
    }

    public func deleteRoute(id: String?, actor: String?) throws {
        try commit(actor, "routes.delete", detail: id ?? "") { db in
            var config = try Store.get(.routes, in: db) ?? RouteConfig()
            config.routes.remove(at: try Self.routeIndex(id, config))
            try Store.set(.routes, config, in: db)
        }
    }

    static func routeIndex(_ id: String?, _ config: RouteConfig) throws -> Int {
        guard let number = Int(id ?? ""), let index = config.routes.firstIndex(where: { $0.id == number }) else {
            throw ValidationError(.notFound, "No route \(id ?? "")")
        }
        return index
    }

    static func apply(_ body: InputFields, to route: inout StaticRoute) throws {
        let cidr = try body.string("cidr", required: true)!
        guard let network = IPv4Network(cidr.trimmed) else {
            throw ValidationError(.argument, "Field \"cidr\" must be a network in CIDR notation (a.b.c.d/n), got \"\(cidr)\"")
        }
        guard network.network == IPv4Address(cidr.trimmed.split(separator: "/")[0]) else {
            throw ValidationError(.argument, "Field \"cidr\": \(cidr) has host bits set; did you mean \(network)?")
        }
        route.cidr = cidr
        if let text = try body.string("description") { route.description = String(text.prefix(1024)) }
        if let interface = try body.string("interface") {
            guard interface == "_notset" || interface.isEmpty
                    || (interface.count <= 15 && interface.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })) else {
                throw ValidationError(.argument, "Field \"interface\" must be an interface name (e.g. eth0) or \"_notset\", got \"\(interface)\"")
            }
            route.interface = interface
        }
        if let gateway = try body.string("gateway") {
            if gateway != "_notset" && !gateway.isEmpty { guard let address = IPv4Address(gateway.trimmed), address.value != 0, address.value != UInt32.max else {
                throw ValidationError(field: "gateway", "Field \"gateway\" must be an IPv4 address, got \"\(gateway)\"")
            } }
            route.gateway = gateway
        }
        if body.has("tunnel") {
            guard let tunnel = try body.int("tunnel") else { throw ValidationError(.argument, "Field \"tunnel\" must be a tunnel id") }
            route.tunnel = tunnel
        }
        switch body.object["advertise"] {
        case .string(let text)?: route.advertiseText = text
        default: break
        }
        if let advertise = try body.bool("advertise") { route.advertise = advertise }
        if let metric = try body.int("metric") {
            guard (0...65535).contains(metric) else { throw ValidationError(.argument, "Field \"metric\" must be 0 to 65535, got \(metric)") }
            route.metric = metric
        }
        if let table = try body.string("table"), !table.isEmpty, table != "main" {
            throw ValidationError(.notSupported, "Field \"table\": only the main table is supported, got \"\(table)\"")
        }
        if route.tunnel != nil && (route.hasGateway || route.hasInterface) {
            throw ValidationError(.argument, "Field \"tunnel\": a route goes through a tunnel, an interface or a gateway, not several")
        }
        if route.hasGateway == false && route.hasInterface == false && route.tunnel == nil && !route.advertise {
            throw ValidationError(.argument, "Field \"interface\": a route needs an interface, a gateway or a tunnel (or \"advertise\": true to only announce it)")
        }
    }

    static func checkRoute(_ route: StaticRoute, config: RouteConfig, ipsec: IpsecConfig, overlay: IPv4Network?) throws {
        if let tunnel = route.tunnel {
            guard ipsec.tunnel(tunnel) != nil else {
                throw ValidationError(.argument, "Field \"tunnel\": there is no IPsec tunnel \(tunnel)")
            }
        }
        var reserved: [RouteConflicts.Reserved] = []
        if let overlay { reserved.append(.init(overlay, owner: "the overlay network")) }
        for endpoint in ipsec.endpoints where endpoint.vpnType == .policy {
            for tunnel in endpoint.tunnels where tunnel.id != route.tunnel {
                if let network = IPv4Network(tunnel.remoteSubnet) { reserved.append(.init(network, owner: "tunnel \(tunnel.id)'s remote subnet")) }
            }
        }
        if let conflict = RouteConflicts.check(route, against: config.routes.filter(\.enabled), reserved: reserved) {
            throw ValidationError(.conflict, "Field \"cidr\": \(conflict)")
        }
    }
}
