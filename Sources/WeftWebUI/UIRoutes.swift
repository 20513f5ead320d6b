import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore

/// The shared state of the web UI: sessions, snapshot uploads awaiting confirmation, and
/// the traffic sampler. The daemon makes one at start and runs its sampler in the
/// `ServiceGroup`; failed logins count in `CredentialVerifier`'s throttle, shared with the
/// API; a change of the UI account through the API ends every session.
public final class UIState: Sendable {
    let sessions: UISessions
    let uploads = UISnapshotUploads()
    /// Samples interface counters for the dashboard's charts (a `Service`).
    public let sampler: TrafficSampler
    /// Identifies this run of the process: the "restarting" page polls `/ui/ping` until it changes.
    let boot = UISessions.randomToken()

    public init(controller: Controller, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let sessions = UISessions(environment: environment)
        self.sessions = sessions
        sampler = TrafficSampler()
        controller.observeUIAccountChanges { sessions.endAll(except: nil) }
    }
}

/// One authenticated UI request: the session, its cookie, and the parsed form of a POST
/// (whose CSRF token has already been checked).
struct UICall: Sendable {
    let request: Request
    let context: WeftRequestContext
    let session: UISession
    let cookie: String
    let form: UIForm
}

/// The web UI under `/ui`: server-rendered pages, cookie sessions with a CSRF token on
/// every form, and a little script from `/ui/static/app.js`. `/api` never accepts the
/// session cookie (the auth middleware only reads Basic and token headers).
package struct UIRoutes: Sendable {
    let controller: Controller
    let state: UIState
    /// Where every UI route is recorded with its access (`.uiSession` unless declared public).
    let table: RouteTable

    package init(controller: Controller, state: UIState, table: RouteTable = RouteTable()) {
        self.controller = controller
        self.table = table
        self.state = state
    }

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    package func register(_ router: Router<WeftRequestContext>) {
        // Public: the redirect to the UI, the login page and its assets, and the restart poll.
        router.on(.get, "/", access: .public, table: table) { _, _ in UIPage.redirect("/ui/") }
        router.on(.get, "ui/static/app.css", access: .public, table: table) { _, _ in
            UIPage.bytes(Array(UIAssets.css.utf8), contentType: "text/css; charset=utf-8", cache: true)
        }
        router.on(.get, "ui/static/app.js", access: .public, table: table) { _, _ in
            UIPage.bytes(Array(UIAssets.javascript.utf8), contentType: "text/javascript; charset=utf-8", cache: true)
        }
        router.on(.get, "ui/login", access: .public, table: table) { request, context in try await loginPage(request, context) }
        router.on(.post, "ui/login", access: .public, table: table) { request, context in try await login(request, context) }
        // Only this run's random id, for the "restarting" page's polling.
        router.on(.get, "ui/ping", access: .public, table: table) { _, _ in Self.json(["boot": state.boot]) }
        router.on(.post, "ui/logout", access: .uiSession, table: table) { request, context in
            let cookie = request.cookies[UISessions.cookieName]?.value
            if case .valid(let session) = state.sessions.lookup(cookie) {
                let form = UIForm.parse(try await UIForm.read(request))
                guard let token = form["csrf"], UISessions.same(token, session.csrf) else { return csrfRefused(session) }
            }
            state.sessions.end(cookie)
            return UIPage.redirect("/ui/login?out=1", cookies: [UIPage.clearCookie(UISessions.cookieName)])
        }
        registerDashboard(router)
        registerSetup(router)
        registerAccount(router)
        registerClientpacks(router)
        registerFirewall(router)
        registerIpsec(router)
        registerRouting(router)
        registerPeering(router)
        registerSnapshots(router)
        registerContainers(router)
        registerPlugins(router)
        registerIDS(router)
        registerWAF(router)
        registerAdmin(router)
    }

    // MARK: - Authenticated routes

    /// A GET page: needs a live session, else a redirect to the login page.
    func page(_ router: Router<WeftRequestContext>, _ path: String,
              _ handler: @escaping @Sendable (UICall) async throws -> Response) {
        router.on(.get, path, access: .uiSession, table: table) { request, context in
            try await authenticated(request, context, readForm: false, handler)
        }
    }

    /// A POST form: needs a live session and the session's CSRF token in the `csrf` field.
    func action(_ router: Router<WeftRequestContext>, _ path: String,
                _ handler: @escaping @Sendable (UICall) async throws -> Response) {
        router.on(.post, path, access: .uiSession, table: table) { request, context in
            try await authenticated(request, context, readForm: true, handler)
        }
    }

    func authenticated(_ request: Request, _ context: WeftRequestContext, readForm: Bool,
                       _ handler: @Sendable (UICall) async throws -> Response) async throws -> Response {
        let cookie = request.cookies[UISessions.cookieName]?.value
        let session: UISession
        switch state.sessions.lookup(cookie) {
        case .valid(let found): session = found
        case .expired:
            return UIPage.redirect("/ui/login?expired=1", cookies: [UIPage.clearCookie(UISessions.cookieName)])
        case .none:
            return UIPage.redirect("/ui/login")
        }
        var form = UIForm()
        if readForm {
            let bytes: [UInt8]
            do { bytes = try await UIForm.read(request) } catch {
                return UIPage.errorPage(.contentTooLarge, title: "Too large", message: "The form is larger than \(UIForm.maxBodySize) bytes; nothing was changed.", session: session)
            }
            let isJSON = request.headers[.contentType]?.hasPrefix("application/json") == true
            if !bytes.isEmpty, !isJSON, !BodyType.form.accepts(request.headers[.contentType]) {
                return UIPage.errorPage(.unsupportedMediaType, title: "Unsupported media type",
                                        message: "A form must be sent as application/x-www-form-urlencoded; nothing was changed.", session: session)
            }
            form = isJSON ? UIForm(fields: ["_json": String(decoding: bytes, as: UTF8.self)]) : UIForm.parse(bytes)
            let presented = isJSON ? request.headers[Self.csrfHeader] : form["csrf"]
            guard let presented, UISessions.same(presented, session.csrf) else {
                controller.logger.notice("ui: request without a valid CSRF token refused",
                                         metadata: ["http.path": "\(request.uri.path)", "client": "\(context.remoteIP)"])
                if isJSON { return Self.json(["ok": false, "message": "Missing or invalid CSRF token; nothing was changed"], status: .forbidden) }
                return csrfRefused(session)
            }
        }
        var context = context
        context.principal = "ui:\(session.user)"
        do {
            return try await handler(UICall(request: request, context: context, session: session, cookie: cookie ?? "", form: form))
        } catch let error as ValidationError {
            let refusal = Self.refusal(error)!
            return UIPage.errorPage(refusal.status, title: refusal.status.reasonPhrase, message: "\(refusal.message) — nothing was changed.", session: session)
        } catch {
            controller.logger.error("ui request failed", metadata: ["http.path": "\(request.uri.path)", "error": "\(error)"])
            return UIPage.errorPage(.internalServerError, title: "Internal error", message: "\(error)", session: session)
        }
    }

    /// A raw upload from the page's script (`XMLHttpRequest`): needs a live session and the
    /// session's CSRF token in the `X-CSRF-Token` header, checked before the body is read;
    /// answers JSON (`ok`, `message`, …).
    func upload(_ router: Router<WeftRequestContext>, _ path: String, limit: Int,
                _ handler: @escaping @Sendable (UICall, [UInt8]) async throws -> Response) {
        router.on(.post, path, access: .uiSession, table: table) { request, context in
            let cookie = request.cookies[UISessions.cookieName]?.value
            guard case .valid(let session) = state.sessions.lookup(cookie) else {
                return Self.json(["ok": false, "message": "Your session expired; log in again. Nothing was changed."], status: .unauthorized)
            }
            guard let presented = request.headers[Self.csrfHeader], UISessions.same(presented, session.csrf) else {
                controller.logger.notice("ui: upload without a valid CSRF token refused",
                                         metadata: ["http.path": "\(request.uri.path)", "client": "\(context.remoteIP)"])
                return Self.json(["ok": false, "message": "Missing or invalid CSRF token; nothing was changed"], status: .forbidden)
            }
            var request = request
            let bytes: [UInt8]
            do {
                var buffer = try await request.collectBody(upTo: limit)
                bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            } catch {
                return Self.json(["ok": false, "message": "The file is larger than \(limit >> 20) MiB; nothing was changed."], status: .contentTooLarge)
            }
            var context = context
            context.principal = "ui:\(session.user)"
            do {
                return try await handler(UICall(request: request, context: context, session: session, cookie: cookie ?? "", form: UIForm()), bytes)
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return Self.json(["ok": false, "message": "\(refusal.message) — nothing was changed."], status: refusal.status)
            }
        }
    }

    /// The flash after a redirect: `?done=CODE&id=X` picks one of the page's fixed messages
    /// (so a crafted link cannot make the UI say arbitrary things); `X` may only be an id or
    /// a snapshot-like name.
    func doneFlash(_ call: UICall, _ messages: [String: @Sendable (String) -> String]) -> UIPage.Flash? {
        guard let code = call.request.query("done"), let message = messages[code] else { return nil }
        let id = call.request.query("id") ?? ""
        guard id.count <= 128, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else { return nil }
        return .ok(message(id))
    }

    /// Why an operation refused: its status and message, as the API answers them.
    struct Refusal {
        let status: HTTPResponse.Status
        let message: String
    }

    /// The refusal in a domain `ValidationError`, with the API's status; nil for anything
    /// else (a real failure).
    static func refusal(_ error: any Error) -> Refusal? {
        guard let error = error as? ValidationError else { return nil }
        return Refusal(status: error.httpStatus, message: error.fullMessage)
    }

    func csrfRefused(_ session: UISession?) -> Response {
        UIPage.errorPage(.forbidden, title: "Forbidden", message: "Missing or invalid CSRF token; nothing was changed.", session: session)
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return UIPage.bytes(Array(data), contentType: "application/json", status: status)
    }

    // MARK: - Login and logout

    func loginPage(_ request: Request, _ context: WeftRequestContext, message: UIPage.Flash? = nil,
                   status: HTTPResponse.Status = .ok, username: String? = nil) async throws -> Response {
        if message == nil, case .valid = state.sessions.lookup(request.cookies[UISessions.cookieName]?.value) {
            return UIPage.redirect("/ui/")
        }
        var flash = message
        if flash == nil, request.query("expired") != nil { flash = .info("Your session expired; please log in again.") }
        if flash == nil, request.query("out") != nil { flash = .ok("You are logged out.") }
        let token = UISessions.randomToken()
        let name = username ?? (try? controller.store.account(role: .ui))??.username ?? "vnscubed"
        let body = """
        <div class="login card">
        <h1>Log in to Weft</h1>
        <form method="post" action="/ui/login" id="login-form">
        <input type="hidden" name="csrf" value="\(token)">
        <label for="username">User name</label>
        <input type="text" id="username" name="username" value="\(UIPage.escape(name))" autocomplete="username" required>
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required autofocus>
        <div class="row"><button type="submit">Log in</button></div>
        </form>
        <p class="muted">The web UI user (\(UIPage.escape(name))) and its password; the API user is separate.</p>
        </div>
        """
        return UIPage.html(UIPage.frame(title: "Log in", body: body, flash: flash), status: status,
                           cookies: [UIPage.cookie(UISessions.loginCookieName, token, maxAge: 3600)])
    }

    func login(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let form = UIForm.parse(try await UIForm.read(request))
        // Login CSRF: the form's token must equal the cookie set with the form (double submit).
        guard let token = form["csrf"], let expected = request.cookies[UISessions.loginCookieName]?.value,
              UISessions.same(token, expected) else {
            return UIPage.errorPage(.forbidden, title: "Forbidden", message: "Missing or invalid CSRF token; nothing was changed. Reload the login page and try again.", session: nil)
        }
        let username = form["username"] ?? ""
        let password = form["password"] ?? ""
        if (try? controller.store.get(.adminUI))??.enabled == false {
            return try await loginPage(request, context, message: .error("The web UI is disabled (PUT /api/admin_ui {\"enabled\": true} turns it on)."),
                                       status: .forbidden, username: username)
        }
        switch controller.verifier.verifyAdmin(username: username, password: password, from: context.remoteIP) {
        case .throttled:
            return try await loginPage(request, context, message: .error("Too many failed logins; wait a minute and try again."),
                                       status: .tooManyRequests, username: username)
        case .denied:
            controller.logger.notice("ui: failed login", metadata: ["client": "\(context.remoteIP)", "user": "\(username)"])
            return try await loginPage(request, context, message: .error("Wrong user name or password."), status: .unauthorized, username: username)
        case .allowed:
            break
        }
        let cookie = state.sessions.create(user: username)
        controller.logger.info("ui: login", metadata: ["client": "\(context.remoteIP)", "user": "\(username)"])
        return UIPage.redirect("/ui/", cookies: [UIPage.cookie(UISessions.cookieName, cookie), UIPage.clearCookie(UISessions.loginCookieName)])
    }
}
