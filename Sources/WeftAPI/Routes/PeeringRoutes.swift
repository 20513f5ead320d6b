import Hummingbird
import WeftModel
import WeftReconciler
import WeftStore
import WeftApp

/// `GET /api/peering`, `PUT /api/peering/self`, and the mesh: `POST /api/peering/peers`,
/// `PUT/DELETE /api/peering/peers/{id}` (one direction; the reverse call is made on the
/// other controller).
struct PeeringRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("peering") { _, _ in
            Reply.ok(await Self.status(controller))
        }
        api.post("peering/peers") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/peering/peers",
                                                     known: ["force", "id", "name", "overlay_mtu"])
            try Self.addPeer(body, controller: controller, principal: context.principal)
            return Reply.ok(await Self.status(controller))
        }
        api.put("peering/peers/:peer_id") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/peering/peers/{peer_id}",
                                                     known: ["force", "name", "overlay_mtu"])
            try controller.commit(context.principal, "peering.peer.update", detail: context.parameters.get("peer_id") ?? "") { db in
                var peers = try Store.get(.peeringPeers, in: db) ?? PeeringPeers()
                guard let id = Int(context.parameters.get("peer_id") ?? ""), let index = peers.peers.firstIndex(where: { $0.id == id }) else {
                    throw APIError.notFound("No peer \(context.parameters.get("peer_id") ?? "")")
                }
                try Self.apply(body, to: &peers.peers[index], creating: false)
                try Store.set(.peeringPeers, peers, in: db)
            }
            return Reply.ok(await Self.status(controller))
        }
        api.delete("peering/peers/:peer_id") { _, context in
            try controller.commit(context.principal, "peering.peer.delete", detail: context.parameters.get("peer_id") ?? "") { db in
                var peers = try Store.get(.peeringPeers, in: db) ?? PeeringPeers()
                guard let id = Int(context.parameters.get("peer_id") ?? ""), let index = peers.peers.firstIndex(where: { $0.id == id }) else {
                    throw APIError.notFound("No peer \(context.parameters.get("peer_id") ?? "")")
                }
                peers.peers.remove(at: index)
                try Store.set(.peeringPeers, peers, in: db)
            }
            return Reply.ok(await Self.status(controller))
        }
        api.put("peering/self") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/peering/self", known: ["force", "id"])
            guard let id = try body.int("id", required: true) else { throw APIError.argument("Field \"id\" is required") }
            try controller.setPeerID(id, force: try body.bool("force") ?? true, actor: context.principal)
            return Reply.ok(await Self.status(controller))
        }
    }

    /// `POST /api/peering/peers` (also the web UI's form): adds or replaces one peer.
    @discardableResult
    static func addPeer(_ body: RequestFields, controller: Controller, principal: String?) throws -> Int {
        let state = controller.snapshot
        guard let topology = state.topology else { throw SettingsCheck.mustBeLicensed }
        guard let id = try body.int("id", required: true), (1...topology.managers.count).contains(id) else {
            throw APIError.argument("Field \"id\": the peer id must be between 1 and \(topology.managers.count)")
        }
        guard id != state.peering.id else { throw APIError.argument("Field \"id\": \(id) is this controller's own peer id") }
        var peer = PeeringPeer(id: id, name: "")
        try apply(body, to: &peer, creating: true)
        try controller.commit(principal, "peering.peer.create", detail: "\(id) \(peer.name)") { db in
            var peers = try Store.get(.peeringPeers, in: db) ?? PeeringPeers()
            if let index = peers.peers.firstIndex(where: { $0.id == id }) { peers.peers[index] = peer } else { peers.peers.append(peer) }
            peers.peers.sort { $0.id < $1.id }
            try Store.set(.peeringPeers, peers, in: db)
        }
        return id
    }

    static func apply(_ body: RequestFields, to peer: inout PeeringPeer, creating: Bool) throws {
        if let name = try body.string("name", required: creating) {
            guard let address = IPv4Address(name.trimmed) else {
                throw APIError.argument("Field \"name\" must be the peer controller's IPv4 address (host names are not resolved yet), got \"\(name)\"")
            }
            peer.name = address.description
        }
        if body.has("overlay_mtu") {
            guard let mtu = try body.int("overlay_mtu"), (500...4800).contains(mtu) else {
                throw APIError.argument("Field \"overlay_mtu\" must be 500 to 4800")
            }
            peer.overlayMTU = min(mtu, 1420)
        }
        if let force = try body.bool("force") { peer.finalized = force }
    }

    /// PeeringStatus, with Weft's per-peer link and BGP state.
    static func status(_ controller: Controller) async -> JSONValue {
        let state = controller.snapshot
        guard case .object(var status) = Present.peering(state), case .object(var managers)? = status["managers"] else {
            return Present.peering(state)
        }
        let handshakes = await controller.peering?.handshakes() ?? [:]
        let protocols = (try? await controller.bird?.control.protocols()) ?? []
        let routes = (try? await controller.bird?.control.bgpRoutes()) ?? []
        let now = Store.now()
        for peer in state.peers.peers {
            guard case .object(var entry)? = managers[String(peer.id)] else { continue }
            entry["not_set"] = nil
            entry["peered"] = true
            entry["address"] = .string(peer.name)
            entry["overlay_mtu"] = .int(peer.overlayMTU)
            let handshake = handshakes[peer.id]?.lastHandshake ?? 0
            let session = protocols.first { $0.name == BirdConfig.meshName(peer.id) }
            let linkUp = handshake > 0 && now - handshake < 180
            entry["link_up"] = .bool(linkUp)
            entry["bgp_state"] = .string(session.map { $0.info.isEmpty ? $0.state : $0.info } ?? "not running")
            entry["connected"] = .bool(linkUp && session?.info.hasPrefix("Established") == true)
            entry["since"] = .string(session?.since ?? "")
            entry["routes_received"] = .int(routes.filter { $0.protocolName == BirdConfig.meshName(peer.id) }.count)
            managers[String(peer.id)] = .object(entry)
        }
        status["managers"] = .object(managers)
        return .object(status)
    }
}
