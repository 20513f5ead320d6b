import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore

/// `/ui/account`: change the web UI (admin) password and the API password, through the
/// same store calls as `PUT /api/admin_ui` and `PUT /api/api_password`.
extension UIRoutes {
    func registerAccount(_ router: Router<WeftRequestContext>) {
        page(router, "ui/account") { call in
            accountPage(call.session, flash: call.request.query("done").map { .ok($0 == "api" ? "The API password is changed." : "The admin password is changed; other sessions were logged out.") })
        }
        action(router, "ui/account/admin-password") { call in
            if let refusal = checkCurrentPassword(call) { return refusal }
            let password: String
            do { password = try newPassword(call.form, field: "admin") } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return accountPage(call.session, flash: .error(refusal.message), status: .badRequest)
            }
            // This browser stays signed in; every other session ends.
            try controller.changeUIAccount(UIAccountChange(password: password), actor: call.context.principal, endSessions: false)
            state.sessions.endAll(except: call.cookie)
            return UIPage.redirect("/ui/account?done=admin")
        }
        action(router, "ui/account/api-password") { call in
            if let refusal = checkCurrentPassword(call) { return refusal }
            let password: String
            do { password = try newPassword(call.form, field: "API") } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return accountPage(call.session, flash: .error(refusal.message), status: .badRequest)
            }
            try controller.setAPIPassword(password, actor: call.context.principal)
            return UIPage.redirect("/ui/account?done=api")
        }
    }

    /// The current admin password, checked under the shared failed-login throttle; a page
    /// saying why when it is refused.
    func checkCurrentPassword(_ call: UICall) -> Response? {
        switch controller.verifier.verifyAdmin(username: call.session.user, password: call.form["current"] ?? "", from: call.context.remoteIP) {
        case .allowed: return nil
        case .denied:
            return accountPage(call.session, flash: .error("The current admin password is wrong; nothing was changed."), status: .badRequest)
        case .throttled:
            return accountPage(call.session, flash: .error("Too many failed password checks; wait a minute and try again. Nothing was changed."),
                               status: .tooManyRequests)
        }
    }

    func newPassword(_ form: UIForm, field: String) throws -> String {
        let password = form["new"] ?? ""
        guard password == (form["confirm"] ?? "") else { throw ValidationError(.argument, "The new \(field) password and its confirmation differ; nothing was changed.") }
        return try Controller.checkPassword(password, field: "new \(field) password")
    }

    func accountPage(_ session: UISession, flash: UIPage.Flash?, status: HTTPResponse.Status = .ok) -> Response {
        let csrf = UIPage.csrfField(session)
        func form(_ id: String, _ title: String, _ action: String, _ note: String) -> String {
            """
            <section class="card" aria-labelledby="\(id)-title"><h2 id="\(id)-title">\(title)</h2>
            <p class="muted">\(note)</p>
            <form method="post" action="\(action)" id="\(id)-form">\(csrf)
            <label for="\(id)-current">Current admin password</label>
            <input type="password" id="\(id)-current" name="current" autocomplete="current-password" required>
            <label for="\(id)-new">New password (8 to 256 characters)</label>
            <input type="password" id="\(id)-new" name="new" autocomplete="new-password" minlength="8" maxlength="256" required>
            <label for="\(id)-confirm">New password again</label>
            <input type="password" id="\(id)-confirm" name="confirm" autocomplete="new-password" minlength="8" maxlength="256" required>
            <div class="row"><button type="submit">Change</button></div>
            </form></section>
            """
        }
        let body = "<h1>Passwords</h1>\n<div class=\"grid2\">"
            + form("admin", "Admin (web UI) password", "/ui/account/admin-password", "The password of \(UIPage.escape(session.user)); changing it logs out every other session.")
            + form("api", "API password", "/ui/account/api-password", "The password of the API user <code>api</code> (HTTP Basic).")
            + "</div>"
        return UIPage.html(UIPage.frame(title: "Passwords", body: body, session: session, current: "/ui/account", flash: flash), status: status)
    }
}
