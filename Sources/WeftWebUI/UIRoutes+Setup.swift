import Foundation
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore

/// `/ui/setup`: the first start in the browser, in the order the controller needs it —
/// 1. the topology (VNS3's default, or the operator's subnet; the controller restarts),
/// 2. the keyset (generate it with a strong token, or fetch it from another controller),
/// 3. this controller's peer id and public address (what clientpacks name as the server).
/// Each step calls the same operation as its API endpoint.
extension UIRoutes {
    enum SetupStep: Int, Comparable {
        case topology = 1, keyset, identity, done
        static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    /// The first step not done yet.
    func setupStep() -> SetupStep {
        let snapshot = controller.snapshot
        if snapshot.license?.finalized != true { return .topology }
        if snapshot.keyset == nil { return .keyset }
        if snapshot.peering.id == nil { return .identity }
        return .done
    }

    func registerSetup(_ router: Router<WeftRequestContext>) {
        page(router, "ui/setup") { call in setupPage(call) }
        action(router, "ui/setup/topology") { call in
            do {
                func field(_ name: String) -> String? { call.form[name].flatMap { $0.trimmed.isEmpty ? nil : $0.trimmed } }
                let custom = call.form["topology"] == "custom"
                let topology = try Controller.topology(custom ? TopologyChoice(subnet: field("subnet"), managers: field("managers"), asns: field("asns"))
                                                              : TopologyChoice(useDefault: true))
                if controller.snapshot.license == nil {
                    let text = "Accepted in the web UI by \(call.session.user) on \(Timestamps.iso8601(Store.now()))\n"
                    try controller.uploadLicense(Array(text.utf8), actor: call.context.principal)
                }
                try controller.acceptLicenseParameters(topology, actor: call.context.principal)
                return UIPage.html(UIPage.frame(title: "Restarting", body: UIPage.restarting("Topology \(topology.subnet) accepted", boot: state.boot),
                                                session: call.session, current: "/ui/setup"))
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return setupPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
        }
        action(router, "ui/setup/keyset") { call in
            do {
                let fetch = call.form["mode"] == "fetch"
                let source = fetch ? (call.form["source"]?.trimmed ?? "") : nil
                if fetch, source?.isEmpty != false { throw ValidationError(.argument, "Field \"source\": the address of the controller to fetch from is required") }
                let token = call.form["token"] ?? ""
                if !fetch, token != call.form["token_again"] { throw ValidationError(.argument, "Field \"token\": the two tokens differ") }
                _ = try controller.startKeyset(token: token, source: source, topologyName: nil, actor: call.context.principal)
                return UIPage.redirect("/ui/setup")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return setupPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
        }
        action(router, "ui/setup/identity") { call in
            do {
                guard let id = Int(call.form["peer_id"] ?? "") else { throw ValidationError(.argument, "Field \"id\": choose this controller's peer id") }
                // Validate both before changing either.
                let publicIP = try SettingsCheck.publicIP(call.form["public_ip"] ?? "")
                guard let topology = controller.snapshot.topology, (1...topology.managers.count).contains(id) else {
                    throw ValidationError(field: "id", "Field \"id\": peer id must be between 1 and \(controller.snapshot.topology?.managers.count ?? 0)")
                }
                try controller.setPeerID(id, force: true, actor: call.context.principal)
                try controller.changeSettings(SettingsChange(publicIP: publicIP ?? ""), actor: call.context.principal)
                return UIPage.redirect("/ui/setup")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return setupPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
        }
    }

    func setupPage(_ call: UICall, flash: UIPage.Flash? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let step = setupStep()
        let e = UIPage.escape
        let csrf = UIPage.csrfField(call.session)
        let snapshot = controller.snapshot
        let progress = controller.keysets.progress
        var html = "<h1>Set up this controller</h1>\n<ol class=\"steps\" id=\"setup-steps\">"
        for (item, title) in [(SetupStep.topology, "Topology"), (.keyset, "Keyset"), (.identity, "Peer id and public address")] {
            let state = item < step ? "done" : item == step ? "current" : "later"
            html += "<li data-step=\"\(item.rawValue)\" data-state=\"\(state)\"\(item == step ? " aria-current=\"step\"" : "")>\(title)\(item < step ? " ✓" : "")</li>"
        }
        html += "</ol>\n"
        switch step {
        case .topology:
            let top = Topology.default
            html += """
            <section class="card" aria-labelledby="topology-title"><h2 id="topology-title">1. Topology</h2>
            <p>The overlay subnet holds the controllers' and the clients' addresses. It cannot be changed later on this controller, and every controller of one mesh must use the same topology. The controller restarts when you accept it.</p>
            <form method="post" action="/ui/setup/topology" id="topology-form">\(csrf)
            <fieldset><legend>Overlay</legend>
            <label><input type="radio" name="topology" value="default" checked> VNS3's default: \(e(top.subnet.description)), controllers at \(e(top.managers.map(\.description).joined(separator: ", "))), \(top.clients.count) clients</label>
            <label><input type="radio" name="topology" value="custom" id="topology-custom"> My own subnet</label>
            </fieldset>
            <label for="subnet">Overlay subnet (CIDR, e.g. 10.99.0.0/24)</label>
            <input type="text" id="subnet" name="subnet" inputmode="decimal" placeholder="10.99.0.0/24" autocomplete="off">
            <label for="managers">Controller addresses (optional, space-separated, one per controller of the mesh; default: one controller at the subnet's third-highest address)</label>
            <input type="text" id="managers" name="managers" autocomplete="off">
            <label for="asns">BGP AS numbers (optional, one per controller, space-separated)</label>
            <input type="text" id="asns" name="asns" autocomplete="off">
            <div class="row"><button type="submit" id="topology-accept">Accept topology and restart</button></div>
            </form></section>
            """
        case .keyset:
            if progress.inProgress {
                html += """
                <section class="card" aria-labelledby="keyset-title"><h2 id="keyset-title">2. Keyset</h2>
                <p id="keyset-progress" role="status">The keyset is being made; this page reloads until it is ready.</p>
                <meta http-equiv="refresh" content="2"></section>
                """
            } else {
                let error = progress.lastError.map { "<p class=\"flash error\" role=\"alert\">The last attempt failed: \(e($0))</p>" } ?? ""
                html += """
                <section class="card" aria-labelledby="keyset-title"><h2 id="keyset-title">2. Keyset</h2>\(error)
                <p>The keyset holds the certificate authority and every client's keys. The first controller of a mesh generates it, sealed with a <strong>token</strong> that the other controllers present to fetch it; keep the token like a password (at least \(KeysetToken.minimumLength) characters, mixing letters, digits or other characters).</p>
                <form method="post" action="/ui/setup/keyset" id="keyset-generate">\(csrf)<input type="hidden" name="mode" value="generate">
                <h3>Generate a new keyset</h3>
                <label for="token">Keyset token</label>
                <input type="password" id="token" name="token" minlength="\(KeysetToken.minimumLength)" autocomplete="new-password" required>
                <label for="token_again">The token again</label>
                <input type="password" id="token_again" name="token_again" minlength="\(KeysetToken.minimumLength)" autocomplete="new-password" required>
                <div class="row"><button type="submit" id="keyset-generate-button">Generate keyset</button></div>
                </form>
                <form method="post" action="/ui/setup/keyset" id="keyset-fetch">\(csrf)<input type="hidden" name="mode" value="fetch">
                <h3>Or fetch it from another controller of this mesh</h3>
                <label for="source">That controller's address</label>
                <input type="text" id="source" name="source" inputmode="decimal" autocomplete="off" required>
                <label for="fetch-token">Its keyset token</label>
                <input type="password" id="fetch-token" name="token" autocomplete="off" required>
                <div class="row"><button type="submit" class="secondary" id="keyset-fetch-button">Fetch keyset</button></div>
                </form></section>
                """
            }
        case .identity, .done:
            let count = snapshot.topology?.managers.count ?? 1
            let current = snapshot.peering.id ?? 1
            let address = controller.publicAddress?.description ?? ""
            var options = ""
            for id in 1...max(1, count) {
                let overlay = snapshot.topology?.managerAddress(peerID: id)?.description ?? ""
                options += "<option value=\"\(id)\"\(id == current ? " selected" : "")>\(id) (overlay address \(e(overlay)))</option>"
            }
            if step == .done {
                html += """
                <section class="card" aria-labelledby="done-title"><h2 id="done-title">Ready</h2>
                <p id="setup-done" class="flash ok">This controller is set up: peer id \(snapshot.peering.id ?? 1), clientpacks name \(e(address)) as their server.</p>
                <p>Next: <a href="/ui/clientpacks">download a clientpack</a> and connect a first client (the README's "Connect a first client"), or <a href="/ui/firewall">open the firewall</a>.</p></section>
                """
            }
            html += """
            <section class="card" aria-labelledby="identity-title"><h2 id="identity-title">3. Peer id and public address</h2>
            <form method="post" action="/ui/setup/identity" id="identity-form">\(csrf)
            <label for="peer_id">This controller's peer id in the mesh</label>
            <select id="peer_id" name="peer_id">\(options)</select>
            <label for="public_ip">Public address (what clients connect to; on a cloud VM, its public or elastic IP)</label>
            <input type="text" id="public_ip" name="public_ip" value="\(e(address))" inputmode="decimal" autocomplete="off" aria-describedby="public-ip-note">
            \(publicAddressNote(address))
            <div class="row"><button type="submit" id="identity-save">Save</button></div>
            </form></section>
            """
        }
        return UIPage.html(UIPage.frame(title: "Setup", body: html, session: call.session, current: "/ui/setup", flash: flash), status: status)
    }

    /// Says when the public address is not one clients on the internet can reach.
    func publicAddressNote(_ address: String) -> String {
        guard let parsed = IPv4Address(address), let kind = PublicAddress.kind(parsed) else {
            return "<p class=\"muted\" id=\"public-ip-note\">Clientpacks name this address as their server.</p>"
        }
        return "<p class=\"flash error\" id=\"public-ip-note\" role=\"status\">\(UIPage.escape(address)) is \(UIPage.escape(kind)): clients outside this network cannot reach it. On a cloud VM, enter the public IP.</p>"
    }
}
