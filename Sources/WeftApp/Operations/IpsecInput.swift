import WeftModel

/// Turns API fields into IPsec values, refusing anything charon or BIRD would choke on,
/// with the field named. Nothing here touches the store or the system.
public enum IpsecInput {
    public static let endpointFields: Set<String> = [
        "name", "ipaddress", "secret", "description", "pfs", "ike_version", "nat_t_enabled", "extra_config",
        "private_ipaddress", "gre", "gre_interface_address", "vpn_type", "route_based_int_address",
        "route_based_local", "route_based_remote",
    ]
    public static let tunnelFields: Set<String> = [
        "remote_subnet", "local_subnet", "enabled", "ping_ipaddress", "ping_interface", "ping_interval", "description",
    ]
    public static let peerFields: Set<String> = [
        "ipaddress", "asn", "local_asn_alias", "access_list", "bgp_password", "add_network_distance",
        "add_network_distance_direction", "add_network_distance_hops", "hold_time", "keepalive_interval",
    ]

    public static func address(_ text: String, field: String) throws -> String {
        guard let address = IPv4Address(text.trimmed), address.value != 0, address.value != UInt32.max else {
            throw ValidationError(.argument, "Field \"\(field)\" must be an IPv4 address, got \"\(text)\"")
        }
        return address.description
    }

    public static func network(_ text: String, field: String) throws -> IPv4Network {
        guard let network = IPv4Network(text.trimmed) else {
            throw ValidationError(.argument, "Field \"\(field)\" must be a network in CIDR notation (a.b.c.d/n), got \"\(text)\"")
        }
        return network
    }

    /// Applies the endpoint fields present in `body` to `endpoint` (all of them for a new one).
    public static func apply(_ body: InputFields, to endpoint: inout IpsecEndpoint, creating: Bool) throws {
        if let name = try body.string("name", required: creating) {
            let trimmed = name.trimmed
            guard !trimmed.isEmpty, trimmed.count <= 64, !trimmed.contains(where: { $0.isNewline || $0 == "\"" }) else {
                throw ValidationError(.argument, "Field \"name\" must be 1 to 64 characters without quotes or line breaks")
            }
            endpoint.name = trimmed
        }
        if let text = try body.string("ipaddress", required: creating) { endpoint.address = try address(text, field: "ipaddress") }
        if let secret = try body.string("secret", required: creating) {
            guard secret.count >= 8, secret.utf8.count <= 255 else {
                throw ValidationError(.argument, "Field \"secret\" (the pre-shared key) must be 8 to 255 characters, got \(secret.count)")
            }
            guard secret.allSatisfy({ !$0.isNewline && $0 != "\0" }) else {
                throw ValidationError(.argument, "Field \"secret\" must not contain line breaks or NUL")
            }
            endpoint.psk = secret
        }
        if let text = try body.string("description") { endpoint.description = String(text.prefix(1024)) }
        if let pfs = try body.bool("pfs") { endpoint.pfs = pfs }
        if let version = try body.int("ike_version") {
            guard version == 1 || version == 2 else { throw ValidationError(.argument, "Field \"ike_version\" must be 1 or 2, got \(version)") }
            endpoint.ikeVersion = version
        }
        if let natT = try body.bool("nat_t_enabled") { endpoint.natTraversal = natT }
        if let extra = try body.string("extra_config") {
            _ = try IpsecExtraConfig.parse(extra)
            // Stored with LF line ends, whatever the client sent (a browser sends CRLF).
            endpoint.extraConfig = TextLines.split(extra).joined(separator: "\n").trimmed
        }
        if !endpoint.pfs, (try? IpsecExtraConfig.parse(endpoint.extraConfig))?.phase2NamesGroup == true {
            throw ValidationError(.argument, "Field \"extra_config\": phase2 names a DH group, which is the PFS group, but \"pfs\" is false; set pfs to true or drop the group from phase2")
        }
        if let text = try body.string("private_ipaddress") {
            endpoint.privateAddress = text.trimmed.isEmpty ? "" : try address(text, field: "private_ipaddress")
        }
        if try body.bool("gre") == true { throw greRefusal }
        if let text = try body.string("vpn_type") {
            guard let type = VPNType(rawValue: text.trimmed.lowercased()) else {
                throw ValidationError(.argument, "Field \"vpn_type\" must be policy, vti or gre, got \"\(text)\"")
            }
            if type == .gre { throw greRefusal }
            endpoint.vpnType = type
        }
        if endpoint.vpnType == .vti {
            if let text = try body.string("route_based_int_address", required: creating) {
                // This side's address in the /30, or the /30 itself (as the SDK's create_tunnel_endpoint
                // sends its vti_block): then this side takes the first host, the peer the second.
                guard var interface = IPv4Interface(text.trimmed), (30...31).contains(interface.network.prefixLength) else {
                    throw ValidationError(.argument, "Field \"route_based_int_address\" must be a /30 (e.g. 169.254.10.0/30) or this side's address in it (169.254.10.1/30), got \"\(text)\"")
                }
                if interface.address == interface.network.network, interface.network.prefixLength == 30,
                   let first = interface.network.hosts?.lowerBound, let chosen = IPv4Interface("\(IPv4Address(first))/30") {
                    interface = chosen
                }
                guard interface.network.hosts?.contains(interface.address.value) == true else {
                    throw ValidationError(.argument, "Field \"route_based_int_address\" must be a /30 or a host address in it, got \"\(text)\"")
                }
                endpoint.linkAddress = interface.description
            }
            if let text = try body.string("route_based_local") { endpoint.routeBasedLocal = try network(text, field: "route_based_local").description }
            if let text = try body.string("route_based_remote") { endpoint.routeBasedRemote = try network(text, field: "route_based_remote").description }
            if endpoint.routeBasedLocal.isEmpty { endpoint.routeBasedLocal = "0.0.0.0/0" }
            if endpoint.routeBasedRemote.isEmpty { endpoint.routeBasedRemote = "0.0.0.0/0" }
        }
    }

