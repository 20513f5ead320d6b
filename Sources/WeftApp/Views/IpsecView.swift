import Foundation
import WeftModel
import WeftReconciler
import WeftStore

/// IPsec as the VNS3 API shapes it (`GET /api/ipsec`, endpoints, tunnels, eBGP peers, SA
/// parameters); the web UI reads the same shapes.
public enum IpsecView {
    public static func system(_ controller: Controller) -> JSONValue {
        let state = controller.snapshot
        var endpoints = JSONObject()
        for endpoint in state.ipsec.endpoints { endpoints[String(endpoint.id)] = Self.endpoint(endpoint) }
        let privateIP = controller.facts.facts.privateIP?.description ?? ""
        return [
            "remote_endpoints": .object(endpoints),
            "this_endpoint": [
                "ipaddress": .string(controller.publicAddress?.description ?? privateIP),
                "overlay_subnet": .string(state.topology?.subnet.description ?? ""),
                "private_ipaddress": .string(privateIP),
                "ipsec_local_ipaddress": .string(state.ipsec.localAddress.isEmpty ? privateIP : state.ipsec.localAddress),
                "asn": .int(BirdReconciler.asn(state)),
                "kernel_mode": .string(controller.ipsec?.mode?.rawValue ?? "not started"),
            ],
        ]
    }

    public static func endpoint(_ endpoint: IpsecEndpoint) -> JSONValue {
        var tunnels = JSONObject(), pairs = JSONObject(), peers = JSONObject()
        for tunnel in endpoint.tunnels {
            if tunnel.trafficPair { pairs[String(tunnel.id)] = Self.tunnel(tunnel, endpointID: endpoint.id) } else {
                tunnels[String(tunnel.id)] = Self.tunnel(tunnel, endpointID: endpoint.id)
            }
        }
        for peer in endpoint.bgpPeers { peers[String(peer.id)] = Self.peer(peer) }
        return [
            "id": .int(endpoint.id),
            "name": .string(endpoint.name),
            "ipaddress": .string(endpoint.address),
            "private_ipaddress": .string(endpoint.privateAddress),
            "pfs": .bool(endpoint.pfs),
            "ike_version": .int(endpoint.ikeVersion),
            "nat_t_enabled": .bool(endpoint.natTraversal),
            "extra_config": endpoint.extraConfig.isEmpty ? .array([]) : .string(endpoint.extraConfig),
            "description": .string(endpoint.description),
            "type": "ipsec",
            "vpn_type": .string(endpoint.vpnType.rawValue),
            "psk": .string(endpoint.psk),
            "route_based_int_address": .string(endpoint.linkAddress),
            "route_based_local": .string(endpoint.routeBasedLocal),
            "route_based_remote": .string(endpoint.routeBasedRemote),
            "tunnels": .object(tunnels),
            "traffic_pairs": .object(pairs),
            "bgp_peers": .object(peers),
        ]
    }

    public static func tunnel(_ tunnel: IpsecTunnel, endpointID: Int) -> JSONValue {
        [
            "id": .int(tunnel.id),
            "endpoint_id": .int(endpointID),
            "local_subnet": .string(tunnel.localSubnet),
            "remote_subnet": .string(tunnel.remoteSubnet),
            "enabled": .bool(tunnel.enabled),
            "description": .string(tunnel.description),
            "ping_ipaddress": .string(tunnel.pingAddress),
            "ping_interface": .string(tunnel.pingInterface),
            "ping_interval": .optional(tunnel.pingInterval),
        ]
    }

    public static func peer(_ peer: BGPPeer) -> JSONValue {
        [
            "id": .int(peer.id),
            "ipaddress": .string(peer.address),
            "asn": .int(peer.asn),
            "local_asn_alias": .optional(peer.localASNAlias),
            "bgp_password": .string(peer.password),
            "access_list": .string(peer.accessList),
            "add_network_distance": .bool(peer.addNetworkDistance),
            "add_network_distance_direction": .string(peer.addNetworkDistanceDirection),
            "add_network_distance_hops": .int(peer.addNetworkDistanceHops),
            "hold_time": .int(peer.holdTime),
            "keepalive_interval": .int(peer.keepaliveInterval),
        ]
    }

    public static func tunnelParams(_ sa: TunnelSA?, endpoint: IpsecEndpoint) -> JSONValue {
        let up = sa?.connected == true
        let now = Int(Date().timeIntervalSince1970)
        return [
            "phase1": .string(sa?.ikeState == "ESTABLISHED" ? "up" : "down"),
            "phase2": .string(up ? "up" : "down"),
            "ike_version": .string(sa?.ikeVersion ?? "IKEv\(endpoint.ikeVersion)"),
            "outbound_spi": .string(sa?.spiOut ?? ""),
            "inbound_spi": .string(sa?.spiIn ?? ""),
            "bytes_in": .string(String(sa?.bytesIn ?? 0)),
            "bytes_out": .string(String(sa?.bytesOut ?? 0)),
            "esp_time_remaining": .string(String(sa?.lifetimeRemaining ?? 0)),
            "esp_port": .string(sa?.encapsulated == true ? "4500" : (sa == nil ? "" : "esp")),
            "phase2_algo": .string(sa?.childEncryption ?? ""),
            "phase2_hash": .string(sa?.childIntegrity ?? ""),
            "nat_t": .string(sa?.encapsulated == true ? "forced" : (endpoint.natTraversal ? "enabled" : "disabled")),
            "dpd": .string("enabled"),
            "pfs_dh_group": .string(sa?.childDHGroup ?? ""),
            "isakmp_port": .string(sa?.encapsulated == true ? "4500" : "500"),
            "isakmp_time_remaining": .string(String(sa?.ikeRekeyRemaining ?? 0)),
            "last_dpd": .string(""),
            "phase1_cipher": .string(sa?.encryption ?? ""),
            "phase1_prf": .string(sa?.prf ?? ""),
            "phase1_dh_group": .string(sa?.dhGroup ?? ""),
            "established_since": .string(up && (sa?.established ?? 0) >= 0 ? Timestamps.vns3(now - (sa?.established ?? 0)) : ""),
        ]
    }
}
