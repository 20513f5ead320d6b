import Foundation
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore
import WeftSystem

/// `/ui/clientpacks`: the table, one pack's page (downloads, QR code, tags), and the
/// lifecycle actions, which go through the same store and overlay calls as the API.
extension UIRoutes {

    func registerClientpacks(_ router: Router<WeftRequestContext>) {
        registerClientpackAccess(router)
        page(router, "ui/clientpacks") { call in
            var flash: UIPage.Flash?
            if let name = call.request.query("changed"), let what = call.request.query("what") {
                flash = .ok("Clientpack \(name): \(what).")
            }
            return UIPage.html(UIPage.frame(title: "Clientpacks", body: try await clientpackTable(session: call.session), session: call.session,
                                            current: "/ui/clientpacks", flash: flash))
        }
        page(router, "ui/clientpacks/:name") { call in
            let (address, _) = try packAddress(call)
            var flash: UIPage.Flash?
            if let what = call.request.query("what") { flash = .ok("Clientpack \(ClientpackName.name(address)): \(what).") }
            return UIPage.html(UIPage.frame(title: ClientpackName.name(address), body: try await clientpackPage(address, session: call.session),
                                            session: call.session, current: "/ui/clientpacks", flash: flash))
        }
        page(router, "ui/clientpacks/:name/download") { call in
            let (address, _) = try packAddress(call)
            let file = try controller.clientpackDownload(name: address.description, format: call.request.query("format") ?? "wireguard")
            var response = UIPage.file(file.bytes, contentType: file.contentType, filename: file.filename)
            UIPage.securityHeaders(&response.headers)
            return response
        }
        page(router, "ui/clientpacks/:name/qr.svg") { call in
            let (address, _) = try packAddress(call)
            let topology = try Controller.clientTopology(controller.snapshot)
            let config = try controller.wireGuardConfig(address: address, topology: topology)
            let code = try QRCode.encode(config)
            return UIPage.bytes(Array(code.svg(moduleSize: 4, title: "WireGuard configuration of \(ClientpackName.name(address))").utf8),
                                contentType: "image/svg+xml")
        }
        action(router, "ui/clientpacks/:name/state") { call in
            let (address, _) = try packAddress(call)
            let enabled = try Self.flag(call.form["enabled"], "enabled")
            let checkedOut = try Self.flag(call.form["checked_out"], "checked_out")
            let regenerate = call.form["regenerate"] == "true"
            try await controller.updateClientpack(address, enabled: enabled, checkedOut: checkedOut, regenerate: regenerate,
                                                  principal: call.context.principal, source: "the web UI")
            let what = [enabled.map { $0 ? "enabled" : "disabled" }, checkedOut.map { $0 ? "checked out" : "checked in" },
                        regenerate ? "regenerated (old files no longer work)" : nil].compactMap { $0 }.joined(separator: ", ")
            return back(call, address, what: what.isEmpty ? "unchanged" : what)
        }
        action(router, "ui/clientpacks/:name/disconnect") { call in
            let (address, _) = try packAddress(call)
            let was = try await controller.disconnectClient(address)
            return back(call, address, what: was ? "disconnected" : "was not connected")
        }
        action(router, "ui/clientpacks/:name/tags") { call in
            let (address, _) = try packAddress(call)
            let key = call.form["key"] ?? "", value = call.form["value"] ?? ""
            if call.form["remove"] == "true" {
                try await controller.tagClientpack(address, key: key, value: nil, principal: call.context.principal)
                return back(call, address, what: "tag \(key) removed")
            }
            try await controller.tagClientpack(address, key: key, value: value, principal: call.context.principal)
            return back(call, address, what: "tag \(key) set")
        }
    }

    func packAddress(_ call: UICall) throws -> (IPv4Address, Int) {
        try Controller.clientpack(named: call.context.parameters.get("name") ?? "",
                                 in: try Controller.clientTopology(controller.snapshot))
    }