    public static let greRefusal = ValidationError(.notSupported,
                                            "vpn_type \"gre\" is not supported on this kernel: it has no GRE devices; use \"vti\" (route-based) or \"policy\"")

    /// Checks an endpoint against the others: one endpoint per remote gateway; with
    /// kernel-libipsec, route-based endpoints must not have overlapping selectors.
    public static func check(_ endpoint: IpsecEndpoint, among config: IpsecConfig) throws {
        for other in config.endpoints where other.id != endpoint.id {
            if other.address == endpoint.address {
                throw ValidationError(.conflict, "Field \"ipaddress\": endpoint \(other.id) (\(other.name)) already connects to \(endpoint.address)")
            }
            if endpoint.vpnType == .vti, other.vpnType == .vti,
               let a = IPv4Network(endpoint.routeBasedRemote), let b = IPv4Network(other.routeBasedRemote), a.overlaps(b) {
                throw ValidationError(.notSupported,
                               "Field \"route_based_remote\": with user-space ESP (kernel-libipsec) route-based endpoints need remote selectors that do not overlap; endpoint \(other.id) already uses \(other.routeBasedRemote)")
            }
            if let mine = IPv4Interface(endpoint.linkAddress), let theirs = IPv4Interface(other.linkAddress), mine.network.overlaps(theirs.network) {
                throw ValidationError(.conflict, "Field \"route_based_int_address\": \(endpoint.linkAddress) overlaps endpoint \(other.id)'s \(other.linkAddress)")
            }
        }
    }

    /// A tunnel (or traffic pair) from the fields present in `body`.
    public static func apply(_ body: InputFields, to tunnel: inout IpsecTunnel, creating: Bool, overlay: IPv4Network?) throws {
        if let text = try body.string("local_subnet", required: creating) { tunnel.localSubnet = try network(text, field: "local_subnet").description }
        if let text = try body.string("remote_subnet", required: creating) {
            let remote = try network(text, field: "remote_subnet")
            if let overlay, remote.overlaps(overlay) {
                throw ValidationError(.argument, "Field \"remote_subnet\": \(remote) overlaps the overlay network \(overlay), which this controller serves itself")
            }
            tunnel.remoteSubnet = remote.description
        }
        if let enabled = try body.bool("enabled") { tunnel.enabled = enabled }
        if let text = try body.string("description") { tunnel.description = String(text.prefix(1024)) }
        if let text = try body.string("ping_ipaddress") {
            tunnel.pingAddress = text.trimmed.isEmpty ? "" : try address(text, field: "ping_ipaddress")
        }
        if let text = try body.string("ping_interface") { tunnel.pingInterface = text.trimmed }
        if body.has("ping_interval") {
            guard let interval = try body.int("ping_interval"), (1...3600).contains(interval) else {
                throw ValidationError(.argument, "Field \"ping_interval\" must be 1 to 3600 seconds")
            }
            tunnel.pingInterval = interval
        }
    }

