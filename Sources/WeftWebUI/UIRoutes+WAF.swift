import HTTPTypes
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftWAF

/// `/ui/waf`: the WAF — its status, the protected services (add, change mode, delete: the
/// API's own operations and checks), the latest events with top rules and top clients,
/// and the events as a JSON download.
extension UIRoutes {
    func registerWAF(_ router: Router<WeftRequestContext>) {
        page(router, "ui/waf") { call in wafPage(call, flash: call.request.query("done").map { .ok($0 == "deleted" ? "Service deleted." : "Service saved and in force.") }) }
        page(router, "ui/waf/events.json") { call in
            let events = controller.waf?.events(limit: WAFRuntime.keepEvents) ?? []
            return UIPage.file(JSONWriter.bytes(["events": .array(events.map(\.json))]), contentType: "application/json", filename: "waf-events.json")
        }
        action(router, "ui/waf/services") { call in
            let form = call.form
            var object = JSONObject()
            for key in ["name", "port", "mode", "paranoia", "tls_cert", "tls_key"] {
                if let v = form[key], !v.trimmed.isEmpty { object[key] = .string(v) }
            }
            // One backend URL a line (browsers send CRLF).
            let backends = (form["backend"] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmed }.filter { !$0.isEmpty }
            if !backends.isEmpty { object["backend"] = .array(backends.map { .string($0) }) }
            // One exclusion a line: RULE_ID [PATH_PREFIX].
            var exclusions: [JSONValue] = []
            for line in (form["exclusions"] ?? "").split(whereSeparator: \.isNewline) {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard let first = words.first else { continue }
                var e: JSONObject = ["rule_id": Int(first).map { .int($0) } ?? .string(String(first))]
                if words.count > 1 { e["path_prefix"] = .string(String(words[1])) }
                exclusions.append(.object(e))
            }
            if !exclusions.isEmpty { object["exclusions"] = .array(exclusions) }
            _ = await controller.facts.refresh()
            do {
                _ = try await controller.createWAFService(InputFields(object: object, endpoint: "POST /api/waf/services"), actor: call.context.principal)
                return UIPage.redirect("/ui/waf?done=saved")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return wafPage(call, flash: .error(refusal.message), status: refusal.status, form: form)
            }
        }
        action(router, "ui/waf/services/:name/mode") { call in
            let name = call.context.parameters.get("name") ?? ""
            do {
                _ = try await controller.updateWAFService(name, InputFields(object: ["mode": .string(call.form["mode"] ?? "")], endpoint: "PUT /api/waf/services/\(name)"),
                                                          actor: call.context.principal)
                return UIPage.redirect("/ui/waf?done=saved")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return wafPage(call, flash: .error(refusal.message), status: refusal.status)
            }
        }
        action(router, "ui/waf/services/:name/delete") { call in
            let name = call.context.parameters.get("name") ?? ""
            do {
                _ = try await controller.deleteWAFService(name, actor: call.context.principal)
                return UIPage.redirect("/ui/waf?done=deleted")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return wafPage(call, flash: .error(refusal.message), status: refusal.status)
            }
        }
    }

