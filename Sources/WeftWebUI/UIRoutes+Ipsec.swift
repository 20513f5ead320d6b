import Foundation
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftReconciler
import WeftStore

/// `/ui/ipsec`: endpoints and their tunnels with live state from charon, link history per
/// tunnel, and forms that go through the API's own validation (`IpsecInput`) and write path
/// (`Controller`'s IPsec operations), so a refusal reads exactly as the API's.
extension UIRoutes {

    static let ipsecMessages: [String: @Sendable (String) -> String] = [
        "endpoint-created": { "Endpoint \($0) created; charon is loading it." },
        "endpoint-deleted": { "Endpoint \($0) deleted." },
        "tunnel-created": { "Tunnel \($0) created." },
        "tunnel-enabled": { "Tunnel \($0) enabled." },
        "tunnel-disabled": { "Tunnel \($0) disabled." },
        "tunnel-deleted": { "Tunnel \($0) deleted." },
    ]

    func registerIpsec(_ router: Router<WeftRequestContext>) {
        page(router, "ui/ipsec") { call in
            ipsecPage(call, flash: doneFlash(call, Self.ipsecMessages))
        }
        page(router, "ui/fragments/ipsec-status") { _ in
            UIPage.html(ipsecStatus())
        }
        page(router, "ui/ipsec/tunnels/:tunnel_id/history") { call in
            guard let id = Int(call.context.parameters.get("tunnel_id") ?? ""), let found = controller.snapshot.ipsec.tunnel(id) else {
                throw ValidationError(.notFound, "No tunnel \(call.context.parameters.get("tunnel_id") ?? "")")
            }
            return UIPage.html(UIPage.frame(title: "Tunnel \(id) history", body: historyPage(found.endpoint, found.tunnel),
                                            session: call.session, current: "/ui/ipsec"))
        }
        action(router, "ui/ipsec/endpoints") { call in
            let body = call.form.requestFields(
                ["name", "ipaddress", "secret", "ike_version", "vpn_type", "nat_t_enabled", "pfs", "private_ipaddress", "extra_config",
                 "route_based_int_address", "route_based_local", "route_based_remote", "description"],
                required: ["name", "ipaddress", "secret"], integers: ["ike_version"], booleans: ["nat_t_enabled", "pfs"],
                endpoint: "POST /api/ipsec/endpoints")
            do {
                let created = try controller.createIpsecEndpoint(body, actor: call.context.principal)
                return UIPage.redirect("/ui/ipsec?done=endpoint-created&id=\(created.id)#endpoint-\(created.id)")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return ipsecPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status, endpointForm: call.form)
            }
        }
        action(router, "ui/ipsec/endpoints/:endpoint_id/delete") { call in
            do {
                try controller.deleteIpsecEndpoint(id: call.context.parameters.get("endpoint_id"), actor: call.context.principal)
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return ipsecPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
            return UIPage.redirect("/ui/ipsec?done=endpoint-deleted&id=\(call.context.parameters.get("endpoint_id") ?? "")")
        }
        action(router, "ui/ipsec/endpoints/:endpoint_id/tunnels") { call in
            let body = call.form.requestFields(["local_subnet", "remote_subnet", "description", "ping_ipaddress", "ping_interval"],
                                               required: ["local_subnet", "remote_subnet"], integers: ["ping_interval"],
                                               endpoint: "POST /api/ipsec/endpoints/{endpoint_id}/tunnels")
            do {
                let endpoint = try controller.addIpsecTunnel(endpointID: call.context.parameters.get("endpoint_id"), body, trafficPair: false,
                                                             actor: call.context.principal)
                let id = endpoint.tunnels.last?.id ?? 0
                return UIPage.redirect("/ui/ipsec?done=tunnel-created&id=\(id)#endpoint-\(call.context.parameters.get("endpoint_id") ?? "")")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return ipsecPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status,
                                 tunnelForm: (Int(call.context.parameters.get("endpoint_id") ?? "") ?? 0, call.form))
            }
        }
        action(router, "ui/ipsec/endpoints/:endpoint_id/tunnels/:tunnel_id/state") { call in
            guard let flag = call.form["enabled"], flag == "true" || flag == "false" else {
                throw ValidationError(.argument, "\"enabled\" must be true or false")
            }
            let enabled = flag == "true"
            do {
                _ = try controller.setIpsecTunnelEnabled(endpointID: call.context.parameters.get("endpoint_id"), tunnelID: call.context.parameters.get("tunnel_id"),
                                                         trafficPair: nil, enabled, actor: call.context.principal)
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return ipsecPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
            return UIPage.redirect("/ui/ipsec?done=tunnel-\(enabled ? "enabled" : "disabled")&id=\(call.context.parameters.get("tunnel_id") ?? "")")
        }
        action(router, "ui/ipsec/endpoints/:endpoint_id/tunnels/:tunnel_id/delete") { call in
            do {
                _ = try controller.deleteIpsecTunnel(endpointID: call.context.parameters.get("endpoint_id"), tunnelID: call.context.parameters.get("tunnel_id"),
                                                     trafficPair: nil, actor: call.context.principal)
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return ipsecPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
            return UIPage.redirect("/ui/ipsec?done=tunnel-deleted&id=\(call.context.parameters.get("tunnel_id") ?? "")")
        }
    }

    /// Connected or not, and why not (the same reasons as `GET /api/status/ipsec`).
    func tunnelState(_ endpoint: IpsecEndpoint, _ tunnel: IpsecTunnel, _ sa: TunnelSA?) -> (connected: Bool, reason: String) {
        if sa?.connected == true { return (true, "") }
        guard tunnel.enabled else { return (false, "disabled") }
        guard let ipsec = controller.ipsec else { return (false, "not applied: the controller runs with --no-apply") }
        return (false, ipsec.monitor.reason(endpoint: endpoint.id)
                    ?? sa.map { "IKE \($0.ikeState.lowercased()), child \($0.childState.lowercased())" } ?? "negotiating")
    }

    /// The live table (refreshed by app.js every 5 s): every tunnel's state and last link event.
    func ipsecStatus() -> String {
        let config = controller.snapshot.ipsec
        let tunnels = config.endpoints.flatMap { endpoint in endpoint.tunnels.map { (endpoint, $0) } }
        guard !tunnels.isEmpty else { return "<p class=\"muted\" id=\"ipsec-status-empty\">No tunnels yet.</p>" }
        let live = controller.ipsec?.liveTunnels() ?? [:]
        let e = UIPage.escape
        var html = """
        <div class="table-wrap"><table id="ipsec-status-table" class="cards">
        <thead><tr><th scope="col">Tunnel</th><th scope="col">Endpoint</th><th scope="col">Local ↔ remote</th><th scope="col">State</th><th scope="col">Details</th><th scope="col">Last change</th></tr></thead><tbody>
        """
        for (endpoint, tunnel) in tunnels {
            let sa = live[tunnel.id]
            let state = tunnelState(endpoint, tunnel, sa)
            let last = controller.ipsec?.monitor.history(tunnel: tunnel.id).last
            var details = state.reason
            if let sa, state.connected {
                details = "\(sa.ikeVersion), in \(UIPage.bytesText(sa.bytesIn)), out \(UIPage.bytesText(sa.bytesOut))\(sa.encapsulated ? ", NAT-T" : "")"
            }
            html += """
            <tr data-tunnel="\(tunnel.id)" data-state="\(state.connected ? "connected" : "down")">
            <td data-label="Tunnel">\(tunnel.id)\(tunnel.trafficPair ? " (pair)" : "")</td>
            <td data-label="Endpoint">\(e(endpoint.name))</td>
            <td data-label="Subnets"><span><code>\(e(tunnel.localSubnet))</code> ↔ <code>\(e(tunnel.remoteSubnet))</code></span></td>
            <td data-label="State" class="state"><span class="badge \(state.connected ? "ok" : "error")">\(state.connected ? "connected" : "down")</span></td>
            <td data-label="Details" class="reason">\(e(details))</td>
            <td data-label="Last change"><span>\(last.map { e("\($0.event), \(UIPage.timeText($0.time))") } ?? "—") <a href="/ui/ipsec/tunnels/\(tunnel.id)/history">history<span class="visually-hidden"> of tunnel \(tunnel.id)</span></a></span></td>
            </tr>

            """
        }
        return html + "</tbody></table></div>"
    }

    func ipsecPage(_ call: UICall, flash: UIPage.Flash?, status: HTTPResponse.Status = .ok,
                   endpointForm: UIForm? = nil, tunnelForm: (Int, UIForm)? = nil) -> Response {
        let config = controller.snapshot.ipsec
        let session = call.session
        let system = IpsecView.system(controller)
        let this = system["this_endpoint"]
        var html = "<h1>IPsec</h1>\n"
        html += "<section class=\"card\" aria-labelledby=\"this-title\"><h2 id=\"this-title\">This controller</h2>" + facts_([
            ("IPsec address", UIPage.jsonText(this?["ipsec_local_ipaddress"])),
            ("Public address", UIPage.jsonText(this?["ipaddress"])),
            ("ASN (eBGP)", UIPage.jsonText(this?["asn"])),
            ("ESP", UIPage.jsonText(this?["kernel_mode"])),
        ]) + "</section>\n"
        html += """
        <section class="card" aria-labelledby="status-title"><h2 id="status-title">Tunnel status</h2>
        <p class="muted">Live from charon; refreshes every 5 seconds.</p>
        <div id="ipsec-status" data-refresh="/ui/fragments/ipsec-status" aria-live="off">\(ipsecStatus())</div>
        </section>

        """
        html += "<h2>Endpoints</h2>\n"
        if config.endpoints.isEmpty { html += "<p class=\"muted\" id=\"no-endpoints\">No endpoints yet: create one below.</p>\n" }
        for endpoint in config.endpoints {
            html += endpointCard(endpoint, session: session, form: tunnelForm?.0 == endpoint.id ? tunnelForm?.1 : nil)
        }
        html += endpointForm_(session, form: endpointForm)
        return UIPage.html(UIPage.frame(title: "IPsec", body: html, session: session, current: "/ui/ipsec", flash: flash), status: status)
    }

    func endpointCard(_ endpoint: IpsecEndpoint, session: UISession, form: UIForm?) -> String {
        let e = UIPage.escape
        let id = endpoint.id
        var rows: [(String, String)] = [
            ("Remote address", endpoint.address + (endpoint.privateAddress.isEmpty ? "" : " (private \(endpoint.privateAddress))")),
            ("IKE", "IKEv\(endpoint.ikeVersion), NAT-T \(endpoint.natTraversal ? "on" : "off"), PFS \(endpoint.pfs ? "on" : "off")"),
            ("Type", endpoint.vpnType == .vti ? "route-based (vti)" : "policy-based"),
            ("Pre-shared key", "set (\(endpoint.psk.count) characters; not shown)"),
        ]
        if endpoint.vpnType == .vti {
            rows.append(("Link address", endpoint.linkAddress))
            rows.append(("Selectors", "\(endpoint.routeBasedLocal) ↔ \(endpoint.routeBasedRemote)"))
        }
        if !endpoint.extraConfig.isEmpty { rows.append(("Extra config", endpoint.extraConfig)) }
        if !endpoint.description.isEmpty { rows.append(("Description", endpoint.description)) }
        if !endpoint.bgpPeers.isEmpty {
            rows.append(("eBGP peers", endpoint.bgpPeers.map { "\($0.address) AS\($0.asn)" }.joined(separator: ", ")))
        }
        var html = """
        <section class="card endpoint" id="endpoint-\(id)" data-endpoint="\(id)" aria-labelledby="endpoint-\(id)-title">
        <h3 id="endpoint-\(id)-title">\(e(endpoint.name)) <span class="muted">(endpoint \(id))</span></h3>
        \(facts_(rows))
        <div class="table-wrap"><table class="cards tunnels"><thead><tr><th scope="col">Tunnel</th><th scope="col">Local subnet</th><th scope="col">Remote subnet</th><th scope="col">Enabled</th><th scope="col">Description</th><th scope="col">Actions</th></tr></thead><tbody>
        """
        if endpoint.tunnels.isEmpty { html += "<tr><td colspan=\"6\" class=\"muted\">No tunnels yet.</td></tr>" }
        for tunnel in endpoint.tunnels {
            let base = "/ui/ipsec/endpoints/\(id)/tunnels/\(tunnel.id)"
            html += "<tr data-tunnel=\"\(tunnel.id)\"><td data-label=\"Tunnel\">\(tunnel.id)\(tunnel.trafficPair ? " (pair)" : "")</td>"
            html += "<td data-label=\"Local\"><code>\(e(tunnel.localSubnet))</code></td><td data-label=\"Remote\"><code>\(e(tunnel.remoteSubnet))</code></td>"
            html += "<td data-label=\"Enabled\" class=\"enabled\">\(tunnel.enabled ? "yes" : "no")</td><td data-label=\"Description\">\(e(tunnel.description))</td>"
            html += "<td class=\"actions\">"
            html += UIPage.button("\(base)/state", tunnel.enabled ? "Disable" : "Enable", session: session,
                                  fields: [("enabled", tunnel.enabled ? "false" : "true")], label: "\(tunnel.enabled ? "Disable" : "Enable") tunnel \(tunnel.id)")
            if endpoint.vpnType == .policy {
                html += " " + UIPage.button("\(base)/delete", "Delete", session: session, style: "danger", label: "Delete tunnel \(tunnel.id)",
                                            confirm: "Delete tunnel \(tunnel.id) (\(tunnel.localSubnet) ↔ \(tunnel.remoteSubnet))?")
            }
            html += "</td></tr>\n"
        }
        html += "</tbody></table></div>\n"
        if endpoint.vpnType == .policy {
            let value = { (name: String) in form?[name] }
            html += """
            <details\(form != nil ? " open" : "")><summary>Add a tunnel</summary>
            <form method="post" action="/ui/ipsec/endpoints/\(id)/tunnels" class="tunnel-form">\(UIPage.csrfField(session))
            \(UIPage.field("t\(id)-local", "local_subnet", "Local subnet", value: value("local_subnet"), hint: "This side's network, e.g. 192.168.1.0/24", required: true))
            \(UIPage.field("t\(id)-remote", "remote_subnet", "Remote subnet", value: value("remote_subnet"), hint: "The remote site's network", required: true))
            \(UIPage.field("t\(id)-description", "description", "Description", value: value("description")))
            \(UIPage.field("t\(id)-ping", "ping_ipaddress", "Keepalive ping address (optional)", value: value("ping_ipaddress")))
            <div class="row"><button type="submit">Add tunnel</button></div>
            </form></details>

            """
        }
        html += "<div class=\"row\">" + UIPage.button("/ui/ipsec/endpoints/\(id)/delete", "Delete endpoint", session: session, style: "danger",
                                                     label: "Delete endpoint \(endpoint.name)",
                                                     confirm: "Delete endpoint \(endpoint.name) and its \(endpoint.tunnels.count) tunnel(s)?") + "</div>"
        return html + "</section>\n"
    }

    func endpointForm_(_ session: UISession, form: UIForm?) -> String {
        let value = { (name: String) in form?[name] }
        func selected(_ name: String, _ option: String, default fallback: String) -> String {
            (value(name) ?? fallback) == option ? " selected" : ""
        }
        func checked(_ name: String) -> String { (value(name) ?? "true") == "true" ? " checked" : "" }
        return """
        <section class="card" aria-labelledby="create-endpoint-title"><h2 id="create-endpoint-title">Create an endpoint</h2>
        <form method="post" action="/ui/ipsec/endpoints" id="endpoint-form">\(UIPage.csrfField(session))
        <div class="grid2"><div>
        \(UIPage.field("ep-name", "name", "Name", value: value("name"), required: true, extra: "maxlength=\"64\""))
        \(UIPage.field("ep-address", "ipaddress", "Remote gateway's public address", value: value("ipaddress"), hint: "IPv4, e.g. 203.0.113.7", required: true, extra: "inputmode=\"decimal\""))
        \(UIPage.field("ep-secret", "secret", "Pre-shared key", type: "password", hint: "8 to 255 characters", required: true, extra: "autocomplete=\"new-password\""))
        <label for="ep-ike">IKE version</label>
        <select id="ep-ike" name="ike_version"><option value="2"\(selected("ike_version", "2", default: "2"))>IKEv2</option><option value="1"\(selected("ike_version", "1", default: "2"))>IKEv1</option></select>
        <label for="ep-type">VPN type</label>
        <select id="ep-type" name="vpn_type"><option value="policy"\(selected("vpn_type", "policy", default: "policy"))>policy-based</option><option value="vti"\(selected("vpn_type", "vti", default: "policy"))>route-based (vti)</option></select>
        <input type="hidden" name="nat_t_enabled" value="false"><label class="check"><input type="checkbox" id="ep-natt" name="nat_t_enabled" value="true"\(checked("nat_t_enabled"))> NAT traversal</label>
        <input type="hidden" name="pfs" value="false"><label class="check"><input type="checkbox" id="ep-pfs" name="pfs" value="true"\(checked("pfs"))> Perfect forward secrecy</label>
        </div><div>
        \(UIPage.field("ep-private", "private_ipaddress", "Remote private address (when it is behind NAT)", value: value("private_ipaddress")))
        <label for="ep-extra">Extra configuration</label>
        <textarea id="ep-extra" name="extra_config" class="short" spellcheck="false" aria-describedby="ep-extra-hint">\(UIPage.escape(value("extra_config") ?? ""))</textarea>
        <p class="hint" id="ep-extra-hint">key=value options, separated by spaces or lines, e.g. <code>phase1=aes256-sha2_256-dh14</code>, <code>phase2=aes256-sha2_256</code> (or <code>phase2=aes256-sha2_256-dh14</code>: a DH group there is the PFS group), <code>dpd-delay=10</code>.</p>
        <fieldset><legend>Route-based (vti) only</legend>
        \(UIPage.field("ep-link", "route_based_int_address", "Link address (/30)", value: value("route_based_int_address"), hint: "e.g. 169.254.10.0/30 (this side takes the first host) or 169.254.10.1/30"))
        \(UIPage.field("ep-rb-local", "route_based_local", "Local selector", value: value("route_based_local"), hint: "default 0.0.0.0/0"))
        \(UIPage.field("ep-rb-remote", "route_based_remote", "Remote selector", value: value("route_based_remote"), hint: "default 0.0.0.0/0"))
        </fieldset>
        \(UIPage.field("ep-description", "description", "Description", value: value("description")))
        </div></div>
        <div class="row"><button type="submit" id="create-endpoint">Create endpoint</button></div>
        </form></section>
        """
    }

    func historyPage(_ endpoint: IpsecEndpoint, _ tunnel: IpsecTunnel) -> String {
        let e = UIPage.escape
        let history = controller.ipsec?.monitor.history(tunnel: tunnel.id) ?? []
        var html = """
        <h1>Tunnel \(tunnel.id): link history</h1>
        <p>\(e(endpoint.name)): <code>\(e(tunnel.localSubnet))</code> ↔ <code>\(e(tunnel.remoteSubnet))</code></p>
        <section class="card" aria-labelledby="history-title"><h2 id="history-title">Events, newest first</h2>
        """
        if history.isEmpty {
            html += "<p class=\"muted\" id=\"history-empty\">No up or down events since the controller started.</p>"
        } else {
            html += "<div class=\"table-wrap\"><table id=\"history\"><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Event</th></tr></thead><tbody>"
            for event in history.reversed() {
                html += "<tr><td>\(e(UIPage.timeText(event.time)))</td><td><span class=\"badge \(event.up ? "ok" : "error")\">\(e(event.event))</span></td></tr>"
            }
            html += "</tbody></table></div>"
        }
        return html + "</section><p><a href=\"/ui/ipsec#endpoint-\(endpoint.id)\">Back to IPsec</a></p>"
    }
}
