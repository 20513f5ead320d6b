import Foundation
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore

/// `/ui/peering`: this controller's peer id, the mesh peers with their link and BGP state
/// (`PeeringRoutes.status`, as `GET /api/peering` reports it), and setting the id and
/// adding or removing peers with the API's checks and transactions.
extension UIRoutes {
    static let peeringMessages: [String: @Sendable (String) -> String] = [
        "self": { "This controller's peer id is now \($0)." },
        "added": { "Peer \($0) added; the link comes up once the other controller adds this one too." },
        "removed": { "Peer \($0) removed." },
    ]

    func registerPeering(_ router: Router<WeftRequestContext>) {
        page(router, "ui/peering") { call in
            await peeringPage(call, flash: doneFlash(call, Self.peeringMessages))
        }
        action(router, "ui/peering/self") { call in
            let body = call.form.requestFields(["id"], required: ["id"], integers: ["id"], endpoint: "PUT /api/peering/self")
            do {
                guard let id = try body.int("id", required: true) else { throw ValidationError(.argument, "Field \"id\" is required") }
                try controller.setPeerID(id, force: true, actor: call.context.principal)
                return UIPage.redirect("/ui/peering?done=self&id=\(id)")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return await peeringPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
        }
        action(router, "ui/peering/peers") { call in
            let body = call.form.requestFields(["id", "name", "overlay_mtu"], required: ["id", "name"], integers: ["id", "overlay_mtu"],
                                               endpoint: "POST /api/peering/peers")
            do {
                let id = try controller.addPeer(body, actor: call.context.principal)
                return UIPage.redirect("/ui/peering?done=added&id=\(id)")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return await peeringPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status, form: call.form)
            }
        }
        action(router, "ui/peering/peers/:peer_id/delete") { call in
            do {
                try controller.removePeer(id: call.context.parameters.get("peer_id"), actor: call.context.principal)
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return await peeringPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
            return UIPage.redirect("/ui/peering?done=removed&id=\(call.context.parameters.get("peer_id") ?? "")")
        }
    }

    func peeringPage(_ call: UICall, flash: UIPage.Flash?, status: HTTPResponse.Status = .ok, form: UIForm? = nil) async -> Response {
        let e = UIPage.escape
        let session = call.session
        let snapshot = controller.snapshot
        var html = "<h1>Peering</h1>\n"
        guard let topology = snapshot.topology else {
            html += "<p class=\"flash info\">Peering needs a licensed controller: the topology names the controllers of the mesh.</p>"
            return UIPage.html(UIPage.frame(title: "Peering", body: html, session: session, current: "/ui/peering", flash: flash), status: status)
        }
        let peering = await PeeringView.status(controller)
        let own = snapshot.peering.id
        let options = (1...topology.managers.count).map { id in
            "<option value=\"\(id)\"\(own == id ? " selected" : "")>\(id): \(topology.managers[id - 1])</option>"
        }.joined()
        html += """
        <section class="card" aria-labelledby="self-title"><h2 id="self-title">This controller</h2>
        \(facts_([("Peer id", own.map(String.init) ?? "not set"), ("Overlay address", own.map { topology.managers[$0 - 1].description } ?? "—"),
                  ("Controllers in the topology", "\(topology.managers.count)"),
                  ("Clients admitted", Self.catchUpText(controller.meshAdmission.current))]))
        <form method="post" action="/ui/peering/self" id="self-form" data-confirm="Change this controller's peer id? Its overlay address changes with it.">\(UIPage.csrfField(session))
        <label for="self-id">Peer id</label>
        <select id="self-id" name="id">\(own == nil ? "<option value=\"\" selected>not set</option>" : "")\(options)</select>
        <div class="row"><button type="submit" class="secondary">Set peer id</button></div>
        </form></section>

        <section class="card" aria-labelledby="peers-title"><h2 id="peers-title">Mesh</h2>
        <div class="table-wrap"><table id="peers" class="cards">
        <thead><tr><th scope="col">Id</th><th scope="col">Overlay address</th><th scope="col">Peer address</th><th scope="col">Link</th><th scope="col">BGP</th><th scope="col">Routes received</th><th scope="col">Key state</th><th scope="col">Actions</th></tr></thead><tbody>

        """
        if case .object(let managers)? = peering["managers"] {
            for (key, entry) in managers.entries {
                let isSelf = entry["self"] == .bool(true)
                let peered = entry["peered"] == .bool(true)
                html += "<tr data-peer=\"\(e(key))\"><td data-label=\"Id\">\(e(key))</td><td data-label=\"Overlay address\">\(e(UIPage.jsonText(entry["overlay_ipaddress"])))</td>"
                if isSelf {
                    html += "<td data-label=\"Peer address\" colspan=\"6\"><strong>this controller</strong></td></tr>\n"
                    continue
                }
                guard peered else {
                    html += "<td data-label=\"Peer address\" colspan=\"6\" class=\"muted\">not peered</td></tr>\n"
                    continue
                }
                let linkUp = entry["link_up"] == .bool(true)
                let connected = entry["connected"] == .bool(true)
                html += "<td data-label=\"Peer address\">\(e(UIPage.jsonText(entry["address"])))</td>"
                html += "<td data-label=\"Link\" class=\"link\"><span class=\"badge \(linkUp ? "ok" : "error")\">\(linkUp ? "up" : "down")</span></td>"
                html += "<td data-label=\"BGP\" class=\"bgp\"><span><span class=\"badge \(connected ? "ok" : "pending")\">\(e(UIPage.jsonText(entry["bgp_state"])))</span>"
                let since = UIPage.jsonText(entry["since"])
                html += since.isEmpty ? "</span></td>" : " <span class=\"muted\">since \(e(since))</span></span></td>"
                html += "<td data-label=\"Routes received\">\(e(UIPage.jsonText(entry["routes_received"])))</td>"
                html += "<td data-label=\"Key state\" class=\"mesh-state\">\(Self.meshStateCell(entry["mesh_state"]))</td><td class=\"actions\">"
                html += UIPage.button("/ui/peering/peers/\(e(key))/delete", "Remove", session: session, style: "danger",
                                      label: "Remove peer \(key)", confirm: "Remove peer \(key) from the mesh?")
                html += "</td></tr>\n"
            }
        }
        html += "</tbody></table></div></section>\n"

        let value = { (name: String) in form?[name] }
        let choices = (1...topology.managers.count).filter { $0 != own }.map { id in
            "<option value=\"\(id)\"\(value("id") == String(id) ? " selected" : "")>\(id): \(topology.managers[id - 1])</option>"
        }.joined()
        html += """
        <section class="card" aria-labelledby="add-peer-title"><h2 id="add-peer-title">Add a peer</h2>
        <p class="muted">One direction: add this controller on the other one as well.</p>
        <form method="post" action="/ui/peering/peers" id="peer-form">\(UIPage.csrfField(session))
        <label for="peer-id">Peer id</label>
        <select id="peer-id" name="id">\(choices)</select>
        \(UIPage.field("peer-name", "name", "Peer controller's address", value: value("name"), hint: "IPv4 address the link is built to", required: true))
        \(UIPage.field("peer-mtu", "overlay_mtu", "Overlay MTU (optional)", value: value("overlay_mtu"), type: "number", hint: "500 to 4800", extra: "min=\"500\" max=\"4800\""))
        <div class="row"><button type="submit" id="add-peer">Add peer</button></div>
        </form></section>
        """
        return UIPage.html(UIPage.frame(title: "Peering", body: html, session: session, current: "/ui/peering", flash: flash), status: status)
    }
}

extension UIRoutes {
    /// Whether clients are admitted after the start: at once, after catching up with a
    /// peer, after the bound, or not yet.
    static func catchUpText(_ c: MeshCatchUp) -> String {
        switch c.phase {
        case .notNeeded: "yes"
        case .caughtUp: "yes: key state caught up with controller \(c.peer.map(String.init) ?? "?")"
        case .timedOut: "yes: no peer answered within \(Int(c.bound)) s"
        case .waiting: "not yet: " + (c.holdReason(now: Date().timeIntervalSince1970) ?? "")
        }
    }

    /// The peer's key state exchange: in step, or apart for how long and why.
    static func meshStateCell(_ state: JSONValue?) -> String {
        guard let state else { return "" }
        if state["digests_agree"] == .bool(true) { return "<span class=\"badge ok\">in step</span>" }
        if state["exchanged"] != .bool(true), state["error"] == nil { return "<span class=\"badge pending\">no exchange yet</span>" }
        var text = "<span class=\"badge error\">apart</span>"
        if case .int(let lag)? = state["lag_seconds"] { text += " <span class=\"muted\">\(lag) s</span>" }
        if case .string(let error)? = state["error"] { text += " <span class=\"muted\">\(UIPage.escape(String(error.prefix(200))))</span>" }
        return text
    }
}
