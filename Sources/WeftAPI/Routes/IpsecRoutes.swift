import Foundation
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftReconciler
import WeftStore

/// `/api/ipsec` (system, endpoints, tunnels, traffic pairs, eBGP peers) and the IPsec
/// status endpoints. Writes validate everything first, then change the stored
/// configuration in one transaction; the reconciler loads the result into charon/BIRD.
struct IpsecRoutes {
    let controller: Controller

    /// One read-modify-write of the IPsec configuration (see `Controller.changeIpsec`).
    @discardableResult
    func change<T>(_ context: WeftRequestContext, _ action: String, detail: String = "",
                   _ mutate: (inout IpsecConfig) throws -> T) throws -> T {
        try controller.changeIpsec(actor: context.principal, action, detail: detail, mutate)
    }

    static func endpointIndex(_ context: WeftRequestContext, in config: IpsecConfig) throws -> Int {
        try Controller.endpointIndex(context.parameters.get("endpoint_id"), in: config)
    }

    func register(_ api: APIGroup) {
        let controller = self.controller
        api.get("ipsec") { _, _ in Reply.ok(IpsecView.system(controller)) }
        api.put("ipsec") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/ipsec", known: ["ipsec_local_ipaddress", "async"])
            if let text = try body.string("ipsec_local_ipaddress") {
                try controller.setIpsecLocalAddress(text, actor: context.principal)
            }
            return Reply.ok(IpsecView.system(controller))
        }
        api.post("ipsec") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/ipsec", known: ["restart"])
            if try body.bool("restart") ?? true { try await controller.restartIpsec(actor: context.principal) }
            return Reply.ok(["restart": true])
        }

        api.post("ipsec/endpoints") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/ipsec/endpoints", known: IpsecInput.endpointFields)
            let created = try controller.createIpsecEndpoint(body, actor: context.principal)
            return Reply.ok(IpsecView.endpoint(created))
        }
        api.get("ipsec/endpoints/:endpoint_id") { _, context in
            let config = controller.snapshot.ipsec
            return Reply.ok(IpsecView.endpoint(config.endpoints[try Self.endpointIndex(context, in: config)]))
        }
        api.put("ipsec/endpoints/:endpoint_id") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/ipsec/endpoints/{endpoint_id}", known: IpsecInput.endpointFields)
            let updated = try change(context, "ipsec.endpoint.update", detail: context.parameters.get("endpoint_id") ?? "") { config -> IpsecEndpoint in
                let index = try Self.endpointIndex(context, in: config)
                var endpoint = config.endpoints[index]
                let wasType = endpoint.vpnType
                try IpsecInput.apply(body, to: &endpoint, creating: false)
                guard endpoint.vpnType == wasType else {
                    throw APIError.argument("Field \"vpn_type\" cannot change on an existing endpoint; delete it and create a new one")
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
            return Reply.ok(IpsecView.endpoint(updated))
        }
        api.delete("ipsec/endpoints/:endpoint_id") { _, context in
            try controller.deleteIpsecEndpoint(id: context.parameters.get("endpoint_id"), actor: context.principal)
            return Reply.ok(IpsecView.system(controller))
        }

        registerTunnels(api, kind: "tunnels", trafficPair: false)
        registerTunnels(api, kind: "traffic_pairs", trafficPair: true)
        registerPeers(api)
        registerStatus(api)
    }

    /// Tunnels (`tunnels`) and traffic pairs (`traffic_pairs`): the same policies, listed apart.
    func registerTunnels(_ api: APIGroup, kind: String, trafficPair: Bool) {
        let controller = self.controller
        let idName = trafficPair ? "pair_id" : "tunnel_id"
        api.post("ipsec/endpoints/:endpoint_id/\(kind)") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/ipsec/endpoints/{endpoint_id}/\(kind)", known: IpsecInput.tunnelFields)
            let endpoint = try controller.addIpsecTunnel(endpointID: context.parameters.get("endpoint_id"), body, trafficPair: trafficPair, actor: context.principal)
            return Reply.ok(IpsecView.endpoint(endpoint))
        }
        api.put("ipsec/endpoints/:endpoint_id/\(kind)/:\(idName)") { request, context in
            var known = IpsecInput.tunnelFields
            if !trafficPair { known.insert("bounce") }
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/ipsec/endpoints/{endpoint_id}/\(kind)/{\(idName)}", known: known)
            let tunnel = try controller.updateIpsecTunnel(endpointID: context.parameters.get("endpoint_id"), tunnelID: context.parameters.get(idName),
                                                          trafficPair: trafficPair, body, actor: context.principal)
            if try body.bool("bounce") ?? false, tunnel.enabled { await controller.ipsec?.bounce(tunnel: tunnel.id) }
            return Reply.ok(IpsecView.tunnel(tunnel, endpointID: Int(context.parameters.get("endpoint_id") ?? "") ?? 0))
        }
        api.delete("ipsec/endpoints/:endpoint_id/\(kind)/:\(idName)") { _, context in
            let endpoint = try controller.deleteIpsecTunnel(endpointID: context.parameters.get("endpoint_id"), tunnelID: context.parameters.get(idName),
                                                            trafficPair: trafficPair, actor: context.principal)
            return Reply.ok(IpsecView.endpoint(endpoint))
        }
        if trafficPair {
            for (verb, enabled) in [("enable", true), ("disable", false)] {
                api.put("ipsec/endpoints/:endpoint_id/traffic_pairs/:pair_id/\(verb)") { request, context in
                    _ = try await RequestFields.parse(request, context: context, endpoint: "PUT .../traffic_pairs/{pair_id}/\(verb)", known: [])
                    let tunnel = try controller.setIpsecTunnelEnabled(endpointID: context.parameters.get("endpoint_id"), tunnelID: context.parameters.get("pair_id"),
                                                                      trafficPair: true, enabled, actor: context.principal)
                    return Reply.ok(IpsecView.tunnel(tunnel, endpointID: Int(context.parameters.get("endpoint_id") ?? "") ?? 0))
                }
            }
        }
    }

    func registerPeers(_ api: APIGroup) {
        let controller = self.controller
        @Sendable func locate(_ context: WeftRequestContext, _ config: IpsecConfig) throws -> (Int, Int) {
            let endpoint = try Self.endpointIndex(context, in: config)
            guard let id = Int(context.parameters.get("bgp_peer_id") ?? ""),
                  let index = config.endpoints[endpoint].bgpPeers.firstIndex(where: { $0.id == id }) else {
                throw APIError.notFound("No eBGP peer \(context.parameters.get("bgp_peer_id") ?? "") on this endpoint")
            }
            return (endpoint, index)
        }
        api.get("ipsec/endpoints/:endpoint_id/ebgp_peers/:bgp_peer_id") { request, context in
            let config = controller.snapshot.ipsec
            let (endpoint, index) = try locate(context, config)
            let peer = config.endpoints[endpoint].bgpPeers[index]
            var value = IpsecView.peer(peer)
            if ["true", "1", "yes"].contains((request.query("verbose") ?? "").lowercased()), case .object(var object) = value {
                let state = try? await controller.bird?.control.protocols().first { $0.name == BirdConfig.peerName(peer.id) }
                object["state"] = .string(state?.info.isEmpty == false ? state!.info : (state?.state ?? "not running"))
                value = .object(object)
            }
            return Reply.ok(value)
        }
        for (method, creating) in [("post", true), ("put", false)] {
            let handler: APIGroup.Handler = { request, context in
                let body = try await RequestFields.parse(request, context: context, endpoint: "\(method.uppercased()) /api/ipsec/endpoints/{endpoint_id}/ebgp_peers",
                                                         known: IpsecInput.peerFields)
                let ownASN = BirdReconciler.asn(controller.snapshot)
                let endpoint = try change(context, "ipsec.ebgp.\(creating ? "create" : "update")") { config -> IpsecEndpoint in
                    let endpointIndex: Int
                    var peer: BGPPeer
                    if creating {
                        endpointIndex = try Self.endpointIndex(context, in: config)
                        peer = BGPPeer(id: config.nextPeerID, address: "", asn: 0)
                    } else {
                        let (e, p) = try locate(context, config)
                        endpointIndex = e
                        peer = config.endpoints[e].bgpPeers[p]
                    }
                    try IpsecInput.apply(body, to: &peer, creating: creating, ownASN: ownASN)
                    for other in config.bgpPeers where other.peer.id != peer.id && other.peer.address == peer.address {
                        throw APIError(.badRequest, "Conflict", "Field \"ipaddress\": eBGP peer \(other.peer.id) already uses \(peer.address)")
                    }
                    if creating {
                        config.nextPeerID += 1
                        config.endpoints[endpointIndex].bgpPeers.append(peer)
                    } else if let index = config.endpoints[endpointIndex].bgpPeers.firstIndex(where: { $0.id == peer.id }) {
                        config.endpoints[endpointIndex].bgpPeers[index] = peer
                    }
                    return config.endpoints[endpointIndex]
                }
                return Reply.ok(IpsecView.endpoint(endpoint))
            }
            if creating { api.post("ipsec/endpoints/:endpoint_id/ebgp_peers", use: handler) } else {
                api.put("ipsec/endpoints/:endpoint_id/ebgp_peers/:bgp_peer_id", use: handler)
            }
        }
        api.delete("ipsec/endpoints/:endpoint_id/ebgp_peers/:bgp_peer_id") { _, context in
            let endpoint = try change(context, "ipsec.ebgp.delete", detail: context.parameters.get("bgp_peer_id") ?? "") { config -> IpsecEndpoint in
                let (endpoint, index) = try locate(context, config)
                config.endpoints[endpoint].bgpPeers.remove(at: index)
                return config.endpoints[endpoint]
            }
            return Reply.ok(IpsecView.endpoint(endpoint))
        }
    }

    func registerStatus(_ api: APIGroup) {
        let controller = self.controller
        api.get("status/ipsec") { request, _ in
            let config = controller.snapshot.ipsec
            let live = controller.ipsec?.liveTunnels() ?? [:]
            let brief = ["true", "1", "yes"].contains((request.query("up_down_status_only") ?? "").lowercased())
            var result = JSONObject()
            for endpoint in config.endpoints {
                for tunnel in endpoint.tunnels {
                    let sa = live[tunnel.id]
                    let connected = sa?.connected ?? false
                    var entry: JSONObject = [
                        "id": .int(tunnel.id),
                        "local_subnet": .string(tunnel.localSubnet),
                        "remote_subnet": .string(tunnel.remoteSubnet),
                        "endpointid": .int(endpoint.id),
                        "endpoint_name": .string(endpoint.name),
                        "active": .bool(tunnel.enabled),
                        "connected": .bool(connected),
                        "description": .string(tunnel.description),
                    ]
                    if !connected {
                        let why = tunnel.enabled ? (controller.ipsec?.monitor.reason(endpoint: endpoint.id) ?? (sa.map { "IKE \($0.ikeState.lowercased()), child \($0.childState.lowercased())" } ?? "negotiating"))
                            : "disabled"
                        entry["reason"] = .string(why)
                    } else {
                        entry["reason"] = .string("")
                    }
                    if !brief { entry["tunnel_params"] = IpsecView.tunnelParams(sa, endpoint: endpoint) }
                    result[String(tunnel.id)] = .object(entry)
                }
            }
            return Reply.ok(.object(result))
        }
        api.get("status/link_history") { request, _ in
            let config = controller.snapshot.ipsec
            var found: (endpoint: IpsecEndpoint, tunnel: IpsecTunnel)?
            if let text = request.query("tunnelid") {
                guard let id = Int(text) else { throw APIError.argument("Query \"tunnelid\" must be an integer") }
                found = config.tunnel(id)
            } else if let remote = request.query("remote"), let local = request.query("local") {
                let r = IPv4Network(remote)?.description, l = IPv4Network(local)?.description
                for endpoint in config.endpoints {
                    if let tunnel = endpoint.tunnels.first(where: { $0.remoteSubnet == r && $0.localSubnet == l }) { found = (endpoint, tunnel) }
                }
            } else {
                throw APIError.argument("Query \"tunnelid\", or \"remote\" and \"local\", is required")
            }
            guard let found else { throw APIError.notFound("No such tunnel") }
            let history = controller.ipsec?.monitor.history(tunnel: found.tunnel.id) ?? []
            return Reply.ok([
                "remote": .string(found.tunnel.remoteSubnet),
                "local": .string(found.tunnel.localSubnet),
                "tunnelid": .int(found.tunnel.id),
                "history": .array(history.reversed().map { event in
                    ["event": .string(event.event), "timestamp": .string(Timestamps.vns3(event.time)), "timestamp_i": .int(event.time)]
                }),
            ])
        }
        api.get("status/connected_subnets") { request, _ in
            // Remote subnets of the tunnels that are up.
            let config = controller.snapshot.ipsec
            let live = controller.ipsec?.liveTunnels() ?? [:]
            let extended = ["true", "1", "yes"].contains((request.query("extended_output") ?? "").lowercased())
            var seen: Set<String> = []
            var rows: [JSONValue] = []
            for endpoint in config.endpoints {
                for tunnel in endpoint.tunnels where live[tunnel.id]?.connected == true && seen.insert(tunnel.remoteSubnet).inserted {
                    guard let network = IPv4Network(tunnel.remoteSubnet) else { continue }
                    var row: [JSONValue] = [.string(network.network.description), .string(network.netmask.description)]
                    if extended { row += [.string("ipsec"), .int(endpoint.id), .int(tunnel.id)] }
                    rows.append(.array(row))
                }
            }
            return Reply.ok(.array(rows))
        }
    }

    // MARK: - Presentation
}
