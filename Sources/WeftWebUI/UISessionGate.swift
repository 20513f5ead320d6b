import Hummingbird
import WeftApp
import WeftHTTP

extension UIRoutes {
    /// The auth middleware's check for `/ui` routes that are not public: a live session, or
    /// the refusal the UI gives — a redirect to the login page (`?expired=1` when a session
    /// cookie was presented but has ended), or JSON 401 for the page's scripts (requests that
    /// carry `X-CSRF-Token`). Unknown `/ui` paths are refused the same way, before the 404.
    package static func sessionGate(_ state: UIState) -> @Sendable (Request) -> Response? {
        { request in
            let lookup = state.sessions.lookup(request.cookies[UISessions.cookieName]?.value)
            if case .valid = lookup { return nil }
            if request.headers[csrfHeader] != nil {
                return json(["ok": false, "message": "Your session expired; log in again. Nothing was changed."], status: .unauthorized)
            }
            if case .expired = lookup {
                return UIPage.redirect("/ui/login?expired=1", cookies: [UIPage.clearCookie(UISessions.cookieName)])
            }
            return UIPage.redirect("/ui/login")
        }
    }
}
