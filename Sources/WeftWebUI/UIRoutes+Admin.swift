import Foundation
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore

/// `/ui/admin`: API tokens (listed, created and expired as `/api/access/token(s)` does; a
/// new token's secret is shown once), the TLS certificate (checked, then installed for the
/// next start) and a restart button; `/ui/audit`: the last 200 audit rows.
extension UIRoutes {
    static let adminMessages: [String: @Sendable (String) -> String] = [
        "expired": { "Token \($0) expired: it no longer authenticates." },
        "deleted": { "Token \($0) deleted." },
    ]
    static let tokenLifetimes: [(seconds: Int, label: String)] = [
        (3600, "1 hour"), (8 * 3600, "8 hours"), (86400, "1 day"), (7 * 86400, "7 days"), (30 * 86400, "30 days"), (365 * 86400, "365 days"),
    ]
    var tlsDirectory: String { controller.options.dataDirectory + "/tls" }

    func registerAdmin(_ router: Router<WeftRequestContext>) {
        page(router, "ui/admin") { call in
            adminPage(call, flash: doneFlash(call, Self.adminMessages))
        }
        action(router, "ui/admin/tokens") { call in
            let body = call.form.requestFields(["expires", "name", "refreshes"], integers: ["expires"], booleans: ["refreshes"],
                                               endpoint: "POST /api/access/token")
            do {
                let input = NewToken(lifetime: try body.int("expires"), name: try body.string("name"), refreshes: try body.bool("refreshes"))
                let (token, secret) = try controller.createToken(input, actor: call.context.principal, from: call.context.remoteIP)
                // The secret goes into this response only (no redirect: it must not land in a URL or history).
                return adminPage(call, flash: .ok("Token \(token.id) created. Copy its secret now: it is not shown again."), created: (token, secret))
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return adminPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
        }
        action(router, "ui/admin/tokens/:id/expire") { call in
            let token = try controller.token(id: call.context.parameters.get("id"))
            try controller.expireToken(token, actor: call.context.principal)
            return UIPage.redirect("/ui/admin?done=expired&id=\(token.id)")
        }
        action(router, "ui/admin/tokens/:id/delete") { call in
            let token = try controller.token(id: call.context.parameters.get("id"))
            try controller.deleteToken(token, actor: call.context.principal)
            return UIPage.redirect("/ui/admin?done=deleted&id=\(token.id)")
        }
        action(router, "ui/admin/certificate") { call in
            let certificate = (call.form["certificate"] ?? "").trimmed + "\n"
            let key = (call.form["key"] ?? "").trimmed + "\n"
            let summary: CertificateCheck.Summary
            do {
                summary = try controller.installCertificate(certificatePEM: certificate, privateKeyPEM: key, actor: call.context.principal)
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return adminPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status, certificateText: certificate)
            }
            return adminPage(call, flash: .ok("Certificate installed for \(summary.subject). It takes effect at the next restart."), installed: true)
        }
        action(router, "ui/admin/restart") { call in
            controller.requestRestart(actor: call.context.principal, through: "web UI")
            return UIPage.html(UIPage.frame(title: "Restarting", body: UIPage.restarting("Restart requested", boot: state.boot),
                                            session: call.session, current: "/ui/admin"))
        }
        page(router, "ui/audit") { call in
            UIPage.html(UIPage.frame(title: "Audit log", body: try auditPage(), session: call.session, current: "/ui/audit"))
        }
    }

    func adminPage(_ call: UICall, flash: UIPage.Flash?, status: HTTPResponse.Status = .ok, created: (APIToken, String)? = nil,
                   certificateText: String? = nil, installed: Bool = false) -> Response {
        let e = UIPage.escape
        let session = call.session
        let now = Store.now()
        var html = "<h1>Administration</h1>\n"
        if let (token, secret) = created {
            html += """
            <section class="card new-token" aria-labelledby="new-token-title"><h2 id="new-token-title">New token \(token.id)\(token.name.isEmpty ? "" : ": \(e(token.name))")</h2>
            <p>Send it in the <code>api-token</code> header. It is shown only now.</p>
            <label for="new-token">Secret</label>
            <input type="text" id="new-token" class="secret" value="\(e(secret))" readonly spellcheck="false" autocomplete="off">
            </section>

            """
        }
        html += """
        <section class="card" aria-labelledby="tokens-title"><h2 id="tokens-title">API tokens</h2>
        <div class="table-wrap"><table id="tokens" class="cards">
        <thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Token</th><th scope="col">Lifetime</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead><tbody>

        """
        let tokens = ((try? controller.store.tokens()) ?? []).map { controller.verifier.liveToken(id: $0.id) ?? $0 }
        if tokens.isEmpty { html += "<tr><td colspan=\"9\" class=\"muted\">No tokens.</td></tr>" }
        for token in tokens.reversed() {
            let valid = token.isValid(at: now)
            html += "<tr data-token=\"\(token.id)\"><td data-label=\"Id\">\(token.id)</td><td data-label=\"Name\">\(e(token.name))</td>"
            html += "<td data-label=\"Token\"><code>\(e(token.hint))…</code></td><td data-label=\"Lifetime\">\(e(Present.lifetime(token.lifetime)))\(token.refreshes ? " (refreshes on use)" : "")</td>"
            html += "<td data-label=\"Created\">\(e(UIPage.timeText(token.createdAt))) from \(e(token.createdIP))</td><td data-label=\"Expires\">\(e(UIPage.timeText(token.expiresAt)))</td>"
            html += "<td data-label=\"Last used\">\(token.lastAccessedAt.map { e("\(UIPage.timeText($0)) from \(token.lastAccessedIP ?? "?")") } ?? "never")</td>"
            html += "<td data-label=\"State\" class=\"state\"><span class=\"badge \(valid ? "ok" : "error")\">\(valid ? "active" : "expired")</span></td><td class=\"actions\">"
            if valid {
                html += UIPage.button("/ui/admin/tokens/\(token.id)/expire", "Expire", session: session, label: "Expire token \(token.id)")
            }
            html += " " + UIPage.button("/ui/admin/tokens/\(token.id)/delete", "Delete", session: session, style: "danger",
                                        label: "Delete token \(token.id)", confirm: "Delete token \(token.id)?")
            html += "</td></tr>\n"
        }
        let lifetimes = Self.tokenLifetimes.map { "<option value=\"\($0.seconds)\"\($0.seconds == 86400 ? " selected" : "")>\($0.label)</option>" }.joined()
        html += """
        </tbody></table></div>
        <h3>Create a token</h3>
        <form method="post" action="/ui/admin/tokens" id="token-form">\(UIPage.csrfField(session))
        <div class="grid2"><div>
        \(UIPage.field("token-name", "name", "Name", hint: "What it is for, e.g. ci-deploy", extra: "maxlength=\"128\""))
        </div><div>
        <label for="token-lifetime">Lifetime</label>
        <select id="token-lifetime" name="expires">\(lifetimes)</select>
        <input type="hidden" name="refreshes" value="false"><label class="check"><input type="checkbox" id="token-refreshes" name="refreshes" value="true"> Each use extends it by its lifetime</label>
        </div></div>
        <div class="row"><button type="submit" id="create-token">Create token</button></div>
        </form></section>

        """
        html += certificateSection(session, text: certificateText, installed: installed)
        return UIPage.html(UIPage.frame(title: "Administration", body: html, session: session, current: "/ui/admin", flash: flash), status: status)
    }