    /// After an action: back to the pack's page or the table (the form says which).
    func back(_ call: UICall, _ address: IPv4Address, what: String) -> Response {
        let name = ClientpackName.name(address)
        if call.form["return"] == "pack" {
            return UIPage.redirect("/ui/clientpacks/\(name)?what=\(UIPage.urlComponent(what))")
        }
        return UIPage.redirect("/ui/clientpacks?changed=\(name)&what=\(UIPage.urlComponent(what))#pack-\(name)")
    }

    static func flag(_ text: String?, _ field: String) throws -> Bool? {
        switch text {
        case nil, "": return nil
        case "true": return true
        case "false": return false
        case let other?: throw ValidationError(.argument, "\"\(field)\" must be true or false, got \"\(other)\"")
        }
    }

    /// Live WireGuard figures per client address (handshake, bytes), when the device answers.
    func liveWireGuard() async -> [String: WireGuardPeerStatus] {
        guard let wireguard = controller.wireguard, let keys = controller.snapshot.overlayKeys,
              let status = try? await wireguard.get() else { return [:] }
        var byKey: [String: WireGuardPeerStatus] = [:]
        for peer in status.peers { byKey[peer.publicKeyHex] = peer }
        var result: [String: WireGuardPeerStatus] = [:]
        for (address, hex) in keys.clientHex { if let peer = byKey[hex] { result[address] = peer } }
        return result
    }

    func clientpackTable(session: UISession) async throws -> String {
        let snapshot = controller.snapshot
        guard let topology = snapshot.topology, snapshot.license?.finalized == true else {
            return "<h1>Clientpacks</h1><p class=\"flash info\" id=\"no-clientpacks\">No clientpacks yet: the controller has no topology. <a href=\"/ui/setup\">Set it up</a>.</p>"
        }
        guard snapshot.overlayKeys != nil else {
            return "<h1>Clientpacks</h1><p class=\"flash info\" id=\"no-clientpacks\">No clientpacks to download yet: the controller has no keyset. <a href=\"/ui/setup\">Make or fetch the keyset</a>.</p>"
        }
        let e = UIPage.escape
        let live = controller.clientWatcher?.connected ?? [:]
        let wireguard = await liveWireGuard()
        let csrf = UIPage.csrfField(session)
        var html = """
        <h1>Clientpacks</h1>
        <div class="row"><label for="pack-search" class="visually-hidden">Search clientpacks</label>
        <input type="search" id="pack-search" placeholder="Search name, address, tag…" aria-describedby="pack-count">
        <span id="pack-count" class="muted" aria-live="polite">\(topology.clients.count) clientpacks</span></div>
        <div class="table-wrap"><table id="clientpacks" class="cards" data-sortable data-search-input="pack-search" data-count="pack-count" data-page-size="\(Self.clientpackPageSize)" data-pager="pack-pager">
        <thead><tr>
        <th scope="col" data-type="number"><button type="button">Name</button></th>
        <th scope="col" data-type="number"><button type="button">IP</button></th>
        <th scope="col"><button type="button">Enabled</button></th>
        <th scope="col"><button type="button">Checked out</button></th>
        <th scope="col" data-type="number"><button type="button">Connected</button></th>
        <th scope="col" data-type="number"><button type="button">Last handshake</button></th>
        <th scope="col" data-type="number"><button type="button">Bytes in/out</button></th>
        <th scope="col"><button type="button">Tags</button></th>
        <th scope="col">Actions</th>
        </tr></thead>
        <tbody>

        """
        for address in topology.clients {
            let name = ClientpackName.name(address), text = address.description
            let pack = snapshot.clientpacks.state(text)
            let peer = wireguard[text]
            let tags = pack.tags.keys.sorted().map { "\($0)=\(pack.tags[$0]!)" }.joined(separator: ", ")
            let handshake = peer?.lastHandshake ?? 0
            let bytes = (peer?.rxBytes ?? 0) + (peer?.txBytes ?? 0)
            let toggle = pack.enabled ? "false" : "true"
            html += """
            <tr id="pack-\(name)" data-name="\(name)" data-search="\(e("\(name) \(text) \(tags)"))">
            <td data-label="Name" data-sort="\(address.value)"><a href="/ui/clientpacks/\(name)">\(name)</a></td>
            <td data-label="IP" data-sort="\(address.value)">\(text)</td>
            <td data-label="Enabled" class="enabled">\(pack.enabled ? "yes" : "no")</td>
            <td data-label="Checked out">\(pack.checkedOut ? "yes" : "no")</td>
            <td data-label="Connected" data-sort="\(live[text] == nil ? 1 : 0)">\(live[text].map { "yes (\(e($0)))" } ?? "no")</td>
            <td data-label="Last handshake" data-sort="\(handshake)">\(handshake > 0 ? UIPage.agoHTML(handshake) : "—")</td>
            <td data-label="Bytes in/out" data-sort="\(bytes)">\(peer.map { "\(e(UIPage.bytesText($0.rxBytes))) / \(e(UIPage.bytesText($0.txBytes)))" } ?? "—")</td>
            <td data-label="Tags">\(e(tags))</td>
            <td class="actions">
            <form method="post" action="/ui/clientpacks/\(name)/state">\(csrf)<input type="hidden" name="enabled" value="\(toggle)"><button type="submit" class="\(pack.enabled ? "secondary" : "")" aria-label="\(pack.enabled ? "Disable" : "Enable") \(name)">\(pack.enabled ? "Disable" : "Enable")</button></form>
            <a class="button secondary" href="/ui/clientpacks/\(name)/download?format=wireguard" aria-label="WireGuard file of \(name)">WireGuard</a>
            <a class="button secondary" href="/ui/clientpacks/\(name)/download?format=ovpn" aria-label="OpenVPN file of \(name)">ovpn</a>
            </td></tr>

            """
        }
        html += "</tbody></table></div>"
        html += """
        <nav class="pager row" id="pack-pager" aria-label="Clientpack pages" hidden>
        <button type="button" class="secondary" data-step="-1">Previous</button>
        <span class="muted" aria-live="polite" data-role="status"></span>
        <button type="button" class="secondary" data-step="1">Next</button></nav>
        """
        return html
    }

