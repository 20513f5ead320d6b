/// Compiles parsed rules into one `iptables-restore --noflush` payload that replaces exactly
/// Weft's chains (a `:CHAIN - [0:0]` line flushes that chain and nothing else), in one
/// atomic step per table.
///
/// Kernel layout:
///   filter  INPUT → WEFT_INPUT:   INPUT_CUST, then the protective default (below), DROP
///           FORWARD → WEFT_FORWARD: FORWARD_CUST, established, tunnels, DNAT'd, DROP
///           OUTPUT → WEFT_OUTPUT:  OUTPUT_CUST (output is not restricted by default)
///   nat     PREROUTING → PREROUTING_CUST;  POSTROUTING → POSTROUTING_CUST, MACRO_CUST
///   mangle  PREROUTING → WEFT_COPY_IN, POSTROUTING → WEFT_COPY_OUT (COPY macros, TEE);
///           INPUT, FORWARD, OUTPUT → WEFT_IDS (inline IDS: NFQUEUE, FirewallCompiler+IDS.swift)
/// Customer chains come first; what they do not decide falls through to the default, which
/// keeps the controller's own services, the overlay and the tunnels working.
public enum FirewallCompiler {
    public struct Services: Sendable, Equatable {
        public var apiPort: Int
        public var udpPorts: [Int]
        public var tcpPorts: [Int]
        /// The plugin network's bridge (containers), when the controller has one: a known
        /// network like the overlay towards the overlay and the tunnels, its egress forwarded
        /// (the customer's MASQUERADE makes it reach the uplink), the controller's own
        /// services closed to it unless INPUT_CUST opens them.
        public var pluginBridge: String?
        public init(apiPort: Int = 8000, udpPorts: [Int] = [51820, 1194, 500, 4500], tcpPorts: [Int] = [22], pluginBridge: String? = nil) {
            self.apiPort = apiPort
            self.udpPorts = udpPorts
            self.tcpPorts = tcpPorts
            self.pluginBridge = pluginBridge
        }
    }

    /// Jumps from built-in chains: (table, built-in chain, Weft chain), in evaluation order.
    public static let hooks: [(NetfilterTable, String, String)] = [
        (.filter, "INPUT", "WEFT_INPUT"), (.filter, "FORWARD", "WEFT_FORWARD"), (.filter, "OUTPUT", "WEFT_OUTPUT"),
        (.nat, "PREROUTING", "PREROUTING_CUST"), (.nat, "POSTROUTING", "POSTROUTING_CUST"), (.nat, "POSTROUTING", "MACRO_CUST"),
        (.mangle, "PREROUTING", "WEFT_COPY_IN"), (.mangle, "POSTROUTING", "WEFT_COPY_OUT"),
    ] + idsHooks

    static let tunnelInterfaces = ["tun+", "wgp+", "ipsec+", "vti+"]

    public struct Output: Sendable {
        /// The iptables-restore payload.
        public var payload: String
        /// Payload line number (1-based) → index of the customer rule it came from.
        public var ruleAtLine: [Int: Int]
        /// Rules per Weft chain, written as iptables-save prints them (for read-back).
        public var chains: [String: [String]]
        /// The payload without the hook lines: equal for the same rule set whatever hooks
        /// were already in place (what "did the rule set change?" compares).
        public var signature: String
        /// Per table: its part of the payload (hooks included) and of the signature.
        public var sections: [NetfilterTable: (payload: String, signature: String)]

        /// The payload for only the tables whose signature differs from `previous`
        /// (all of them when there is none), and how many tables that is.
        public func payload(changedSince previous: [NetfilterTable: String]?) -> (payload: String, tables: Int) {
            guard let previous else { return (payload, sections.count) }
            let changed = NetfilterTable.allCases.filter { sections[$0] != nil && sections[$0]!.signature != previous[$0] }
            return (changed.map { sections[$0]!.payload }.joined(), changed.count)
        }

        public var tableSignatures: [NetfilterTable: String] { sections.mapValues(\.signature) }
    }

