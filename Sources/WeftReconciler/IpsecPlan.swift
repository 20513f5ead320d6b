import WeftModel
import WeftSystem

/// What charon should hold for the stored IPsec configuration: one connection per
/// endpoint (`ep<id>`), one child per enabled tunnel or traffic pair (`t<id>`), one shared
/// secret per endpoint. Pure: rendered to VICI messages, compared with what was loaded.
public struct IpsecPlan: Sendable, Equatable {
    public struct Connection: Sendable, Equatable {
        public let name: String
        public let endpointID: Int
        public let message: VICIMessage
        public let secret: VICIMessage
    }

    public let connections: [Connection]
    /// Routes into the libipsec device: remote subnets of enabled policy tunnels.
    public let tunnelRoutes: [(network: String, tunnel: Int)]
    /// Link addresses of route-based endpoints, on the libipsec device.
    public let linkAddresses: [String]

    public static func == (lhs: IpsecPlan, rhs: IpsecPlan) -> Bool {
        lhs.connections == rhs.connections && lhs.linkAddresses == rhs.linkAddresses
            && lhs.tunnelRoutes.map(\.network) == rhs.tunnelRoutes.map(\.network)
    }

    public static func connectionName(_ endpointID: Int) -> String { "ep\(endpointID)" }
    public static func childName(_ tunnelID: Int) -> String { "t\(tunnelID)" }

    /// - Parameters:
    ///   - localAddress: the controller's own address (its IKE identity unless
    ///     `ipsec_local_ipaddress` or `local-peer-id` say otherwise).
    public init(_ config: IpsecConfig, localAddress: String, mode: IpsecKernelMode) {
        var connections: [Connection] = []
        var routes: [(String, Int)] = []
        var links: [String] = []
        for endpoint in config.endpoints {
            // Stored values were validated; a value that no longer parses falls back to defaults.
            let extra = (try? IpsecExtraConfig.parse(endpoint.extraConfig)) ?? IpsecExtraConfig()
            let identity = extra.localPeerID ?? (config.localAddress.isEmpty ? localAddress : config.localAddress)
            let name = Self.connectionName(endpoint.id)
            var conn = VICIMessage()
            conn.set("version", String(endpoint.ikeVersion))
            conn.set("local_addrs", list: ["%any"])
            conn.set("remote_addrs", list: [endpoint.address])
            conn.set("proposals", list: extra.ike)
            // UDP encapsulation: forced with libipsec (no kernel ESP); otherwise as configured.
            conn.set("encap", mode == .libipsec ? "yes" : "no")
            conn.set("mobike", "no")
            conn.set("keyingtries", "0")
            conn.set("dpd_delay", "\(extra.dpdDelay ?? 10)s")
            if let timeout = extra.dpdTimeout, endpoint.ikeVersion == 1 { conn.set("dpd_timeout", "\(timeout)s") }
            conn.set("rekey_time", "\(extra.ikeLifetime ?? 28800)s")
            if endpoint.ikeVersion == 1 { conn.set("aggressive", "no") }
            var local = VICIMessage()
            local.set("auth", "psk")
            local.set("id", identity)
            conn.set("local", section: local)
            var remote = VICIMessage()
            remote.set("auth", "psk")
            remote.set("id", endpoint.remoteIdentity)
            conn.set("remote", section: remote)
            var children = VICIMessage()
            for tunnel in Self.children(of: endpoint) {
                var child = VICIMessage()
                child.set("local_ts", list: [tunnel.localSubnet])
                child.set("remote_ts", list: [tunnel.remoteSubnet])
                child.set("esp_proposals", list: extra.esp(pfs: endpoint.pfs))
                child.set("start_action", "start")
                child.set("dpd_action", "restart")
                child.set("close_action", "start")
                child.set("rekey_time", "\(extra.childLifetime ?? 3600)s")
                children.set(Self.childName(tunnel.id), section: child)
                if endpoint.vpnType == .policy { routes.append((tunnel.remoteSubnet, tunnel.id)) }
            }
            conn.set("children", section: children)
            var wrapper = VICIMessage()
            wrapper.set(name, section: conn)

            var secret = VICIMessage()
            secret.set("id", "weft-\(name)")
            secret.set("type", "IKE")
            secret.set("data", endpoint.psk)
            secret.set("owners", list: [endpoint.remoteIdentity])
            connections.append(Connection(name: name, endpointID: endpoint.id, message: wrapper, secret: secret))
            if endpoint.vpnType == .vti, !endpoint.linkAddress.isEmpty { links.append(endpoint.linkAddress) }
        }
        self.connections = connections
        tunnelRoutes = routes
        linkAddresses = links
    }

    /// The children charon should run: enabled tunnels and traffic pairs; a route-based
    /// endpoint has one child with its (usually 0.0.0.0/0) selectors.
    static func children(of endpoint: IpsecEndpoint) -> [IpsecTunnel] {
        endpoint.tunnels.filter(\.enabled)
    }
}