    /// Rows per page of the clientpack table (search and sorting cover every page).
    static let clientpackPageSize = 25

    func clientpackPage(_ address: IPv4Address, session: UISession) async throws -> String {
        let snapshot = controller.snapshot
        let name = ClientpackName.name(address), text = address.description
        let pack = snapshot.clientpacks.state(text)
        let peer = await liveWireGuard()[text]
        let e = UIPage.escape
        let csrf = UIPage.csrfField(session)
        let times = controller.clientWatcher?.lastTimes(text)
        var rows: [(String, String)] = [
            ("Overlay address", text), ("Owner", pack.owner.isEmpty ? "—" : pack.owner), ("Description", pack.description.isEmpty ? "—" : pack.description),
            ("Enabled", pack.enabled ? "yes" : "no"), ("Checked out", pack.checkedOut ? "yes" : "no"),
            ("Connected", controller.clientWatcher?.connected[text] ?? "no"),
            ("Last connect", UIPage.timeText(times?.connect)), ("Last disconnect", UIPage.timeText(times?.disconnect)),
        ]
        if let peer {
            rows.append(("Last WireGuard handshake", peer.lastHandshake > 0
                ? "\(UIPage.agoText(peer.lastHandshake, now: Int(Date().timeIntervalSince1970))) (\(UIPage.timeText(peer.lastHandshake)))" : "—"))
            rows.append(("Bytes in / out", "\(UIPage.bytesText(peer.rxBytes)) / \(UIPage.bytesText(peer.txBytes))"))
            if let endpoint = peer.endpoint { rows.append(("Endpoint", endpoint)) }
        }
        func stateButton(_ field: String, _ value: Bool, _ label: String, confirm: String? = nil) -> String {
            let extra = confirm.map { " data-confirm=\"\(e($0))\"" } ?? ""
            return "<form method=\"post\" action=\"/ui/clientpacks/\(name)/state\"\(extra)>\(csrf)<input type=\"hidden\" name=\"return\" value=\"pack\"><input type=\"hidden\" name=\"\(field)\" value=\"\(value)\"><button type=\"submit\" class=\"secondary\">\(label)</button></form>"
        }
        var html = "<h1>Clientpack \(name)</h1>\n<div class=\"grid2\">\n<section class=\"card\" aria-labelledby=\"state-title\"><h2 id=\"state-title\">State</h2>"
        html += facts_(rows)
        html += "<div class=\"row\">"
        html += stateButton("enabled", !pack.enabled, pack.enabled ? "Disable" : "Enable")
        html += stateButton("checked_out", !pack.checkedOut, pack.checkedOut ? "Check in" : "Check out")
        html += "<form method=\"post\" action=\"/ui/clientpacks/\(name)/disconnect\">\(csrf)<input type=\"hidden\" name=\"return\" value=\"pack\"><button type=\"submit\" class=\"secondary\">Disconnect (reset)</button></form>"
        html += stateButton("regenerate", true, "Regenerate keys", confirm: "Regenerate \(name)? Its current files stop working.")
        html += "</div></section>\n"

        html += "<section class=\"card\" aria-labelledby=\"files-title\"><h2 id=\"files-title\">Downloads</h2>"
        if snapshot.overlayKeys != nil {
            html += "<ul>"
            for (format, label) in [("wireguard", "WireGuard (wg-quick)"), ("ovpn", "OpenVPN .ovpn"), ("conf", "OpenVPN .conf"), ("zip", "All files, zip"), ("tarball", "All files, tar.gz")] {
                html += "<li><a href=\"/ui/clientpacks/\(name)/download?format=\(format)\" download id=\"download-\(format)\">\(label)</a></li>"
            }
            html += "</ul>"
            html += "<figure class=\"qr\"><img src=\"/ui/clientpacks/\(name)/qr.svg\" alt=\"QR code of the WireGuard configuration of \(name)\" width=\"320\" height=\"320\"><figcaption class=\"muted\">Scan with the WireGuard app. It holds the private key: show it only to the client's owner.</figcaption></figure>"
        } else {
            html += "<p class=\"muted\">No keyset yet: downloads and the QR code appear once it exists (<a href=\"/ui/setup\">Setup</a>).</p>"
        }
        html += "</section>\n</div>\n"

        html += await clientpackAccessSections(address, pack, session: session)
        html += "<section class=\"card\" aria-labelledby=\"tags-title\"><h2 id=\"tags-title\">Tags</h2>"
        if pack.tags.isEmpty { html += "<p class=\"muted\">No tags.</p>" }
        html += "<ul>"
        for key in pack.tags.keys.sorted() {
            html += "<li><code>\(e(key))</code> = <code>\(e(pack.tags[key]!))</code> <form class=\"inline\" method=\"post\" action=\"/ui/clientpacks/\(name)/tags\">\(csrf)<input type=\"hidden\" name=\"return\" value=\"pack\"><input type=\"hidden\" name=\"remove\" value=\"true\"><input type=\"hidden\" name=\"key\" value=\"\(e(key))\"><button type=\"submit\" class=\"secondary\" aria-label=\"Remove tag \(e(key))\">Remove</button></form></li>"
        }
        html += """
        </ul>
        <form method="post" action="/ui/clientpacks/\(name)/tags">\(csrf)<input type="hidden" name="return" value="pack">
        <label for="tag-key">Tag name</label><input type="text" id="tag-key" name="key" maxlength="64" required>
        <label for="tag-value">Value</label><input type="text" id="tag-value" name="value" maxlength="256">
        <div class="row"><button type="submit">Set tag</button></div></form></section>
        <p><a href="/ui/clientpacks">All clientpacks</a></p>
        """
        return html
    }
}
