/// BIRD 2 configuration for the controller's eBGP peers: advertised routes as a static
/// protocol, one BGP protocol per peer with explicit import/export filters from its
/// access list, and a kernel protocol that installs what BGP learned (and nothing else).
public enum BirdConfig {
    public struct Peer: Sendable, Equatable {
        public var name: String
        public var description: String
        public var address: String
        public var asn: Int
        public var localASN: Int
        public var password: String
        public var holdTime: Int
        public var keepalive: Int
        public var imports: [IPv4Network]
        public var exports: [IPv4Network]
    }

    public static let advertisedProtocol = "weft_advertised"
    public static let clientsProtocol = "weft_clients"

    /// A controller of the mesh, reached over its WireGuard link.
    public struct MeshPeer: Sendable, Equatable {
        public var id: Int
        public var address: String
        public var device: String
        public var asn: Int
        public init(id: Int, address: String, device: String, asn: Int) {
            self.id = id
            self.address = address
            self.device = device
            self.asn = asn
        }
    }

    public static func meshName(_ id: Int) -> String { "mesh_\(id)" }

    public static func peerName(_ id: Int) -> String { "ebgp_\(id)" }

    /// The peers of every endpoint, with their filters and this controller's ASN.
    public static func peers(_ config: IpsecConfig, asn: Int) -> [Peer] {
        config.bgpPeers.map { endpoint, peer in
            let filters = peer.filters
            return Peer(name: peerName(peer.id), description: "endpoint \(endpoint.name) peer \(peer.id)",
                        address: peer.address, asn: peer.asn, localASN: peer.localASNAlias ?? asn, password: peer.password,
                        holdTime: peer.holdTime, keepalive: peer.keepaliveInterval, imports: filters.imports, exports: filters.exports)
        }
    }

    /// - Parameters:
    ///   - mesh: the other controllers (BGP with BFD over the peering links); they learn
    ///     this controller's connected clients (`clients`, /32s), its advertised routes and
    ///     what its eBGP peers taught it.
    public static func render(routerID: String, advertised: [IPv4Network], peers: [Peer], log: String,
                              mesh: [MeshPeer] = [], localASN: Int = 65000, clients: [String] = [], clientDevice: String = "tun0") -> String {
        var lines = [
            "# Written by Weft; changes are overwritten.",
            "log \"\(log)\" { info, warning, error, auth };",
            "router id \(routerID);",
            "",
            "protocol device {",
            "  scan time 5;",
            "}",
            "",
            "protocol kernel weft_kernel {",
            "  scan time 10;",
            "  ipv4 {",
            "    import none;",
            "    export where source = RTS_BGP;",
            "  };",
            "}",
            "",
            "protocol static \(advertisedProtocol) {",
            "  ipv4;",
        ]
        for network in advertised { lines.append("  route \(network) blackhole;") }
        lines.append("}")
        if !mesh.isEmpty {
            lines += ["", "protocol static \(clientsProtocol) {", "  ipv4;"]
            for client in clients { lines.append("  route \(client)/32 via \"\(clientDevice)\";") }
            lines.append("}")
            lines += ["", "protocol bfd weft_bfd {", "  interface \"wgp*\" {", "    min rx interval 300 ms;", "    min tx interval 300 ms;",
                      "    multiplier 3;", "  };", "}"]
            lines += ["", "filter mesh_out {",
                      "  if proto = \"\(clientsProtocol)\" || proto = \"\(advertisedProtocol)\" then accept;",
                      "  if source = RTS_BGP && proto !~ \"mesh_*\" then accept;",
                      "  reject;", "}"]
            for peer in mesh {
                lines += ["", "protocol bgp \(meshName(peer.id)) {",
                          "  description \"controller \(peer.id)\";",
                          "  local as \(localASN);",
                          "  neighbor \(peer.address) as \(peer.asn);",
                          "  interface \"\(peer.device)\";",
                          "  direct;",
                          "  bfd on;",
                          "  hold time 3;",
                          "  keepalive time 1;",
                          "  connect retry time 2;",
                          "  error wait time 1, 10;",
                          "  ipv4 {",
                          "    import all;",
                          "    export filter mesh_out;",
                          "    next hop self;",
                          "  };",
                          "}"]
            }
        }
        for peer in peers {
            lines.append("")
            lines.append("filter \(peer.name)_in {")
            if peer.imports.isEmpty {
                lines.append("  accept;")
            } else {
                lines.append("  if net ~ [ \(peer.imports.map { "\($0)+" }.joined(separator: ", ")) ] then accept;")
                lines.append("  reject;")
            }
            lines.append("}")
            lines.append("")
            lines.append("filter \(peer.name)_out {")
            lines.append("  if proto != \"\(advertisedProtocol)\" then reject;")
            if !peer.exports.isEmpty {
                lines.append("  if net ~ [ \(peer.exports.map { "\($0)+" }.joined(separator: ", ")) ] then accept;")
                lines.append("  reject;")
            } else {
                lines.append("  accept;")
            }
            lines.append("}")
            lines.append("")
            lines.append("protocol bgp \(peer.name) {")
            lines.append("  description \"\(peer.description)\";")
            lines.append("  local as \(peer.localASN);")
            lines.append("  neighbor \(peer.address) as \(peer.asn);")
            if !peer.password.isEmpty { lines.append("  password \"\(peer.password)\";") }
            lines.append("  hold time \(peer.holdTime);")
            lines.append("  keepalive time \(peer.keepalive);")
            lines.append("  connect retry time 5;")
            lines.append("  error wait time 5, 30;")
            lines.append("  ipv4 {")
            lines.append("    import filter \(peer.name)_in;")
            lines.append("    export filter \(peer.name)_out;")
            lines.append("    next hop self;")
            lines.append("  };")
            lines.append("}")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