    /// Weft's own filter chains: each jumps to its customer chain first, then the protective
    /// default decides what the customer rules left open (the controller's services, the
    /// overlay and the tunnels pass; the rest of INPUT and FORWARD is dropped).
    static func frame(_ services: Services) -> [(chain: String, arguments: String)] {
        let defaults = protectiveDefault(services)
        return [("WEFT_INPUT", "-j INPUT_CUST")] + defaults.filter { $0.chain == "WEFT_INPUT" }
            + [("WEFT_FORWARD", "-j FORWARD_CUST")] + defaults.filter { $0.chain == "WEFT_FORWARD" }
            + [("WEFT_OUTPUT", "-j OUTPUT_CUST")]
    }

    /// The protective default, in evaluation order: what applies after the customer rules
    /// of INPUT and FORWARD (for showing it; the customer rules cannot change it).
    public static func protectiveDefault(_ services: Services) -> [(chain: String, arguments: String)] {
        var rules: [(String, String)] = []
        rules.append(("WEFT_INPUT", "-i lo -j ACCEPT"))
        rules.append(("WEFT_INPUT", "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"))
        rules.append(("WEFT_INPUT", "-p icmp -j ACCEPT"))
        if let bridge = services.pluginBridge { rules.append(("WEFT_INPUT", "-i \(bridge) -j DROP")) }
        for device in tunnelInterfaces { rules.append(("WEFT_INPUT", "-i \(device) -j ACCEPT")) }
        for port in [services.apiPort] + services.tcpPorts { rules.append(("WEFT_INPUT", "-p tcp -m tcp --dport \(port) -j ACCEPT")) }
        for port in services.udpPorts { rules.append(("WEFT_INPUT", "-p udp -m udp --dport \(port) -j ACCEPT")) }
        rules.append(("WEFT_INPUT", "-j DROP"))
        rules.append(("WEFT_FORWARD", "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"))
        for device in tunnelInterfaces {
            rules.append(("WEFT_FORWARD", "-i \(device) -j ACCEPT"))
            rules.append(("WEFT_FORWARD", "-o \(device) -j ACCEPT"))
        }
        if let bridge = services.pluginBridge { rules.append(("WEFT_FORWARD", "-i \(bridge) -j ACCEPT")) }
        rules.append(("WEFT_FORWARD", "-m conntrack --ctstate DNAT -j ACCEPT"))
        rules.append(("WEFT_FORWARD", "-j DROP"))
        return rules
    }

