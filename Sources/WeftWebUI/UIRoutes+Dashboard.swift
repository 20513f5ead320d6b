import Foundation
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftReconciler
import WeftStore

/// `/ui/`: identity, topology, subsystem status and live traffic charts.
extension UIRoutes {
    func registerDashboard(_ router: Router<WeftRequestContext>) {
        page(router, "ui") { call in
            UIPage.html(UIPage.frame(title: "Dashboard", body: dashboard(), session: call.session, current: "/ui/"))
        }
        page(router, "ui/fragments/traffic") { _ in
            UIPage.html(TrafficChart.fragment(state.sampler.series(), interval: Int(state.sampler.interval.components.seconds)))
        }
    }

    func dashboard() -> String {
        let snapshot = controller.snapshot
        let facts = controller.facts.facts
        let board = controller.reconciler.board
        let e = UIPage.escape
        var html = "<h1>Dashboard</h1>\n"
        switch setupStep() {
        case .done: break
        case let step:
            let what = step == .topology ? "accept a topology" : step == .keyset ? "make or fetch the keyset" : "choose its peer id and public address"
            html += "<p class=\"flash info\" id=\"setup-banner\">This controller is not set up yet: <a href=\"/ui/setup\">\(what)</a>.</p>\n"
        }
        let publicIP = controller.publicAddress
        if let publicIP, let kind = PublicAddress.kind(publicIP) {
            html += "<p class=\"flash error\" id=\"public-ip-warning\">The public address \(e(publicIP.description)) is \(e(kind)): clientpacks name it as their server, so clients outside this network cannot connect. <a href=\"/ui/setup\">Set the public address</a>.</p>\n"
        }
        html += "<div class=\"grid2\">\n"

        var identity: [(String, String)] = [
            ("Version", "Weft \(WeftVersion.weft) (VNS3-compatible API \(WeftVersion.vns3Compatible))"),
            ("Controller name", snapshot.controller.controllerName.isEmpty ? "—" : snapshot.controller.controllerName),
            ("Topology name", snapshot.controller.topologyName.isEmpty ? "—" : snapshot.controller.topologyName),
            ("Private IP", facts.privateIP?.description ?? "—"),
            ("Public IP", publicIP?.description ?? "—"),
            ("Peer id", snapshot.peering.id.map(String.init) ?? "not set"),
            ("Uplink", facts.uplink),
            ("Generation", "\(snapshot.generation)"),
            ("Mode", board.applying ? "applying to the OS" : "no-apply: planning only, the OS is never touched"),
        ]
        identity.append(("Running since", UIPage.timeText(controller.startedAt)))
        html += "<section class=\"card\" aria-labelledby=\"identity\"><h2 id=\"identity\">Controller</h2>" + facts_(identity) + "</section>\n"

        var topology: [(String, String)] = []
        if let top = snapshot.topology {
            topology = [
                ("Licensed", snapshot.license?.finalized == true ? "yes" : "parameters not accepted yet"),
                ("Overlay subnet", top.subnet.description),
                ("Controllers", top.managers.enumerated().map { "\($0.offset + 1): \($0.element)" }.joined(separator: ", ")),
                ("ASNs", top.asns.map(String.init).joined(separator: ", ")),
                ("Client addresses", "\(top.clients.count)"),
                ("Keyset", snapshot.overlayKeys != nil ? "present" : "not yet (see Setup)"),
                ("Mesh peers", "\(snapshot.peers.peers.count)"),
            ]
        } else {
            topology = [("Licensed", snapshot.licensed ? "licence uploaded; parameters not accepted yet" : "no licence yet")]
        }
        html += "<section class=\"card\" aria-labelledby=\"topology\"><h2 id=\"topology\">Topology</h2>" + facts_(topology) + "</section>\n</div>\n"

        html += """
        <section class="card" aria-labelledby="subsystems"><h2 id="subsystems">Subsystems</h2>
        <div class="table-wrap"><table id="subsystem-table">
        <thead><tr><th scope="col">Subsystem</th><th scope="col">State</th><th scope="col">Generation reached</th><th scope="col">Message</th><th scope="col">Updated</th></tr></thead>
        <tbody>
        """
        for status in board.all {
            let applied = status.appliedGeneration.map { "\($0) of \(status.desiredGeneration)" } ?? "— of \(status.desiredGeneration)"
            html += "<tr data-subsystem=\"\(e(status.name))\"><th scope=\"row\">\(e(status.name))</th>"
            html += "<td><span class=\"badge \(e(status.state.rawValue))\">\(e(status.state.rawValue))</span></td>"
            html += "<td>\(e(applied))</td><td>\(e(status.message))</td><td>\(e(UIPage.timeText(status.updatedAt)))</td></tr>\n"
        }
        html += "</tbody></table></div></section>\n"

        let interval = Int(state.sampler.interval.components.seconds)
        html += """
        <section class="card" aria-labelledby="traffic-title"><h2 id="traffic-title">Traffic</h2>
        <p class="muted">Bytes per second on each interface (the overlay is tun0/tun1, IPsec tunnels ipsec0), sampled every \(interval) s over the last \(interval * state.sampler.capacity / 60) minutes; refreshes by itself.</p>
        <div id="traffic" data-src="/ui/fragments/traffic" aria-live="off">\(TrafficChart.fragment(state.sampler.series(), interval: interval))</div>
        </section>
        """
        return html
    }

    func facts_(_ rows: [(String, String)]) -> String {
        "<dl class=\"facts\">" + rows.map { "<dt>\(UIPage.escape($0.0))</dt><dd>\(UIPage.escape($0.1))</dd>" }.joined() + "</dl>"
    }
}
