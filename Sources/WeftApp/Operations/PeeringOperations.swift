import WeftModel
import WeftStore

/// The mesh's peers: `POST /api/peering/peers`, `PUT/DELETE /api/peering/peers/{id}` and
/// the UI's peering page (one direction; the reverse call is made on the other controller).
extension Controller {
    /// `POST /api/peering/peers` (also the web UI's form): adds or replaces one peer.
    @discardableResult
    public func addPeer(_ body: InputFields, actor: String?) throws -> Int {
        let state = snapshot
        guard let topology = state.topology else { throw SettingsCheck.mustBeLicensed }
        guard let id = try body.int("id", required: true), (1...topology.managers.count).contains(id) else {
            throw ValidationError(.argument, "Field \"id\": the peer id must be between 1 and \(topology.managers.count)")
        }
        guard id != state.peering.id else { throw ValidationError(.argument, "Field \"id\": \(id) is this controller's own peer id") }
        var peer = PeeringPeer(id: id, name: "")
        try Self.apply(body, to: &peer, creating: true)
        try commit(actor, "peering.peer.create", detail: "\(id) \(peer.name)") { db in
            var peers = try Store.get(.peeringPeers, in: db) ?? PeeringPeers()
            if let index = peers.peers.firstIndex(where: { $0.id == id }) { peers.peers[index] = peer } else { peers.peers.append(peer) }
            peers.peers.sort { $0.id < $1.id }
            try Store.set(.peeringPeers, peers, in: db)
        }
        return id
    }

    static func apply(_ body: InputFields, to peer: inout PeeringPeer, creating: Bool) throws {
        if let name = try body.string("name", required: creating) {
            guard let address = IPv4Address(name.trimmed) else {
                throw ValidationError(.argument, "Field \"name\" must be the peer controller's IPv4 address (host names are not resolved yet), got \"\(name)\"")
            }
            peer.name = address.description
        }
        if body.has("overlay_mtu") {
            guard let mtu = try body.int("overlay_mtu"), (500...4800).contains(mtu) else {
                throw ValidationError(.argument, "Field \"overlay_mtu\" must be 500 to 4800")
            }
            peer.overlayMTU = min(mtu, 1420)
        }
        if let force = try body.bool("force") { peer.finalized = force }
    }

    public func updatePeer(id: String?, _ body: InputFields, actor: String?) throws {
        try commit(actor, "peering.peer.update", detail: id ?? "", describing: { db -> (value: Void, change: String) in
            var peers = try Store.get(.peeringPeers, in: db) ?? PeeringPeers()
            let index = try Self.peerIndex(id, peers)
            let before = peers.peers[index]
            try Self.apply(body, to: &peers.peers[index], creating: false)
            try Store.set(.peeringPeers, peers, in: db)
            return ((), FieldChanges.describe(before, peers.peers[index]))
        })
    }

    public func removePeer(id: String?, actor: String?) throws {
        try commit(actor, "peering.peer.delete", detail: id ?? "") { db in
            var peers = try Store.get(.peeringPeers, in: db) ?? PeeringPeers()
            peers.peers.remove(at: try Self.peerIndex(id, peers))
            try Store.set(.peeringPeers, peers, in: db)
        }
    }

    static func peerIndex(_ id: String?, _ peers: PeeringPeers) throws -> Int {
        guard let number = Int(id ?? ""), let index = peers.peers.firstIndex(where: { $0.id == number }) else {
            throw ValidationError(.notFound, "No peer \(id ?? "")")
        }
        return index
    }
}
