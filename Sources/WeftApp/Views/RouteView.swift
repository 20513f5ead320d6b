import WeftModel

/// The routes as `GET /api/routes` shapes them: the user's, then those learned by eBGP.
public enum RouteView {
    public static func present(_ route: StaticRoute) -> JSONValue {
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

    public static func table(_ controller: Controller) async -> JSONValue {
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
