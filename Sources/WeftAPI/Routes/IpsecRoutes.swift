import Foundation
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftReconciler

/// `/api/ipsec` (system, endpoints, tunnels, traffic pairs, eBGP peers) and the IPsec
/// status endpoints: decode → IPsec operation (`IpsecOperations.swift`,
/// `IpsecEndpointUpdate.swift`) → encode. Writes validate everything first, then change the
/// stored configuration in one transaction; the reconciler loads the result into charon/BIRD.
struct IpsecRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("ipsec", use: system)
        api.put("ipsec", use: setSystem)
        api.post("ipsec", use: restart)

        api.post("ipsec/endpoints", use: createEndpoint)
        api.get("ipsec/endpoints/:endpoint_id", use: showEndpoint)
        api.put("ipsec/endpoints/:endpoint_id", use: updateEndpoint)
        api.delete("ipsec/endpoints/:endpoint_id", use: deleteEndpoint)

        for kind in TunnelKind.allCases {
            api.post("ipsec/endpoints/:endpoint_id/\(kind.rawValue)") { try await addTunnel(kind, $0, $1) }
            api.put("ipsec/endpoints/:endpoint_id/\(kind.rawValue)/:\(kind.idName)") { try await updateTunnel(kind, $0, $1) }
            api.delete("ipsec/endpoints/:endpoint_id/\(kind.rawValue)/:\(kind.idName)") { try await deleteTunnel(kind, $0, $1) }
        }
        api.put("ipsec/endpoints/:endpoint_id/traffic_pairs/:pair_id/enable") { try await setPairEnabled(true, $0, $1) }
        api.put("ipsec/endpoints/:endpoint_id/traffic_pairs/:pair_id/disable") { try await setPairEnabled(false, $0, $1) }

        api.get("ipsec/endpoints/:endpoint_id/ebgp_peers/:bgp_peer_id", use: showPeer)
        api.post("ipsec/endpoints/:endpoint_id/ebgp_peers", use: createPeer)
        api.put("ipsec/endpoints/:endpoint_id/ebgp_peers/:bgp_peer_id", use: updatePeer)
        api.delete("ipsec/endpoints/:endpoint_id/ebgp_peers/:bgp_peer_id", use: deletePeer)

        api.get("status/ipsec", use: status)
        api.get("status/link_history", use: linkHistory)
        api.get("status/connected_subnets", use: connectedSubnets)
    }

    // MARK: - System

    @Sendable func system(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(IpsecView.system(controller))
    }

    @Sendable func setSystem(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/ipsec", known: ["ipsec_local_ipaddress", "async"])
        // The spec requires the one field this sets; a PUT without it would change nothing.
        if let text = try body.string("ipsec_local_ipaddress", required: true) {
            try controller.setIpsecLocalAddress(text, actor: context.principal)
        }
        return Reply.ok(IpsecView.system(controller))
    }

    @Sendable func restart(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        // The SDK always sends restart (CONTRACT `restart:bool=true`); the spec requires it.
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/ipsec", known: ["restart"])
        let restart = try body.bool("restart", required: true) ?? true
        if restart { try await controller.restartIpsec(actor: context.principal) }
        return Reply.ok(["restart": .bool(restart)])
    }

    // MARK: - Endpoints

    @Sendable func createEndpoint(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/ipsec/endpoints", known: IpsecInput.endpointFields)
        return Reply.ok(IpsecView.endpoint(try controller.createIpsecEndpoint(body, actor: context.principal)))
    }

    @Sendable func showEndpoint(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let config = controller.snapshot.ipsec
        return Reply.ok(IpsecView.endpoint(config.endpoints[try Controller.endpointIndex(context.parameters.get("endpoint_id"), in: config)]))
    }

    @Sendable func updateEndpoint(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/ipsec/endpoints/{endpoint_id}", known: IpsecInput.endpointFields)
        return Reply.ok(IpsecView.endpoint(try controller.updateIpsecEndpoint(id: context.parameters.get("endpoint_id"), body, actor: context.principal)))
    }

    @Sendable func deleteEndpoint(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        try controller.deleteIpsecEndpoint(id: context.parameters.get("endpoint_id"), actor: context.principal)
        return Reply.ok(IpsecView.system(controller))
    }

    // MARK: - Tunnels and traffic pairs (the same policies, listed apart)

    enum TunnelKind: String, CaseIterable {
        case tunnels, trafficPairs = "traffic_pairs"
        var idName: String { self == .trafficPairs ? "pair_id" : "tunnel_id" }
        var isTrafficPair: Bool { self == .trafficPairs }
    }

    func addTunnel(_ kind: TunnelKind, _ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/ipsec/endpoints/{endpoint_id}/\(kind.rawValue)",
                                                 known: IpsecInput.tunnelFields)
        let endpoint = try controller.addIpsecTunnel(endpointID: context.parameters.get("endpoint_id"), body, trafficPair: kind.isTrafficPair,
                                                     actor: context.principal)
        return Reply.ok(IpsecView.endpoint(endpoint))
    }

    func updateTunnel(_ kind: TunnelKind, _ request: Request, _ context: WeftRequestContext) async throws -> Response {
        var known = IpsecInput.tunnelFields
        if !kind.isTrafficPair { known.insert("bounce") }
        let body = try await RequestFields.parse(request, context: context,
                                                 endpoint: "PUT /api/ipsec/endpoints/{endpoint_id}/\(kind.rawValue)/{\(kind.idName)}", known: known)
        let tunnel = try controller.updateIpsecTunnel(endpointID: context.parameters.get("endpoint_id"), tunnelID: context.parameters.get(kind.idName),
                                                      trafficPair: kind.isTrafficPair, body, actor: context.principal)
        if try body.bool("bounce") ?? false, tunnel.enabled { await controller.ipsec?.bounce(tunnel: tunnel.id) }
        return Reply.ok(IpsecView.tunnel(tunnel, endpointID: Int(context.parameters.get("endpoint_id") ?? "") ?? 0))
    }

    func deleteTunnel(_ kind: TunnelKind, _ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let endpoint = try controller.deleteIpsecTunnel(endpointID: context.parameters.get("endpoint_id"), tunnelID: context.parameters.get(kind.idName),
                                                        trafficPair: kind.isTrafficPair, actor: context.principal)
        return Reply.ok(IpsecView.endpoint(endpoint))
    }

    func setPairEnabled(_ enabled: Bool, _ request: Request, _ context: WeftRequestContext) async throws -> Response {
        _ = try await RequestFields.parse(request, context: context, endpoint: "PUT .../traffic_pairs/{pair_id}/\(enabled ? "enable" : "disable")", known: [])
        let tunnel = try controller.setIpsecTunnelEnabled(endpointID: context.parameters.get("endpoint_id"), tunnelID: context.parameters.get("pair_id"),
                                                          trafficPair: true, enabled, actor: context.principal)
        return Reply.ok(IpsecView.tunnel(tunnel, endpointID: Int(context.parameters.get("endpoint_id") ?? "") ?? 0))
    }

    // MARK: - eBGP peers

    @Sendable func showPeer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let config = controller.snapshot.ipsec
        let (endpoint, index) = try Controller.bgpPeerIndex(endpointID: context.parameters.get("endpoint_id"),
                                                            peerID: context.parameters.get("bgp_peer_id"), in: config)
        let peer = config.endpoints[endpoint].bgpPeers[index]
        var value = IpsecView.peer(peer)
        if try request.queryFlag("verbose") == true, case .object(var object) = value {
            let state = try? await controller.bird?.control.protocols().first { $0.name == BirdConfig.peerName(peer.id) }
            object["state"] = .string(state?.info.isEmpty == false ? state!.info : (state?.state ?? "not running"))
            value = .object(object)
        }
        return Reply.ok(value)
    }

    @Sendable func createPeer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/ipsec/endpoints/{endpoint_id}/ebgp_peers",
                                                 known: IpsecInput.peerFields)
        return Reply.ok(IpsecView.endpoint(try controller.saveBGPPeer(endpointID: context.parameters.get("endpoint_id"), peerID: nil, body,
                                                                       actor: context.principal)))
    }

    @Sendable func updatePeer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/ipsec/endpoints/{endpoint_id}/ebgp_peers",
                                                 known: IpsecInput.peerFields)
        let endpoint = try controller.saveBGPPeer(endpointID: context.parameters.get("endpoint_id"), peerID: context.parameters.get("bgp_peer_id") ?? "",
                                                  body, actor: context.principal)
        return Reply.ok(IpsecView.endpoint(endpoint))
    }

    @Sendable func deletePeer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let endpoint = try controller.deleteBGPPeer(endpointID: context.parameters.get("endpoint_id"), peerID: context.parameters.get("bgp_peer_id"),
                                                    actor: context.principal)
        return Reply.ok(IpsecView.endpoint(endpoint))
    }

    // MARK: - Status

    @Sendable func status(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let config = controller.snapshot.ipsec
        let live = controller.ipsec?.liveTunnels() ?? [:]
        let brief = try request.queryFlag("up_down_status_only") ?? false
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

    @Sendable func linkHistory(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
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

    @Sendable func connectedSubnets(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        // Remote subnets of the tunnels that are up.
        let config = controller.snapshot.ipsec
        let live = controller.ipsec?.liveTunnels() ?? [:]
        let extended = try request.queryFlag("extended_output") ?? false
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
