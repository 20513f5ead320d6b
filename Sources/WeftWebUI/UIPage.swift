import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WeftApp
import WeftHTTP
import WeftModel

/// HTML building blocks for the web UI: escaping, the page frame, and responses that
/// always carry the UI's security headers.
enum UIPage {
    /// Escapes text for HTML element content and quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// Percent-encodes one path segment or query value.
    static func urlComponent(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static let navigation: [(path: String, title: String)] = [
        ("/ui/", "Dashboard"), ("/ui/setup", "Setup"), ("/ui/clientpacks", "Clientpacks"), ("/ui/firewall", "Firewall"), ("/ui/ipsec", "IPsec"),
        ("/ui/routes", "Routes"), ("/ui/peering", "Peering"), ("/ui/snapshots", "Snapshots"), ("/ui/containers", "Containers"), ("/ui/plugins", "Plugins"), ("/ui/ids", "IDS"), ("/ui/waf", "WAF"), ("/ui/admin", "Admin"),
        ("/ui/audit", "Audit log"), ("/ui/account", "Passwords"),
    ]

    /// A full page: header with navigation and logout (when signed in), then `body`.
    static func frame(title: String, body: String, session: UISession? = nil, current: String = "", flash: Flash? = nil) -> String {
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · Weft</title>
        <link rel="stylesheet" href="/ui/static/app.css">
        <script src="/ui/static/app.js" defer></script>
        </head>
        <body>
        <header class="top">
        <a class="brand" href="/ui/">Weft</a>

        """
        if let session {
            html += "<nav aria-label=\"Main\"><ul>"
            for item in navigation {
                let here = item.path == current ? " aria-current=\"page\"" : ""
                html += "<li><a href=\"\(item.path)\"\(here)>\(escape(item.title))</a></li>"
            }
            html += "</ul></nav>"
            html += """
            <form class="logout" method="post" action="/ui/logout">\(csrfField(session))<span class="who">\(escape(session.user))</span> <button type="submit">Log out</button></form>

            """
        }
        html += "</header>\n<main id=\"main\">\n"
        if let flash {
            html += "<p class=\"flash \(flash.kind.rawValue)\" role=\"\(flash.kind == .error ? "alert" : "status")\">\(escape(flash.text))</p>\n"
        }
        html += body
        html += "\n</main>\n<footer><p>Weft \(escape(WeftVersion.weft)) · an independent project, not affiliated with VNS3's makers</p></footer>\n</body>\n</html>\n"
        return html
    }

    struct Flash: Sendable {
        enum Kind: String, Sendable { case ok, error, info }
        let kind: Kind
        let text: String
        static func ok(_ text: String) -> Flash { .init(kind: .ok, text: text) }
        static func error(_ text: String) -> Flash { .init(kind: .error, text: text) }
        static func info(_ text: String) -> Flash { .init(kind: .info, text: text) }
    }

    static func csrfField(_ session: UISession) -> String {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(escape(session.csrf))\">"
    }

    /// A form that is one button: POST to `action` with the CSRF token and `fields`.
    /// `confirm` asks first (app.js); `label` names the target for screen readers.
    static func button(_ action: String, _ text: String, session: UISession, fields: [(String, String)] = [],
                       style: String = "secondary", label: String? = nil, confirm: String? = nil) -> String {
        var html = "<form class=\"inline\" method=\"post\" action=\"\(escape(action))\""
        if let confirm { html += " data-confirm=\"\(escape(confirm))\"" }
        html += ">" + csrfField(session)
        for (name, value) in fields { html += "<input type=\"hidden\" name=\"\(escape(name))\" value=\"\(escape(value))\">" }
        html += "<button type=\"submit\" class=\"\(style)\""
        if let label { html += " aria-label=\"\(escape(label))\"" }
        return html + ">\(escape(text))</button></form>"
    }

    /// A labelled text input (`value` kept after a refused submit).
    static func field(_ id: String, _ name: String, _ label: String, value: String? = nil, type: String = "text",
                      hint: String? = nil, required: Bool = false, extra: String = "") -> String {
        var html = "<label for=\"\(id)\">\(escape(label))</label>"
        html += "<input type=\"\(type)\" id=\"\(id)\" name=\"\(name)\""
        if let value, !value.isEmpty { html += " value=\"\(escape(value))\"" }
        if required { html += " required" }
        if hint != nil { html += " aria-describedby=\"\(id)-hint\"" }
        html += " \(extra)>"
        if let hint { html += "<p class=\"hint\" id=\"\(id)-hint\">\(escape(hint))</p>" }
        return html
    }

    /// A JSON value as table text (strings bare, numbers and booleans spelled out).
    static func jsonText(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?: text
        case .int(let number)?: String(number)
        case .double(let number)?: String(number)
        case .bool(let flag)?: flag ? "yes" : "no"
        case nil, .null?: ""
        case let other?: String(decoding: JSONWriter.bytes(other), as: UTF8.self)
        }
    }

    /// The page shown while the controller restarts: app.js polls `/ui/ping` until the
    /// process answers with another boot id, then offers the login page (sessions live in
    /// memory, so everyone logs in again).
    static func restarting(_ what: String, boot: String) -> String {
        """
        <h1>Restarting</h1>
        <section class="card" aria-labelledby="restart-title"><h2 id="restart-title">\(escape(what))</h2>
        <div id="restart-wait" data-boot="\(escape(boot))" data-state="waiting" role="status" aria-live="polite">
        <p id="restart-message">The controller is restarting; this page checks every second until it answers again (usually 5 to 20 seconds).</p>
        <progress id="restart-progress" aria-label="Waiting for the controller"></progress>
        </div>
        <p><a id="restart-login" class="button" href="/ui/login" hidden>Log in again</a></p>
        </section>
        """
    }

    // MARK: - Responses

    /// Headers every UI response carries: no framing, no referrer, scripts and styles only
    /// from this origin (so nothing inline), and no caching of pages.
    static func securityHeaders(_ headers: inout HTTPFields, cache: Bool = false) {
        headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[.cacheControl] = cache ? "private, max-age=300" : "no-store"
    }

    /// A download with an exact content type and an attachment file name, with the UI's headers.
    static func file(_ bytes: [UInt8], contentType: String, filename: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentDisposition] = "attachment; filename=\(filename)"
        securityHeaders(&headers)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        securityHeaders(&headers)
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func bytes(_ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok, cache: Bool = false) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        securityHeaders(&headers, cache: cache)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// 303 See Other (after a POST the browser GETs the target).
    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        securityHeaders(&headers)
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// A `Set-Cookie` value scoped to the UI: HttpOnly, Secure, SameSite=Strict, Path=/ui.
    static func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> String {
        var text = "\(name)=\(value); Path=/ui; HttpOnly; Secure; SameSite=Strict"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        return text
    }

    static func clearCookie(_ name: String) -> String { cookie(name, "", maxAge: 0) }

    /// A page that says what went wrong (nothing changed).
    static func errorPage(_ status: HTTPResponse.Status, title: String, message: String, session: UISession?) -> Response {
        let body = """
        <h1>\(escape(title))</h1>
        <p class="flash error" role="alert">\(escape(message))</p>
        <p><a href="/ui/">Back to the dashboard</a></p>
        """
        return html(frame(title: title, body: body, session: session), status: status)
    }

    // MARK: - Formatting

    static func bytesText(_ value: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var amount = Double(value), unit = 0
        while amount >= 1024 && unit < units.count - 1 { amount /= 1024; unit += 1 }
        return unit == 0 ? "\(value) B" : String(format: "%.1f %@", amount, units[unit])
    }

    static func rateText(_ bytesPerSecond: Double) -> String {
        let bits = bytesPerSecond * 8
        if bits >= 1e9 { return String(format: "%.1f Gbit/s", bits / 1e9) }
        if bits >= 1e6 { return String(format: "%.1f Mbit/s", bits / 1e6) }
        if bits >= 1e3 { return String(format: "%.1f kbit/s", bits / 1e3) }
        return String(format: "%.0f bit/s", bits)
    }

    static func timeText(_ epoch: Int?) -> String {
        guard let epoch, epoch > 0 else { return "—" }
        return Timestamps.vns3(epoch)
    }

    /// How long ago `epoch` was: "12 s ago", "3 min ago", "5 h ago", "2 d ago".
    static func agoText(_ epoch: Int, now: Int) -> String {
        let seconds = max(0, now - epoch)
        switch seconds {
        case ..<60: return "\(seconds) s ago"
        case ..<3600: return "\(seconds / 60) min ago"
        case ..<86400: return "\(seconds / 3600) h ago"
        default: return "\(seconds / 86400) d ago"
        }
    }

    /// A `<time>` element saying how long ago, with the exact time as its tooltip.
    static func agoHTML(_ epoch: Int, now: Int = Int(Date().timeIntervalSince1970)) -> String {
        "<time datetime=\"\(Timestamps.iso8601(epoch))\" title=\"\(escape(timeText(epoch)))\">\(agoText(epoch, now: now))</time>"
    }
}
