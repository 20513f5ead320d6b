import WeftModel

/// Rules Weft generates for plugin instances, in chains of its own that the customer's
/// rules never name: `WEFT_PLUGINS_PRE` (nat PREROUTING, after PREROUTING_CUST: the DNAT of
/// `port_map` and `ssh`) and `WEFT_PLUGINS_POST` (nat POSTROUTING, after MACRO_CUST: the
/// MASQUERADE of `internet`). They go into the same `iptables-restore` as the customer's
/// chains, so a `PUT /api/firewall` replaces those and leaves these as they are. DNAT'd
/// packets pass the filter through the protective default's `--ctstate DNAT` accept.
public enum PluginPresets {
    public static let preChain = "WEFT_PLUGINS_PRE"
    public static let postChain = "WEFT_PLUGINS_POST"
    public static let hooks: [(NetfilterTable, String, String)] = [(.nat, "PREROUTING", preChain), (.nat, "POSTROUTING", postChain)]

    /// One generated rule: its chain (in the nat table) and iptables arguments.
    public struct Rule: Sendable, Equatable {
        public var chain: String
        public var arguments: String
        public init(_ chain: String, _ arguments: String) {
            self.chain = chain
            self.arguments = arguments
        }
        public var text: String { "\(chain) \(arguments)" }
    }

    /// The kernel rules of `presets`; `bridge` is the plugin network's bridge and `network`
    /// its CIDR (traffic between instances is not masqueraded).
    public static func compile(_ presets: [PluginPortRule], bridge: String = "plugin0", network: String? = nil) -> [Rule] {
        presets.map { rule(for: $0, bridge: bridge, network: network) }
    }

    public static func rule(for preset: PluginPortRule, bridge: String = "plugin0", network: String? = nil) -> Rule {
        switch preset.preset {
        case .internet:
            let exempt = network.map { " ! -d \($0)" } ?? ""
            return Rule(postChain, "-s \(preset.address)/32\(exempt) ! -o \(bridge) -j MASQUERADE")
        case .waf:
            // Only traffic to the controller's own addresses: a service's port is the controller's,
            // traffic routed through it to other hosts on that port is not the WAF's.
            return Rule(preChain, "! -i \(bridge) -p tcp -m addrtype --dst-type LOCAL -m tcp --dport \(preset.hostPort ?? 0) -j DNAT --to-destination \(preset.address):\(preset.containerPort ?? 0)")
        case .ssh, .portMap:
            let proto = preset.proto
            let host = preset.hostPort ?? 0
            let port = preset.containerPort ?? 22
            return Rule(preChain, "! -i \(bridge) -p \(proto) -m \(proto) --dport \(host) -j DNAT --to-destination \(preset.address):\(port)")
        }
    }

    /// "22, 8000, 51901-51916": consecutive ports as ranges.
    static func ranges(_ ports: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        while index < ports.count {
            var end = index
            while end + 1 < ports.count && ports[end + 1] == ports[end] + 1 { end += 1 }
            parts.append(end == index ? String(ports[index]) : "\(ports[index])-\(ports[end])")
            index = end + 1
        }
        return parts.joined(separator: ", ")
    }

    /// Why a host port cannot be mapped (the controller needs it), or nil. `services` are the
    /// controller's own ports (API, SSH, WireGuard, OpenVPN, IPsec, peering).
    public static func reservedReason(hostPort: Int, proto: String, services: FirewallCompiler.Services) -> String? {
        let tcp = Set([22, 8000, services.apiPort] + services.tcpPorts)
        let udp = Set(services.udpPorts + [500, 4500, 1194])
        let taken = proto == "tcp" ? tcp.contains(hostPort) : (udp.contains(hostPort) || (1070...1220).contains(hostPort))
        guard taken else { return nil }
        let tcpList = ranges(tcp.sorted())
        let udpList = ranges(udp.filter { !(1070...1220).contains($0) }.sorted())
        return "Invalid host port. Port can't be TCP ports \(tcpList), or UDP ports \(udpList) or between 1070 and 1220 (\(proto.uppercased()) \(hostPort) is used by the controller)."
    }
}
