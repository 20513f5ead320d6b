import Hummingbird
import WeftApp
import WeftModel
import WeftReconciler
import WeftStore
import WeftSystem

/// `/api/routes`: the user's routes, an object keyed by id strings, with `interface`,
/// `gateway` and `advertise` echoed exactly as sent; routes learned from eBGP peers are
/// listed too (keys `learned_N`, `"learned": true`, read-only).
struct RoutingRoutes {
    let controller: Controller

    static let fields: Set<String> = ["cidr", "description", "interface", "gateway", "tunnel", "advertise", "metric", "table"]

    func register(_ api: APIGroup) {
        let controller = self.controller
        api.get("routes") { request, _ in
            if let table = request.query("table"), table != "main" { return Reply.ok(.object(JSONObject())) }
            return Reply.ok(await Self.table(controller))
        }
        api.post("routes") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/routes", known: Self.fields)
            var route = StaticRoute(id: 0, cidr: "")
            try Self.apply(body, to: &route)
            let state = controller.snapshot
            try controller.commit(context.principal, "routes.create", detail: route.cidr) { db in
                var config = try Store.get(.routes, in: db) ?? RouteConfig()
                let ipsec = try Store.get(.ipsec, in: db) ?? IpsecConfig()
                route.id = config.nextID
                try Self.check(route, config: config, ipsec: ipsec, overlay: state.topology?.subnet)
                config.nextID += 1
                config.routes.append(route)
                try Store.set(.routes, config, in: db)
            }
            return Reply.ok(await Self.table(controller))
        }
        api.delete("routes/:route_id") { _, context in
            try controller.commit(context.principal, "routes.delete", detail: context.parameters.get("route_id") ?? "") { db in
                var config = try Store.get(.routes, in: db) ?? RouteConfig()
                let index = try Self.index(context, config)
                config.routes.remove(at: index)
                try Store.set(.routes, config, in: db)
            }
            return Reply.ok(await Self.table(controller))
        }
        for (verb, enabled) in [("enable", true), ("disable", false)] {
            api.put("routes/:route_id/\(verb)") { request, context in
                _ = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/routes/{route_id}/\(verb)", known: [])
                let state = controller.snapshot
                let route = try controller.commit(context.principal, "routes.\(verb)", detail: context.parameters.get("route_id") ?? "") { db -> StaticRoute in
                    var config = try Store.get(.routes, in: db) ?? RouteConfig()
                    let index = try Self.index(context, config)
                    config.routes[index].enabled = enabled
                    if enabled {
                        try Self.check(config.routes[index], config: config, ipsec: try Store.get(.ipsec, in: db) ?? IpsecConfig(),
                                       overlay: state.topology?.subnet)
                    }
                    try Store.set(.routes, config, in: db)
                    return config.routes[index]
                }
                return Reply.ok(Self.present(route))
            }
        }
    }

    static func index(_ context: WeftRequestContext, _ config: RouteConfig) throws -> Int {
        guard let id = Int(context.parameters.get("route_id") ?? ""), let index = config.routes.firstIndex(where: { $0.id == id }) else {
            throw APIError.notFound("No route \(context.parameters.get("route_id") ?? "")")
        }
        return index
    }

    static func apply(_ body: RequestFields, to route: inout StaticRoute) throws {
        let cidr = try body.string("cidr", required: true)!
        guard let network = IPv4Network(cidr.trimmed) else {
            throw APIError.argument("Field \"cidr\" must be a network in CIDR notation (a.b.c.d/n), got \"\(cidr)\"")
        }
        guard network.network == IPv4Address(cidr.trimmed.split(separator: "/")[0]) else {
            throw APIError.argument("Field \"cidr\": \(cidr) has host bits set; did you mean \(network)?")
        }
        route.cidr = cidr
        if let text = try body.string("description") { route.description = String(text.prefix(1024)) }
        if let interface = try body.string("interface") {
            guard interface == "_notset" || interface.isEmpty
                    || (interface.count <= 15 && interface.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })) else {
                throw APIError.argument("Field \"interface\" must be an interface name (e.g. eth0) or \"_notset\", got \"\(interface)\"")
            }
            route.interface = interface
        }
        if let gateway = try body.string("gateway") {
            if gateway != "_notset" && !gateway.isEmpty { _ = try IpsecInput.address(gateway, field: "gateway") }
            route.gateway = gateway
        }
        if body.has("tunnel") {
            guard let tunnel = try body.int("tunnel") else { throw APIError.argument("Field \"tunnel\" must be a tunnel id") }
            route.tunnel = tunnel
        }
        switch body.object["advertise"] {
        case .string(let text)?: route.advertiseText = text
        default: break
        }
        if let advertise = try body.bool("advertise") { route.advertise = advertise }
        if let metric = try body.int("metric") {
            guard (0...65535).contains(metric) else { throw APIError.argument("Field \"metric\" must be 0 to 65535, got \(metric)") }
            route.metric = metric
        }
        if let table = try body.string("table"), !table.isEmpty, table != "main" {
            throw APIError(.badRequest, "NotSupported", "Field \"table\": only the main table is supported, got \"\(table)\"")
        }
        if route.tunnel != nil && (route.hasGateway || route.hasInterface) {
            throw APIError.argument("Field \"tunnel\": a route goes through a tunnel, an interface or a gateway, not several")
        }
        if route.hasGateway == false && route.hasInterface == false && route.tunnel == nil && !route.advertise {
            throw APIError.argument("Field \"interface\": a route needs an interface, a gateway or a tunnel (or \"advertise\": true to only announce it)")
        }
    }

    static func check(_ route: StaticRoute, config: RouteConfig, ipsec: IpsecConfig, overlay: IPv4Network?) throws {
        if let tunnel = route.tunnel {
            guard ipsec.tunnel(tunnel) != nil else {
                throw APIError.argument("Field \"tunnel\": there is no IPsec tunnel \(tunnel)")
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
            throw APIError(.badRequest, "Conflict", "Field \"cidr\": \(conflict)")
        }
    }

    static func present(_ route: StaticRoute) -> JSONValue {
        var object: JSONObject = [
            "id": .int(route.id),
            "cidr": .string(route.cidr),
            "netmask": .string(route.network?.netmask.description ?? ""),
            "interface": .string(route.interface),
            "gateway": .string(route.gateway),
            "enabled": .bool(route.enabled),
            "description": .string(route.description),
            "advertise": route.advertiseText.map(JSONValue.string) ?? .bool(route.advertise),
            "metric": .int(route.metric),
            "table": .string(route.table),
            "editable": true,
        ]
        if let tunnel = route.tunnel { object["tunnel"] = .int(tunnel) }
        return .object(object)
    }

    static func table(_ controller: Controller) async -> JSONValue {
        var object = JSONObject()
        for route in controller.snapshot.routes.routes { object[String(route.id)] = present(route) }
        if let bird = controller.bird, bird.isRunning, let learned = try? await bird.control.bgpRoutes() {
            for (index, route) in learned.enumerated() {
                let network = IPv4Network(route.prefix)
                object["learned_\(index + 1)"] = [
                    "cidr": .string(route.prefix),
                    "netmask": .string(network?.netmask.description ?? ""),
                    "interface": .string(route.device ?? "_notset"),
                    "gateway": .string(route.gateway ?? "_notset"),
                    "enabled": true,
                    "description": .string("Learned by eBGP (\(route.protocolName))"),
                    "advertise": false,
                    "metric": 0,
                    "table": "main",
                    "learned": true,
                    "editable": false,
                ]
            }
        }
        return .object(object)
    }
}
