/// IPsec site-to-site configuration as the user gave it (VNS3's endpoints, tunnels,
/// traffic pairs and eBGP peers). Validation happens when a value is built from API
/// input (`IpsecValidation`); what is stored is always valid.
public struct IpsecConfig: Codable, Sendable, Equatable {
    /// `ipsec_local_ipaddress`: the address the controller is known by behind a cloud NAT
    /// ("" = its own private address). Also its IKE identity.
    public var localAddress: String
    public var nextEndpointID: Int
    public var nextTunnelID: Int
    public var nextPeerID: Int
    public var endpoints: [IpsecEndpoint]

    public init(localAddress: String = "", nextEndpointID: Int = 1, nextTunnelID: Int = 1, nextPeerID: Int = 1,
                endpoints: [IpsecEndpoint] = []) {
        self.localAddress = localAddress
        self.nextEndpointID = nextEndpointID
        self.nextTunnelID = nextTunnelID
        self.nextPeerID = nextPeerID
        self.endpoints = endpoints
    }

    public func endpointIndex(_ id: Int) -> Int? { endpoints.firstIndex { $0.id == id } }

    /// The endpoint and tunnel with this tunnel id.
    public func tunnel(_ id: Int) -> (endpoint: IpsecEndpoint, tunnel: IpsecTunnel)? {
        for endpoint in endpoints {
            if let tunnel = endpoint.tunnels.first(where: { $0.id == id }) { return (endpoint, tunnel) }
        }
        return nil
    }

    /// Every eBGP peer with its endpoint.
    public var bgpPeers: [(endpoint: IpsecEndpoint, peer: BGPPeer)] {
        endpoints.flatMap { endpoint in endpoint.bgpPeers.map { (endpoint, $0) } }
    }
}

public enum VPNType: String, Codable, Sendable {
    case policy, vti, gre
}

public struct IpsecEndpoint: Codable, Sendable, Equatable {
    public var id: Int
    public var name: String
    /// The remote gateway's public address.
    public var address: String
    /// The remote gateway's own (private) address when it sits behind NAT; its IKE identity.
    public var privateAddress: String
    public var psk: String
    public var ikeVersion: Int
    public var natTraversal: Bool
    public var pfs: Bool
    public var extraConfig: String
    public var description: String
    public var vpnType: VPNType
    /// Route-based endpoints: this side's link address in a /30 ("169.254.10.1/30").
    public var linkAddress: String
    public var routeBasedLocal: String
    public var routeBasedRemote: String
    public var tunnels: [IpsecTunnel]
    public var bgpPeers: [BGPPeer]

    public init(id: Int, name: String, address: String, privateAddress: String = "", psk: String, ikeVersion: Int = 1,
                natTraversal: Bool = true, pfs: Bool = true, extraConfig: String = "", description: String = "",
                vpnType: VPNType = .policy, linkAddress: String = "", routeBasedLocal: String = "", routeBasedRemote: String = "",
                tunnels: [IpsecTunnel] = [], bgpPeers: [BGPPeer] = []) {
        self.id = id
        self.name = name
        self.address = address
        self.privateAddress = privateAddress
        self.psk = psk
        self.ikeVersion = ikeVersion
        self.natTraversal = natTraversal
        self.pfs = pfs
        self.extraConfig = extraConfig
        self.description = description
        self.vpnType = vpnType
        self.linkAddress = linkAddress
        self.routeBasedLocal = routeBasedLocal
        self.routeBasedRemote = routeBasedRemote
        self.tunnels = tunnels
        self.bgpPeers = bgpPeers
    }

    /// The remote's IKE identity: its private address when given, else its public one.
    public var remoteIdentity: String { privateAddress.isEmpty ? address : privateAddress }

    /// The remote side's link address of a route-based endpoint (the other host of the /30).
    public var remoteLinkAddress: IPv4Address? {
        guard let interface = IPv4Interface(linkAddress), let hosts = interface.network.hosts else { return nil }
        return hosts.lazy.map(IPv4Address.init).first { $0 != interface.address }
    }
}

/// One policy (local subnet ↔ remote subnet): a child SA. Traffic pairs (VNS3 5.1.8+) are
/// the same thing listed separately.
public struct IpsecTunnel: Codable, Sendable, Equatable {
    public var id: Int
    public var localSubnet: String
    public var remoteSubnet: String
    public var enabled: Bool
    public var description: String
    public var pingAddress: String
    public var pingInterface: String
    public var pingInterval: Int?
    public var trafficPair: Bool

    public init(id: Int, localSubnet: String, remoteSubnet: String, enabled: Bool = true, description: String = "",
                pingAddress: String = "", pingInterface: String = "", pingInterval: Int? = nil, trafficPair: Bool = false) {
        self.id = id
        self.localSubnet = localSubnet
        self.remoteSubnet = remoteSubnet
        self.enabled = enabled
        self.description = description
        self.pingAddress = pingAddress
        self.pingInterface = pingInterface
        self.pingInterval = pingInterval
        self.trafficPair = trafficPair
    }
}

/// An eBGP neighbour reached through an endpoint.
public struct BGPPeer: Codable, Sendable, Equatable {
    public var id: Int
    public var address: String
    public var asn: Int
    public var localASNAlias: Int?
    public var password: String
    /// "in permit CIDR" / "out permit CIDR" lines.
    public var accessList: String
    public var addNetworkDistance: Bool
    public var addNetworkDistanceDirection: String
    public var addNetworkDistanceHops: Int
    public var holdTime: Int
    public var keepaliveInterval: Int

    public init(id: Int, address: String, asn: Int, localASNAlias: Int? = nil, password: String = "", accessList: String = "",
                addNetworkDistance: Bool = false, addNetworkDistanceDirection: String = "", addNetworkDistanceHops: Int = 0,
                holdTime: Int = 240, keepaliveInterval: Int = 80) {
        self.id = id
        self.address = address
        self.asn = asn
        self.localASNAlias = localASNAlias
        self.password = password
        self.accessList = accessList
        self.addNetworkDistance = addNetworkDistance
        self.addNetworkDistanceDirection = addNetworkDistanceDirection
        self.addNetworkDistanceHops = addNetworkDistanceHops
        self.holdTime = holdTime
        self.keepaliveInterval = keepaliveInterval
    }

    /// The access list as prefix filters per direction (lines that do not parse were
    /// refused when the peer was created).
    public var filters: (imports: [IPv4Network], exports: [IPv4Network]) {
        var imports: [IPv4Network] = [], exports: [IPv4Network] = []
        for line in TextLines.split(accessList) {
            let words = line.split(separator: " ")
            guard words.count == 3, words[1] == "permit", let network = IPv4Network(words[2]) else { continue }
            if words[0] == "in" { imports.append(network) } else if words[0] == "out" { exports.append(network) }
        }
        return (imports, exports)
    }
}

/// An address with its prefix ("169.254.10.1/30"), host bits kept.
public struct IPv4Interface: Hashable, Sendable, CustomStringConvertible {
    public let address: IPv4Address
    public let network: IPv4Network

    public init?(_ text: some StringProtocol) {
        guard let slash = text.firstIndex(of: "/"), let address = IPv4Address(text[..<slash]),
              let network = IPv4Network(text) else { return nil }
        self.address = address
        self.network = network
    }

    public var description: String { "\(address)/\(network.prefixLength)" }
}

extension IPv4Network {
    public func overlaps(_ other: IPv4Network) -> Bool {
        contains(other.network) || other.contains(network)
    }
}
