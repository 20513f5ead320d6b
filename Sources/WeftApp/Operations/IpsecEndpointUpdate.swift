import WeftModel
import WeftReconciler

/// Edits of an existing IPsec endpoint and of its eBGP peers, shared by
/// `PUT /api/ipsec/endpoints/{id}`, `/api/ipsec/endpoints/{id}/ebgp_peers…` and the UI.
extension Controller {
    /// Applies validated fields to endpoint `id`; its VPN type cannot change.
    public func updateIpsecEndpoint(id: String?, _ fields: InputFields, actor: String?) throws -> IpsecEndpoint {
        try changeIpsec(actor: actor, "ipsec.endpoint.update", detail: id ?? "") { config -> IpsecEndpoint in
            let index = try Self.endpointIndex(id, in: config)
            var endpoint = config.endpoints[index]
            let wasType = endpoint.vpnType
            try IpsecInput.apply(fields, to: &endpoint, creating: false)
            guard endpoint.vpnType == wasType else {
                throw ValidationError(field: "vpn_type", "Field \"vpn_type\" cannot change on an existing endpoint; delete it and create a new one")
            }
            try IpsecInput.check(endpoint, among: config)
            if endpoint.vpnType == .vti, var first = endpoint.tunnels.first {
                first.localSubnet = endpoint.routeBasedLocal
                first.remoteSubnet = endpoint.routeBasedRemote
                endpoint.tunnels[0] = first
            }
            config.endpoints[index] = endpoint
            return endpoint
        }
    }

    /// The endpoint and peer indexes of eBGP peer `peerID` on endpoint `endpointID`.
    public static func bgpPeerIndex(endpointID: String?, peerID: String?, in config: IpsecConfig) throws -> (Int, Int) {
        let endpoint = try endpointIndex(endpointID, in: config)
        guard let id = Int(peerID ?? ""), let index = config.endpoints[endpoint].bgpPeers.firstIndex(where: { $0.id == id }) else {
            throw ValidationError(.notFound, "No eBGP peer \(peerID ?? "") on this endpoint")
        }
        return (endpoint, index)
    }

    /// Creates (`peerID` nil) or edits an eBGP peer of an endpoint; an address may belong to
    /// one peer only. Returns the endpoint.
    public func saveBGPPeer(endpointID: String?, peerID: String?, _ fields: InputFields, actor: String?) throws -> IpsecEndpoint {
        let creating = peerID == nil
        let ownASN = BirdReconciler.asn(snapshot)
        return try changeIpsec(actor: actor, "ipsec.ebgp.\(creating ? "create" : "update")", detail: peerID ?? "") { config -> IpsecEndpoint in
            let endpointIndex: Int
            var peer: BGPPeer
            if creating {
                endpointIndex = try Self.endpointIndex(endpointID, in: config)
                peer = BGPPeer(id: config.nextPeerID, address: "", asn: 0)
            } else {
                let (e, p) = try Self.bgpPeerIndex(endpointID: endpointID, peerID: peerID, in: config)
                endpointIndex = e
                peer = config.endpoints[e].bgpPeers[p]
            }
            try IpsecInput.apply(fields, to: &peer, creating: creating, ownASN: ownASN)
            for other in config.bgpPeers where other.peer.id != peer.id && other.peer.address == peer.address {
                throw ValidationError(.conflict, field: "ipaddress", name: "Conflict",
                                      "Field \"ipaddress\": eBGP peer \(other.peer.id) already uses \(peer.address)")
            }
            if creating {
                config.nextPeerID += 1
                config.endpoints[endpointIndex].bgpPeers.append(peer)
            } else if let index = config.endpoints[endpointIndex].bgpPeers.firstIndex(where: { $0.id == peer.id }) {
                config.endpoints[endpointIndex].bgpPeers[index] = peer
            }
            return config.endpoints[endpointIndex]
        }
    }

    /// Removes an eBGP peer; returns the endpoint.
    public func deleteBGPPeer(endpointID: String?, peerID: String?, actor: String?) throws -> IpsecEndpoint {
        try changeIpsec(actor: actor, "ipsec.ebgp.delete", detail: peerID ?? "") { config -> IpsecEndpoint in
            let (endpoint, index) = try Self.bgpPeerIndex(endpointID: endpointID, peerID: peerID, in: config)
            config.endpoints[endpoint].bgpPeers.remove(at: index)
            return config.endpoints[endpoint]
        }
    }
}