    public static func check(_ tunnel: IpsecTunnel, in endpoint: IpsecEndpoint) throws {
        for other in endpoint.tunnels where other.id != tunnel.id
            && other.localSubnet == tunnel.localSubnet && other.remoteSubnet == tunnel.remoteSubnet {
            throw ValidationError(.conflict, "Field \"remote_subnet\": endpoint \(endpoint.id) already has tunnel \(other.id) for \(tunnel.localSubnet) ↔ \(tunnel.remoteSubnet)")
        }
    }

    public static func apply(_ body: InputFields, to peer: inout BGPPeer, creating: Bool, ownASN: Int) throws {
        if let text = try body.string("ipaddress", required: creating) { peer.address = try address(text, field: "ipaddress") }
        if let asn = try body.int("asn", required: creating) {
            guard (1...4_294_967_294).contains(asn) else { throw ValidationError(.argument, "Field \"asn\" must be 1 to 4294967294, got \(asn)") }
            peer.asn = asn
        }
        if body.has("local_asn_alias") {
            guard let alias = try body.int("local_asn_alias"), (1...4_294_967_294).contains(alias) else {
                throw ValidationError(.argument, "Field \"local_asn_alias\" must be 1 to 4294967294")
            }
            peer.localASNAlias = alias
        }
        if (peer.localASNAlias ?? ownASN) == peer.asn {
            throw ValidationError(.argument, "Field \"asn\": \(peer.asn) is this controller's own ASN; eBGP peers need another ASN")
        }
        if let list = try body.string("access_list") {
            for line in TextLines.split(list) where !line.trimmed.isEmpty {
                let words = line.split(separator: " ")
                guard words.count == 3, words[0] == "in" || words[0] == "out", words[1] == "permit", IPv4Network(words[2]) != nil else {
                    throw ValidationError(.argument, "Field \"access_list\": \"\(line)\" must be \"in permit CIDR\" or \"out permit CIDR\"")
                }
            }
            peer.accessList = TextLines.split(list).map { $0.trimmed }.filter { !$0.isEmpty }.joined(separator: "\n")
        }
        if let password = try body.string("bgp_password") {
            guard password.utf8.count <= 80, password.allSatisfy({ $0.isASCII && !$0.isNewline && $0 != "\"" && $0 != "\\" }) else {
                throw ValidationError(.argument, "Field \"bgp_password\" must be at most 80 ASCII characters without quotes or backslashes")
            }
            peer.password = password
        }
        if let flag = try body.bool("add_network_distance") { peer.addNetworkDistance = flag }
        if let direction = try body.string("add_network_distance_direction") {
            guard ["", "in", "out"].contains(direction) else { throw ValidationError(.argument, "Field \"add_network_distance_direction\" must be in or out") }
            peer.addNetworkDistanceDirection = direction
        }
        if let hops = try body.int("add_network_distance_hops") {
            guard (0...32).contains(hops) else { throw ValidationError(.argument, "Field \"add_network_distance_hops\" must be 0 to 32") }
            peer.addNetworkDistanceHops = hops
        }
        if let hold = try body.int("hold_time") {
            guard hold == 0 || (3...65535).contains(hold) else { throw ValidationError(.argument, "Field \"hold_time\" must be 0 or 3 to 65535 seconds") }
            peer.holdTime = hold
            if !body.has("keepalive_interval") { peer.keepaliveInterval = max(1, hold / 3) }
        }
        if let keepalive = try body.int("keepalive_interval") {
            guard (1...65535).contains(keepalive) else { throw ValidationError(.argument, "Field \"keepalive_interval\" must be 1 to 65535 seconds") }
            peer.keepaliveInterval = keepalive
        }
        if peer.holdTime != 0 && peer.keepaliveInterval >= peer.holdTime {
            throw ValidationError(.argument, "Field \"keepalive_interval\" (\(peer.keepaliveInterval)) must be shorter than hold_time (\(peer.holdTime))")
        }
    }
}
