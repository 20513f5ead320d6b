import HTTPTypes
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel

/// `/ui/ids`: the built-in IDS — status (mode, fail-open or fail-closed), the latest
/// alerts with filters, top signatures and top sources, the rule editor (the API's own
/// atomic check: a bad rule set is refused with its line and the running rules stay;
/// browsers' CRLF accepted) and per-rule hit counts with a switch per rule.
extension UIRoutes {
    func registerIDS(_ router: Router<WeftRequestContext>) {
        page(router, "ui/ids") { call in idsPage(call, flash: call.request.query("done") == "rules" ? .ok("Rules saved and active.") : nil) }
        action(router, "ui/ids/rules") { call in
            let text = call.form["rules"] ?? ""
            _ = await controller.facts.refresh()
            do {
                _ = try controller.setIDSRules(text, actor: call.context.principal)
                return UIPage.redirect("/ui/ids?done=rules")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return idsPage(call, flash: .error(refusal.message), status: refusal.status, editor: text)
            }
        }
        action(router, "ui/ids/rules/:sid/:verb") { call in
            let sid = call.context.parameters.get("sid") ?? ""
            let enabled = call.context.parameters.get("verb") == "enable"
            do {
                try controller.setIDSRuleEnabled(sid: sid, InputFields(object: ["enabled": .bool(enabled)], endpoint: "PUT /api/ids/rules/\(sid)"),
                                                 actor: call.context.principal)
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return idsPage(call, flash: .error(refusal.message), status: refusal.status)
            }
            return UIPage.redirect("/ui/ids")
        }
    }

    func idsPage(_ call: UICall, flash: UIPage.Flash?, status: HTTPResponse.Status = .ok, editor: String? = nil) -> Response {
        let e = UIPage.escape
        let session = call.session
        let config = controller.idsConfig
        let state = controller.ids?.status
        var html = "<h1>Intrusion detection</h1>\n<p id=\"ids-status\">"
        if config.enabled, state?.running == true {
            html += "Running <strong>\(config.mode.rawValue)</strong> on \(e(config.interfaces.joined(separator: ", ")))"
            if config.mode == .inline {
                html += config.failOpen ? " · <strong>fail-open</strong>: traffic passes if the engine stops"
                                        : " · <strong>fail-closed</strong>: traffic is dropped if the engine stops"
            }
        } else {
            html += config.enabled ? "Enabled, not running" : "Off (<code>PUT /api/ids {\"enabled\": true}</code> starts it)"
        }
        if let error = state?.error { html += " · <span class=\"error\">\(e(error))</span>" }
        html += "</p>\n"

        let sidFilter = call.request.query("sid").flatMap { UInt32($0) }
        let srcFilter = call.request.query("src").flatMap { $0.isEmpty ? nil : $0 }
        let all = controller.ids?.alerts(limit: IDSService.keepAlerts) ?? []
        let shown = all.filter { (sidFilter == nil || $0.sid == sidFilter) && (srcFilter == nil || $0.src == srcFilter) }.prefix(50)
        html += """
        <section class="card" aria-labelledby="alerts-title"><h2 id="alerts-title">Latest alerts</h2>
        <form method="get" action="/ui/ids" class="inline"><label for="f-sid">Signature id</label><input id="f-sid" name="sid" value="\(e(sidFilter.map(String.init) ?? ""))">
        <label for="f-src">Source</label><input id="f-src" name="src" value="\(e(srcFilter ?? ""))"><button type="submit" class="secondary">Filter</button></form>
        <div class="table-wrap"><table id="ids-alerts" class="cards"><thead><tr><th scope="col">Time</th><th scope="col">Signature</th><th scope="col">Source</th><th scope="col">Destination</th></tr></thead><tbody>

        """
        if shown.isEmpty { html += "<tr><td colspan=\"4\" class=\"muted\">No alerts.</td></tr>" }
        for a in shown {
            html += "<tr data-sid=\"\(a.sid)\"><td data-label=\"Time\">\(e(Timestamps.vns3(Int(a.time))))</td><td data-label=\"Signature\">[\(a.sid)] \(e(a.msg))</td>"
            html += "<td data-label=\"Source\">\(e(a.src))</td><td data-label=\"Destination\">\(e(a.dest))</td></tr>\n"
        }
        html += "</tbody></table></div></section>\n"

        var bySig: [UInt32: (msg: String, n: Int)] = [:]
        var bySrc: [String: Int] = [:]
        for a in all { bySig[a.sid, default: (a.msg, 0)].n += 1; bySrc[a.src, default: 0] += 1 }
        html += "<section class=\"card\" aria-labelledby=\"top-title\"><h2 id=\"top-title\">Top signatures and sources</h2><div class=\"table-wrap\"><table id=\"ids-top-signatures\"><thead><tr><th scope=\"col\">Signature</th><th scope=\"col\">Alerts</th></tr></thead><tbody>"
        for (sid, v) in bySig.sorted(by: { $0.value.n > $1.value.n || ($0.value.n == $1.value.n && $0.key < $1.key) }).prefix(10) {
            html += "<tr><td><a href=\"/ui/ids?sid=\(sid)\">[\(sid)] \(e(v.msg))</a></td><td>\(v.n)</td></tr>"
        }
        html += "</tbody></table><table id=\"ids-top-sources\"><thead><tr><th scope=\"col\">Source</th><th scope=\"col\">Alerts</th></tr></thead><tbody>"
        for (src, n) in bySrc.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }).prefix(10) {
            html += "<tr><td><a href=\"/ui/ids?src=\(UIPage.urlComponent(src))\">\(e(src))</a></td><td>\(n)</td></tr>"
        }
        html += "</tbody></table></div></section>\n"

        html += """
        <section class="card" aria-labelledby="rules-title"><h2 id="rules-title">Rules</h2>
        <div class="table-wrap"><table id="ids-rules" class="cards"><thead><tr><th scope="col">sid</th><th scope="col">rev</th><th scope="col">Message</th><th scope="col">Action</th><th scope="col">Hits</th><th scope="col">Enabled</th></tr></thead><tbody>

        """
        let rows = IDSView.ruleRows(controller)
        if rows.isEmpty { html += "<tr><td colspan=\"6\" class=\"muted\">No rules yet.</td></tr>" }
        for r in rows {
            html += "<tr data-sid=\"\(r.sid)\"><td data-label=\"sid\">\(r.sid)</td><td data-label=\"rev\">\(r.rev)</td><td data-label=\"Message\">\(e(r.msg))</td>"
            html += "<td data-label=\"Action\">\(e(r.action))</td><td data-label=\"Hits\" class=\"hits\">\(r.hits)</td><td class=\"actions\">"
            html += UIPage.button("/ui/ids/rules/\(r.sid)/\(r.enabled ? "disable" : "enable")", r.enabled ? "Disable" : "Enable", session: session,
                                  label: "\(r.enabled ? "Disable" : "Enable") rule \(r.sid)")
            html += "</td></tr>\n"
        }
        html += """
        </tbody></table></div>
        <form method="post" action="/ui/ids/rules" id="ids-rules-form">\(UIPage.csrfField(session))
        <label for="ids-rules-text">Rule text (Suricata format, one rule a line; the whole set is checked before it replaces the running one)</label>
        <textarea id="ids-rules-text" name="rules" rows="14" spellcheck="false">\(e(editor ?? controller.idsRuleText.text))</textarea>
        <button type="submit">Save rules</button></form></section>
        """
        return UIPage.html(UIPage.frame(title: "IDS", body: html, session: session, current: "/ui/ids", flash: flash), status: status)
    }
}
