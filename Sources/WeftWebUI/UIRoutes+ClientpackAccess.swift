import Foundation
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftReconciler

/// The clientpack page's identity and access parts: owner, description and expiry (an
/// editable form, "expires in 3 d"), the client groups the pack is in, and the firewall
/// rules that apply to it with their hit counters.
extension UIRoutes {
    func registerClientpackAccess(_ router: Router<WeftRequestContext>) {
        action(router, "ui/clientpacks/:name/identity") { call in
            let (address, _) = try packAddress(call)
            var object = JSONObject()
            for field in ["owner", "description"] { if let value = call.form[field] { object[field] = .string(value) } }
            if let expiry = call.form["expires_at"] { object["expires_at"] = expiry.trimmed.isEmpty ? .null : .string(expiry.trimmed) }
            let identity = try ClientpackIdentity.Change(InputFields(object: object, endpoint: "the clientpack form"))
            try await controller.updateClientpack(address, enabled: nil, checkedOut: nil, regenerate: false, identity: identity,
                                                  principal: call.context.principal, source: "the web UI")
            return back(call, address, what: "owner, description and expiry saved")
        }
    }

    /// The "Who and until when" card, then "Groups and rules".
    func clientpackAccessSections(_ address: IPv4Address, _ pack: ClientpackState, session: UISession) async -> String {
        let e = UIPage.escape
        let name = ClientpackName.name(address)
        let csrf = UIPage.csrfField(session)
        let now = Int(Date().timeIntervalSince1970)
        let expiry = pack.expiresAt.map(RFC3339.format) ?? ""
        var html = "<section class=\"card\" aria-labelledby=\"identity-title\"><h2 id=\"identity-title\">Owner and expiry</h2>"
        html += "<p id=\"pack-expiry\">\(e(ClientpackIdentity.remaining(pack.expiresAt, now: now).map { "\($0) (\(expiry))" } ?? "Never expires"))</p>"
        html += """
        <form method="post" action="/ui/clientpacks/\(name)/identity">\(csrf)<input type="hidden" name="return" value="pack">
        <label for="pack-owner">Owner</label><input type="text" id="pack-owner" name="owner" maxlength="\(ClientpackIdentity.maxOwner)" value="\(e(pack.owner))">
        <label for="pack-description">Description</label><input type="text" id="pack-description" name="description" maxlength="\(ClientpackIdentity.maxDescription)" value="\(e(pack.description))">
        <label for="pack-expires">Expires at (RFC 3339, e.g. 2026-12-31T23:59:59Z; empty: never)</label><input type="text" id="pack-expires" name="expires_at" value="\(e(expiry))">
        <div class="row"><button type="submit">Save</button></div></form></section>

        """
        let groups = controller.clientGroups(of: address)
        html += "<section class=\"card\" aria-labelledby=\"access-title\"><h2 id=\"access-title\">Groups and rules</h2>"
        if groups.isEmpty {
            html += "<p class=\"muted\" id=\"pack-groups\">In no client group.</p>"
        } else {
            html += "<p id=\"pack-groups\">Groups: " + groups.map { "<code>\(e($0))</code>" }.joined(separator: ", ")
                + (pack.enabled ? "" : " <span class=\"muted\">(not a member while disabled)</span>") + "</p>"
        }
        let rules = controller.rulesApplying(to: address)
        if rules.isEmpty {
            html += "<p class=\"muted\" id=\"pack-rules-none\">No firewall rule names this pack or its groups.</p>"
        } else {
            let counters = (try? await controller.firewall?.counters(controller.snapshot.firewall)) ?? [:]
            html += "<div class=\"table-wrap\"><table id=\"pack-rules\"><thead><tr><th scope=\"col\">#</th><th scope=\"col\">Rule</th><th scope=\"col\">Through</th><th scope=\"col\">Packets</th><th scope=\"col\">Bytes</th></tr></thead><tbody>"
            for rule in rules {
                let counter = counters[rule.index]
                html += "<tr><td>\(rule.index)</td><td><code>\(e(rule.rule))</code></td><td>\(e(rule.via))</td><td class=\"packets\">\(counter.map { String($0.packets) } ?? "—")</td><td>\(counter.map { e(UIPage.bytesText($0.bytes)) } ?? "—")</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        html += "</section>\n"
        return html
    }
}