    /// `present` holds "table builtin chain" for hooks already in place (from iptables-save).
    /// `subgroups` are declared (and so emptied) in their family's table; `removed` subgroup
    /// chains are flushed and deleted after every jump to them is gone.
    /// `generated` are the plugin presets' rules (`PluginPresets`): their chains and hooks
    /// appear once there is one, or when their hooks are already in place.
    public static func compile(_ rules: [FirewallRule?], subgroups: [String] = [], removed: [String] = [],
                               services: Services = Services(), present: Set<String> = [],
                               generated: [PluginPresets.Rule] = [], ids: IDSSteering? = nil) -> Output {
        let pluginHooks = activePluginHooks(generated: generated, present: present)
        var lines: [String] = []
        var ruleAtLine: [Int: Int] = [:]
        var chains: [String: [String]] = [:]
        var hookLines: Set<Int> = []

        func emit(_ line: String, rule: Int? = nil) {
            lines.append(line)
            if let rule { ruleAtLine[lines.count] = rule }
        }
        func append(_ chain: String, _ arguments: String, rule: Int? = nil) {
            emit("-A \(chain) \(arguments)", rule: rule)
            chains[chain, default: []].append(arguments)
        }

        var sections: [NetfilterTable: (payload: String, signature: String)] = [:]
        for table in NetfilterTable.allCases {
            let firstLine = lines.count
            emit("*\(table.rawValue)")
            let ownChains: [String] = switch table {
            case .filter: ["INPUT_CUST", "FORWARD_CUST", "OUTPUT_CUST", "WEFT_INPUT", "WEFT_FORWARD", "WEFT_OUTPUT"]
            case .nat: ["PREROUTING_CUST", "POSTROUTING_CUST", "MACRO_CUST"]
            case .mangle: ["WEFT_COPY_IN", "WEFT_COPY_OUT", IDSSteering.chain]
            }
            let groupChains = subgroups.filter { CustomerChain.family(ofSubgroup: $0)?.table == table }
            let presetChains = pluginHooks.filter { $0.0 == table }.map(\.2)
            for chain in ownChains + groupChains + presetChains {
                emit(":\(chain) - [0:0]")
                chains[chain] = []
            }
            for (index, rule) in rules.enumerated() {
                guard let rule else { continue }
                switch (table, rule.kind) {
                case (.mangle, .copy(let from, let to, let bidirectional)):
                    append("WEFT_COPY_IN", "-i \(from) -j TEE --gateway \(to)", rule: index)
                    if bidirectional { append("WEFT_COPY_OUT", "-o \(from) -j TEE --gateway \(to)", rule: index) }
                case (_, .copy):
                    continue
                case (_, _) where rule.chain.table == table:
                    append(rule.kernelChain, rule.arguments.map(RuleLexer.quoted).joined(separator: " "), rule: index)
                default:
                    continue
                }
            }
            if table == .filter {
                for (chain, arguments) in frame(services) { append(chain, arguments) }
            }
            if table == .nat && !presetChains.isEmpty {
                for rule in generated { append(rule.chain, rule.arguments) }
            }
            if table == .mangle, let ids {
                for arguments in ids.rules { append(IDSSteering.chain, arguments) }
            }
            for (hookTable, builtin, chain) in hooks + pluginHooks where hookTable == table && !present.contains("\(table.rawValue) \(builtin) \(chain)") {
                // Filter hooks go first in the built-in chain; NAT and mangle ones are appended in order.
                emit(table == .filter ? "-I \(builtin) 1 -j \(chain)" : "-A \(builtin) -j \(chain)")
                hookLines.insert(lines.count - 1)
            }
            for chain in removed where CustomerChain.family(ofSubgroup: chain)?.table == table {
                emit("-F \(chain)")
                hookLines.insert(lines.count - 1)
                emit("-X \(chain)")
                hookLines.insert(lines.count - 1)
            }
            emit("COMMIT")
            let range = firstLine..<lines.count
            sections[table] = (range.map { lines[$0] }.joined(separator: "\n") + "\n",
                               range.filter { !hookLines.contains($0) }.map { lines[$0] }.joined(separator: "\n"))
        }
        let signature = lines.enumerated().filter { !hookLines.contains($0.offset) }.map(\.element).joined(separator: "\n")
        return Output(payload: lines.joined(separator: "\n") + "\n", ruleAtLine: ruleAtLine, chains: chains, signature: signature, sections: sections)
    }

    /// The plugin presets' hooks this compile manages: all of them once there is a
    /// generated rule or one of them is in the kernel already, else none.
    public static func activePluginHooks(generated: [PluginPresets.Rule], present: Set<String>) -> [(NetfilterTable, String, String)] {
        let hooked = PluginPresets.hooks.contains { present.contains("\($0.0.rawValue) \($0.1) \($0.2)") }
        return generated.isEmpty && !hooked ? [] : PluginPresets.hooks
    }

    /// Hooks present in `iptables-save` text of one table, as "table builtin chain".
    public static func presentHooks(table: NetfilterTable, save text: String) -> Set<String> {
        var present: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("-A ") {
            let words = line.split(separator: " ")
            if words.count == 4, words[2] == "-j" {
                present.insert("\(table.rawValue) \(words[1]) \(words[3])")
            }
        }
        return present
    }

    /// Rules of Weft's chains in `iptables-save` text, for read-back.
    public static func observedChains(save text: String, names: Set<String>) -> [String: [String]] {
        var chains: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix(":") {
                let name = String(line.dropFirst().prefix { $0 != " " })
                if names.contains(name) { chains[name] = chains[name] ?? [] }
            } else if line.hasPrefix("-A ") {
                let rest = line.dropFirst(3)
                let name = String(rest.prefix { $0 != " " })
                if names.contains(name) { chains[name, default: []].append(String(rest.dropFirst(name.count + 1))) }
            }
        }
        return chains
    }
}