    func wafPage(_ call: UICall, flash: UIPage.Flash?, status: HTTPResponse.Status = .ok, form: UIForm? = nil) -> Response {
        let e = UIPage.escape
        let session = call.session
        let state = controller.waf?.status
        let services = controller.wafServices.services
        var html = "<h1>Web application firewall</h1>\n<p id=\"waf-status\">"
        if services.isEmpty {
            html += "No protected services: add one below (nginx, ModSecurity and the OWASP CRS in the WAF plugin)."
        } else if state?.running == true {
            html += "Running · \(services.count) service(s) · configuration \(e(state?.generation ?? ""))"
        } else {
            html += "Not running"
        }
        if let error = state?.error { html += " · <span class=\"error\">\(e(error))</span>" }
        html += "</p>\n"

        html += """
        <section class="card" aria-labelledby="services-title"><h2 id="services-title">Protected services</h2>
        <div class="table-wrap"><table id="waf-services" class="cards"><thead><tr><th scope="col">Name</th><th scope="col">Port</th><th scope="col">Backends</th><th scope="col">Mode</th><th scope="col">Paranoia</th><th scope="col">Exclusions</th><th scope="col">Actions</th></tr></thead><tbody>

        """
        if services.isEmpty { html += "<tr><td colspan=\"7\" class=\"muted\">None yet.</td></tr>" }
        for s in services {
            let other = s.mode == .block ? "detect" : "block"
            html += "<tr data-name=\"\(e(s.name))\"><td data-label=\"Name\">\(e(s.name))</td><td data-label=\"Port\">\(s.port)\(s.tls ? " (HTTPS)" : "")</td>"
            html += "<td data-label=\"Backends\">\(e(s.backends.map(\.description).joined(separator: ", ")))</td><td data-label=\"Mode\" class=\"mode\">\(s.mode.rawValue)</td>"
            html += "<td data-label=\"Paranoia\">\(s.paranoia)</td><td data-label=\"Exclusions\">\(e(s.exclusions.map { "\($0.ruleID)\($0.pathPrefix.map { " " + $0 } ?? "")" }.joined(separator: "; ")))</td><td class=\"actions\">"
            html += UIPage.button("/ui/waf/services/\(s.name)/mode", "Switch to \(other)", session: session, fields: [("mode", other)], label: "Switch \(s.name) to \(other)")
            html += UIPage.button("/ui/waf/services/\(s.name)/delete", "Delete", session: session, label: "Delete service \(s.name)", confirm: "Delete WAF service \(s.name)?")
            html += "</td></tr>\n"
        }
        let f = { (key: String, fallback: String) in e(form?[key] ?? fallback) }
        let mode = form?["mode"] ?? "block"
        let paranoia = form?["paranoia"] ?? "1"
        html += """
        </tbody></table></div>
        <form method="post" action="/ui/waf/services" id="waf-service-form">\(UIPage.csrfField(session))
        <label for="waf-name">Name</label><input id="waf-name" name="name" value="\(f("name", ""))" required>
        <label for="waf-port">Port on the controller</label><input id="waf-port" name="port" inputmode="numeric" value="\(f("port", ""))" required>
        <label for="waf-backend">Backends (one http://IP:PORT a line)</label><textarea id="waf-backend" name="backend" rows="3" spellcheck="false">\(f("backend", ""))</textarea>
        <label for="waf-mode">Mode</label><select id="waf-mode" name="mode"><option value="block"\(mode == "block" ? " selected" : "")>block (403)</option><option value="detect"\(mode == "detect" ? " selected" : "")>detect (log and alert only)</option></select>
        <label for="waf-paranoia">Paranoia level</label><select id="waf-paranoia" name="paranoia">\((1...4).map { "<option\(String($0) == paranoia ? " selected" : "")>\($0)</option>" }.joined())</select>
        <label for="waf-exclusions">Exclusions (one RULE_ID or RULE_ID /path-prefix a line)</label><textarea id="waf-exclusions" name="exclusions" rows="3" spellcheck="false">\(f("exclusions", ""))</textarea>
        <label for="waf-cert">TLS certificate (PEM, for HTTPS)</label><textarea id="waf-cert" name="tls_cert" rows="3" spellcheck="false">\(f("tls_cert", ""))</textarea>
        <label for="waf-key">TLS private key (PEM)</label><textarea id="waf-key" name="tls_key" rows="3" spellcheck="false"></textarea>
        <button type="submit">Add service</button></form></section>

        """

        let events = controller.waf?.events(limit: WAFRuntime.keepEvents) ?? []
        html += """
        <section class="card" aria-labelledby="events-title"><h2 id="events-title">Latest events</h2>
        <p><a href="/ui/waf/events.json" download>Export all events (JSON)</a></p>
        <div class="table-wrap"><table id="waf-events" class="cards"><thead><tr><th scope="col">Time</th><th scope="col">Service</th><th scope="col">Client</th><th scope="col">Request</th><th scope="col">Action</th><th scope="col">Score</th><th scope="col">Rules</th></tr></thead><tbody>

        """
        if events.isEmpty { html += "<tr><td colspan=\"7\" class=\"muted\">No events.</td></tr>" }
        for ev in events.prefix(50) {
            html += "<tr data-request-id=\"\(e(ev.requestID))\"><td data-label=\"Time\">\(e(Timestamps.vns3(Int(ev.time))))</td><td data-label=\"Service\">\(e(ev.service))</td>"
            html += "<td data-label=\"Client\">\(e(ev.clientIP))</td><td data-label=\"Request\"><code>\(e(ev.method)) \(e(String(ev.uri.prefix(120))))</code></td>"
            html += "<td data-label=\"Action\">\(ev.action.rawValue) (\(ev.status))</td><td data-label=\"Score\">\(ev.anomalyScore)</td>"
            html += "<td data-label=\"Rules\">\(e(ev.rules.map { "\($0.id)" }.joined(separator: ", ")))</td></tr>\n"
        }
        html += "</tbody></table></div></section>\n"
        if case .object(let summary) = WAFView.summary(events) {
            html += "<section class=\"card\" aria-labelledby=\"waf-top-title\"><h2 id=\"waf-top-title\">Top rules and clients</h2><div class=\"table-wrap\"><table id=\"waf-top-rules\"><thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">Events</th></tr></thead><tbody>"
            if case .array(let rules)? = summary["top_rules"] {
                for r in rules {
                    if case .int(let id)? = r["id"], case .string(let msg)? = r["msg"], case .int(let n)? = r["count"] {
                        html += "<tr><td>[\(id)] \(e(msg))</td><td>\(n)</td></tr>"
                    }
                }
            }
            html += "</tbody></table><table id=\"waf-top-clients\"><thead><tr><th scope=\"col\">Client</th><th scope=\"col\">Events</th></tr></thead><tbody>"
            if case .array(let clients)? = summary["top_clients"] {
                for c in clients {
                    if case .string(let ip)? = c["client_ip"], case .int(let n)? = c["count"] { html += "<tr><td>\(e(ip))</td><td>\(n)</td></tr>" }
                }
            }
            html += "</tbody></table></div></section>\n"
        }
        return UIPage.html(UIPage.frame(title: "WAF", body: html, session: session, current: "/ui/waf", flash: flash), status: status)
    }
}
