import WeftModel
import WeftStore

/// The mesh as `GET /api/peering` shapes it, with Weft's per-peer link and BGP state.
public enum PeeringView {
    /// PeeringStatus, with Weft's per-peer link and BGP state.
    public static func status(_ controller: Controller) async -> JSONValue {
        let state = controller.snapshot
        guard case .object(var status) = Present.peering(state), case .object(var managers)? = status["managers"] else {
            return Present.peering(state)
        }
        let handshakes = await controller.peering?.handshakes() ?? [:]
        let protocols = (try? await controller.bird?.control.protocols()) ?? []
        let routes = (try? await controller.bird?.control.bgpRoutes()) ?? []
        let now = Store.now()
        let sync = controller.meshSync?.status ?? [:]
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
            entry["mesh_state"] = meshState(sync[peer.id], now: Double(now))
            managers[String(peer.id)] = .object(entry)
        }
        status["managers"] = .object(managers)
        if let digest = try? controller.meshState().state.digest { status["mesh_state_digest"] = .string(digest) }
        status["mesh_catch_up"] = catchUp(controller.meshAdmission.current)
        return .object(status)
    }

    /// Whether this controller admits clients yet after its start, and why.
    public static func catchUp(_ c: MeshCatchUp) -> JSONValue {
        var o: JSONObject = ["state": .string(c.phase.rawValue), "bound_seconds": .int(Int(c.bound)),
                             "since": .string(Timestamps.iso8601(Int(c.since))), "admitting": .bool(c.admitting)]
        if let t = c.endedAt { o["ended_at"] = .string(Timestamps.iso8601(Int(t))) }
        if let p = c.peer { o["peer"] = .int(p) }
        return .object(o)
    }

    /// The key state exchange with one peer: whether the digests agree, the lag since they
    /// last did, the newest version merged from it.
    static func meshState(_ p: MeshSync.PeerState?, now: Double) -> JSONValue {
        guard let p else { return ["digests_agree": .bool(false), "exchanged": .bool(false)] }
        var o: JSONObject = ["digests_agree": .bool(p.agreed), "exchanged": .bool(p.lastExchange != nil), "rounds": .int(p.rounds)]
        if let t = p.lastExchange { o["last_exchange"] = .string(Timestamps.iso8601(Int(t))) }
        o["lag_seconds"] = p.agreed ? .int(0) : (p.lastAgreed.map { .int(Int(now - $0)) } ?? .null)
        if let v = p.lastVersionApplied { o["last_version_applied"] = .string(Timestamps.iso8601(Int(v / 1000))) }
        if let e = p.error { o["error"] = .string(e) }
        return .object(o)
    }
}
