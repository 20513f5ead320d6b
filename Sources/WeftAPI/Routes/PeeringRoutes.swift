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
        api.get("peering", use: show)
        api.post("peering/peers", use: addPeer)
        api.put("peering/peers/:peer_id", use: updatePeer)
        api.delete("peering/peers/:peer_id", use: removePeer)
        api.put("peering/self", use: setSelf)
    }

    @Sendable func show(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(await Self.status(controller))
    }

    @Sendable func addPeer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/peering/peers",
                                                 known: ["force", "id", "name", "overlay_mtu"])
        try controller.addPeer(body, actor: context.principal)
        return try await show(request, context)
    }

    @Sendable func updatePeer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/peering/peers/{peer_id}",
                                                 known: ["force", "name", "overlay_mtu"])
        try controller.updatePeer(id: context.parameters.get("peer_id"), body, actor: context.principal)
        return try await show(request, context)
    }

    @Sendable func removePeer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        try controller.removePeer(id: context.parameters.get("peer_id"), actor: context.principal)
        return try await show(request, context)
    }

    @Sendable func setSelf(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/peering/self", known: ["force", "id"])
        guard let id = try body.int("id", required: true) else { throw APIError.argument("Field \"id\" is required") }
        try controller.setPeerID(id, force: try body.bool("force") ?? true, actor: context.principal)
        return try await show(request, context)
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