    func certificateSection(_ session: UISession, text: String?, installed: Bool) -> String {
        let e = UIPage.escape
        var rows: [(String, String)] = []
        if let pem = try? String(contentsOfFile: tlsDirectory + "/server.crt", encoding: .utf8), let current = CertificateCheck.describe(pem: pem) {
            rows = [
                ("Subject", current.subject), ("Issuer", current.issuer),
                ("Names", current.names.isEmpty ? "—" : current.names.joined(separator: ", ")),
                ("Valid", "\(UIPage.timeText(Int(current.notBefore.timeIntervalSince1970))) to \(UIPage.timeText(Int(current.notAfter.timeIntervalSince1970)))"),
                ("SHA-256", current.fingerprint),
            ]
        } else {
            rows = [("Certificate", "not readable")]
        }
        var html = """
        <section class="card" aria-labelledby="tls-title"><h2 id="tls-title">TLS certificate</h2>
        <p class="muted">\(installed ? "Installed; the listener still serves the previous certificate until the controller restarts." : "The certificate the HTTPS listener loaded from disk (the file's, if one was installed since the start).")</p>
        <div id="tls-current">\(facts_(rows))</div>
        """
        if installed {
            html += "<div class=\"row\">" + UIPage.button("/ui/admin/restart", "Restart now", session: session, style: "danger",
                                                         confirm: "Restart the controller now? It is unreachable for a few seconds and everyone logs in again.") + "</div>"
        }
        html += """
        <form method="post" action="/ui/admin/certificate" id="certificate-form">\(UIPage.csrfField(session))
        <label for="tls-certificate">Certificate (PEM; the server's first, then any intermediates)</label>
        <textarea id="tls-certificate" name="certificate" class="short" spellcheck="false" required>\(e(text ?? ""))</textarea>
        <label for="tls-key">Private key (PEM, unencrypted)</label>
        <textarea id="tls-key" name="key" class="short" spellcheck="false" autocomplete="off" required></textarea>
        <div class="row"><button type="submit" id="install-certificate">Check and install</button></div>
        </form>
        <div class="row">\(installed ? "" : UIPage.button("/ui/admin/restart", "Restart the controller", session: session,
                                                         confirm: "Restart the controller now? It is unreachable for a few seconds and everyone logs in again."))</div>
        </section>
        """
        return html
    }

    func auditPage() throws -> String {
        let e = UIPage.escape
        let entries = try controller.store.audit(limit: 200)
        var html = """
        <h1>Audit log</h1>
        <p class="muted">Every change, newest first: who, what, and the configuration generation it made (the last 200).</p>
        <div class="row"><label for="audit-search" class="visually-hidden">Filter the audit log</label>
        <input type="search" id="audit-search" placeholder="Filter by actor, action, detail…" aria-describedby="audit-count">
        <span id="audit-count" class="muted" aria-live="polite">\(entries.count) entries</span></div>
        <div class="table-wrap"><table id="audit" class="cards" data-sortable data-search-input="audit-search" data-count="audit-count">
        <thead><tr><th scope="col" data-type="number"><button type="button">When</button></th><th scope="col"><button type="button">Actor</button></th><th scope="col"><button type="button">Action</button></th><th scope="col">Detail</th><th scope="col" data-type="number"><button type="button">Generation</button></th></tr></thead><tbody>

        """
        for entry in entries {
            html += "<tr data-action=\"\(e(entry.action))\" data-actor=\"\(e(entry.actor))\"><td data-label=\"When\" data-sort=\"\(entry.id)\">\(e(UIPage.timeText(entry.at)))</td>"
            html += "<td data-label=\"Actor\">\(e(entry.actor))</td><td data-label=\"Action\"><code>\(e(entry.action))</code></td>"
            html += "<td data-label=\"Detail\">\(e(entry.detail))</td><td data-label=\"Generation\" data-sort=\"\(entry.generation)\">\(entry.generation)</td></tr>\n"
        }
        return html + "</tbody></table></div>"
    }
}
