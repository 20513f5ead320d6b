import WeftCLI
import WeftModel

/// The running configuration of a controller, read through its API into a `SiteConfig`,
/// with the ids `apply` needs to remove what the file no longer lists.
struct RunningSite {
    var config = SiteConfig()
    var routeIDs: [String: Int] = [:]
    var objects = RunningObjects()

    static func read(_ client: APIClient) async throws -> RunningSite {
        var site = RunningSite()
        let config = try await client.json(.GET, "/api/config")
        var controller: [String: String] = [:]
        for key in SiteConfig.controllerKeys {
            if case .string(let text)? = config[key] { controller[key] = text } else { controller[key] = "" }
        }
        site.config.controller = controller
        site.config.rules = try await FirewallCommand.running(client)
        site.config.fwsets = Output.items(try await client.json(.GET, "/api/v2/firewall/fwsets")).map { set in
            SiteConfig.FirewallSetSpec(name: Output.text(set["name"]), type: Output.text(set["type"]),
                                       description: text(set["description"]),
                                       entries: Output.items(set["entries"]).map { .init(entry: text($0["entry"]), comment: text($0["comment"])) })
        }
        var routes: [SiteConfig.RouteSpec] = []
        for (_, value) in Output.entries(try await client.json(.GET, "/api/routes")) {
            guard value["learned"] != .bool(true), value["editable"] != .bool(false), case .int(let id)? = value["id"] else { continue }
            var route = SiteConfig.RouteSpec(cidr: text(value["cidr"]))
            route.description = text(value["description"])
            route.interface = text(value["interface"])
            route.gateway = text(value["gateway"])
            if case .int(let tunnel)? = value["tunnel"] { route.tunnel = tunnel }
            switch value["advertise"] {
            case .bool(let on)?: route.advertise = on
            case .string(let on)?: route.advertise = on == "true"
            default: break
            }
            if case .int(let metric)? = value["metric"] { route.metric = metric }
            route.table = text(value["table"]).isEmpty ? "main" : text(value["table"])
            site.routeIDs[route.key] = id
            routes.append(route)
        }
        site.config.routes = routes
        let peering = try await client.json(.GET, "/api/peering")
        site.config.peers = Output.entries(peering["managers"]).compactMap { _, entry in
            guard entry["peered"] == .bool(true), entry["self"] != .bool(true), case .int(let id)? = entry["id"] else { return nil }
            var mtu: Int?
            if case .int(let value)? = entry["overlay_mtu"] { mtu = value }
            return SiteConfig.PeerSpec(id: id, address: text(entry["address"]), mtu: mtu)
        }
        site.objects = try await RunningObjects.read(client)
        site.config.webhooks = site.objects.webhooks
        site.config.alerts = site.objects.alerts
        site.config.ipsec = site.objects.ipsec
        return site
    }

    static func text(_ value: JSONValue?) -> String {
        if case .string(let text)? = value { return text == "_notset" ? "" : text }
        return ""
    }
}
