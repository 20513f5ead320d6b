import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore

/// `/ui/routes`: the routes as `GET /api/routes` lists them (the user's, then those learned
/// from eBGP peers, read-only), and create, enable/disable and delete through the API's own
/// checks and transactions: the route operations of `Controller`.
extension UIRoutes {
    static let routeMessages: [String: @Sendable (String) -> String] = [
        "created": { "Route \($0) created." },
        "enabled": { "Route \($0) enabled." },
        "disabled": { "Route \($0) disabled." },
        "deleted": { "Route \($0) deleted." },
    ]

    func registerRouting(_ router: Router<WeftRequestContext>) {
        page(router, "ui/routes") { call in
            await routesPage(call, flash: doneFlash(call, Self.routeMessages))
        }
        action(router, "ui/routes") { call in
            let body = call.form.requestFields(["cidr", "description", "interface", "gateway", "tunnel", "advertise", "metric"],
                                               required: ["cidr"], integers: ["tunnel", "metric"], booleans: ["advertise"],
                                               endpoint: "POST /api/routes")
            do {
                let id = try controller.createRoute(body, actor: call.context.principal)
                return UIPage.redirect("/ui/routes?done=created&id=\(id)")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return await routesPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status, form: call.form)
            }
        }
        for (verb, enabled) in [("enable", true), ("disable", false)] {
            action(router, "ui/routes/:route_id/\(verb)") { call in
                do {
                    try controller.setRouteEnabled(id: call.context.parameters.get("route_id"), enabled, actor: call.context.principal)
                } catch {
                    guard let refusal = Self.refusal(error) else { throw error }
                    return await routesPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
                }
                return UIPage.redirect("/ui/routes?done=\(verb)d&id=\(call.context.parameters.get("route_id") ?? "")")
            }
        }
        action(router, "ui/routes/:route_id/delete") { call in
            do {
                try controller.deleteRoute(id: call.context.parameters.get("route_id"), actor: call.context.principal)
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return await routesPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
            return UIPage.redirect("/ui/routes?done=deleted&id=\(call.context.parameters.get("route_id") ?? "")")
        }
    }

    func routesPage(_ call: UICall, flash: UIPage.Flash?, status: HTTPResponse.Status = .ok, form: UIForm? = nil) async -> Response {
        let e = UIPage.escape
        let session = call.session
        let table = await RouteView.table(controller)
        var html = """
        <h1>Routes</h1>
        <section class="card" aria-labelledby="routes-title"><h2 id="routes-title">Routing table</h2>
        <div class="table-wrap"><table id="routes" class="cards">
        <thead><tr><th scope="col">Id</th><th scope="col">Network</th><th scope="col">Next hop</th><th scope="col">Advertised</th><th scope="col">Metric</th><th scope="col">State</th><th scope="col">Description</th><th scope="col">Actions</th></tr></thead><tbody>

        """
        guard case .object(let routes) = table else { return UIPage.html("") }
        if routes.isEmpty { html += "<tr><td colspan=\"8\" class=\"muted\">No routes yet.</td></tr>" }
        for (key, route) in routes.entries {
            let learned = route["learned"] == .bool(true)
            let cidr = UIPage.jsonText(route["cidr"])
            var hops: [String] = []
            if case .int(let tunnel)? = route["tunnel"] { hops.append("tunnel \(tunnel)") }
            for field in ["interface", "gateway"] {
                let text = UIPage.jsonText(route[field])
                if !text.isEmpty && text != "_notset" { hops.append(field == "gateway" ? "via \(text)" : "dev \(text)") }
            }
            let enabled = route["enabled"] == .bool(true)
            html += "<tr data-route=\"\(e(key))\" data-cidr=\"\(e(cidr))\"\(learned ? " class=\"learned\"" : "")>"
            html += "<td data-label=\"Id\">\(learned ? "—" : e(key))</td><td data-label=\"Network\"><code>\(e(cidr))</code></td>"
            html += "<td data-label=\"Next hop\">\(e(hops.isEmpty ? "none (announce only)" : hops.joined(separator: ", ")))</td>"
            html += "<td data-label=\"Advertised\">\(e(UIPage.jsonText(route["advertise"])))</td><td data-label=\"Metric\">\(e(UIPage.jsonText(route["metric"])))</td>"
            html += "<td data-label=\"State\" class=\"state\">\(learned ? "learned (eBGP)" : (enabled ? "enabled" : "disabled"))</td>"
            html += "<td data-label=\"Description\">\(e(UIPage.jsonText(route["description"])))</td><td class=\"actions\">"
            if learned {
                html += "<span class=\"muted\">read-only</span>"
            } else {
                html += UIPage.button("/ui/routes/\(e(key))/\(enabled ? "disable" : "enable")", enabled ? "Disable" : "Enable", session: session,
                                      label: "\(enabled ? "Disable" : "Enable") route \(key) (\(cidr))")
                html += " " + UIPage.button("/ui/routes/\(e(key))/delete", "Delete", session: session, style: "danger",
                                            label: "Delete route \(key) (\(cidr))", confirm: "Delete route \(key) (\(cidr))?")
            }
            html += "</td></tr>\n"
        }
        html += "</tbody></table></div></section>\n"

        let value = { (name: String) in form?[name] }
        var tunnels = "<option value=\"\">none</option>"
        for endpoint in controller.snapshot.ipsec.endpoints {
            for tunnel in endpoint.tunnels {
                let chosen = value("tunnel") == String(tunnel.id) ? " selected" : ""
                tunnels += "<option value=\"\(tunnel.id)\"\(chosen)>\(tunnel.id): \(e(endpoint.name)) \(e(tunnel.localSubnet)) ↔ \(e(tunnel.remoteSubnet))</option>"
            }
        }
        html += """
        <section class="card" aria-labelledby="create-route-title"><h2 id="create-route-title">Create a route</h2>
        <p class="muted">A route goes through an interface, a gateway or an IPsec tunnel; with none of them it is only announced to eBGP peers (tick "advertise").</p>
        <form method="post" action="/ui/routes" id="route-form">\(UIPage.csrfField(session))
        <div class="grid2"><div>
        \(UIPage.field("route-cidr", "cidr", "Network (CIDR)", value: value("cidr"), hint: "e.g. 10.20.0.0/16", required: true))
        \(UIPage.field("route-interface", "interface", "Interface", value: value("interface"), hint: "e.g. eth1; leave empty for a gateway or tunnel"))
        \(UIPage.field("route-gateway", "gateway", "Gateway", value: value("gateway"), hint: "IPv4 next hop"))
        <label for="route-tunnel">IPsec tunnel</label>
        <select id="route-tunnel" name="tunnel">\(tunnels)</select>
        </div><div>
        \(UIPage.field("route-metric", "metric", "Metric", value: value("metric"), type: "number", hint: "0 to 65535", extra: "min=\"0\" max=\"65535\""))
        <input type="hidden" name="advertise" value="false"><label class="check"><input type="checkbox" id="route-advertise" name="advertise" value="true"\(value("advertise") == "true" ? " checked" : "")> Advertise to eBGP peers</label>
        \(UIPage.field("route-description", "description", "Description", value: value("description")))
        </div></div>
        <div class="row"><button type="submit" id="create-route">Create route</button></div>
        </form></section>
        """
        return UIPage.html(UIPage.frame(title: "Routes", body: html, session: session, current: "/ui/routes", flash: flash), status: status)
    }
}
