import GRDB
import WeftContainers
import WeftFirewall
import WeftModel
import WeftReconciler
import WeftStore

/// Firewall presets of plugin instances (`GET|PUT /api/plugin-instances/{id}/firewall`):
/// rules in Weft's own chains (`PluginPresets`), applied in the same checked
/// `iptables-restore` as the customer's rules and stored apart from them, so the customer's
/// `PUT /api/firewall` neither removes nor duplicates them.
extension Controller {
    public static let pluginFirewallFields: Set<String> = ["preset", "host_port", "container_port", "protocol"]

    /// The kernel rules of the stored presets.
    func pluginFirewallRules(_ firewall: PluginFirewall) -> [PluginPresets.Rule] {
        PluginPresets.compile(firewall.rules, bridge: ContainerSystem.bridge, network: firewall.network)
    }

    public func pluginFirewall(_ id: Int) throws -> [PluginPortRule] {
        _ = try pluginInstance(id)
        return snapshot.pluginFirewall.rules.filter { $0.instanceID == id }
    }

    /// Changes the presets: the customer's policy as it is, the new generated rules, one
    /// kernel apply, then one store write (serialised with the customer's firewall writes).
    /// `also` writes more rows in the same transaction (the WAF's services).
    func changePluginFirewall(actor: String?, _ action: String, detail: String, also: (@Sendable (Database) throws -> Void)? = nil,
                              _ mutate: @escaping @Sendable (inout [PluginPortRule]) throws -> Void) async throws {
        try await firewallWrites.exclusive(apply: { batch in await self.applyFirewallBatch(batch) }) {
            let state = self.snapshot
            var rules = state.pluginFirewall.rules
            try mutate(&rules)
            let document = PluginFirewall(rules: rules, network: self.containerSystemConfig.network)
            let commit: @Sendable () throws -> Int = {
                try self.commitReturningGeneration(actor, action, detail: detail) { db in
                    try Store.setPluginFirewall(document, in: db)
                    try also?(db)
                }
            }
            guard let firewall = self.firewall else {
                _ = try commit()
                return
            }
            let customer = try self.checkFirewall(state.firewall, force: true)
            let sets = ClientGroups.resolve(state.firewall.sets, clients: state.topology?.clients ?? [], packs: state.clientpacks)
            let generation: Int
            do {
                generation = try await firewall.applyNow(customer, sets: sets, subgroups: state.firewall.subgroups.map(\.name),
                                                         generated: self.pluginFirewallRules(document), commit: commit)
            } catch let refusal as FirewallReconciler.KernelRefusal {
                throw ValidationError(.argument, name: "FirewallRuleError", "the kernel refused the plugin rule: " + refusal.message)
            }
            self.reconciler.board.markApplied("firewall", generation: generation, message: "plugin presets applied by the API: \(rules.count) rule(s)")
        }
    }

    /// `PUT …/firewall {preset: ssh|internet|port_map, host_port, container_port, protocol}`.
    public func putPluginFirewall(_ id: Int, _ fields: InputFields, actor: String?) async throws -> [PluginPortRule] {
        let record = try pluginInstance(id)
        let text = try fields.string("preset", required: true)!
        guard let preset = PluginPortRule.Preset(rawValue: text), preset != .waf else {
            throw ValidationError(field: "preset", "preset must be one of ssh, internet, port_map; got \"\(text.prefix(32))\"")
        }
        guard let spec = containerSystemConfig.container(record.containerID) else { throw ValidationError(.state, "Plugin instance \(record.name) has no container") }
        var rule = PluginPortRule(instanceID: id, preset: preset, address: spec.address)
        switch preset {
        case .internet:
            break
        case .waf:
            throw ValidationError(field: "preset", "preset must be one of ssh, internet, port_map")
        case .ssh, .portMap:
            guard let host = try fields.int("host_port") else {
                throw ValidationError(field: "host_port", "host_port is required for preset \(preset.rawValue)")
            }
            let port = try fields.int("container_port") ?? (preset == .ssh ? 22 : nil)
            guard let port else { throw ValidationError(field: "container_port", "container_port is required for preset port_map") }
            let proto = (try fields.string("protocol") ?? "tcp").lowercased()
            guard proto == "tcp" || (proto == "udp" && preset == .portMap) else {
                throw ValidationError(field: "protocol", preset == .ssh ? "preset ssh is TCP only" : "protocol must be tcp or udp")
            }
            guard (1...65535).contains(host) else { throw ValidationError(field: "host_port", "host_port must be 1-65535") }
            guard (1...65535).contains(port) else { throw ValidationError(field: "container_port", "container_port must be 1-65535") }
            let services = firewall?.controllerServices ?? FirewallCompiler.Services(apiPort: options.port)
            if let reason = PluginPresets.reservedReason(hostPort: host, proto: proto, services: services) {
                throw ValidationError(.argument, reason)
            }
            rule.hostPort = host
            rule.containerPort = port
            rule.proto = proto
        }
        let frozen = rule
        try await changePluginFirewall(actor: actor, "plugin_instances.firewall", detail: "\(record.name): \(PluginPresets.rule(for: frozen).text)") { rules in
            if frozen.preset == .internet {
                if rules.contains(where: { $0.instanceID == id && $0.preset == .internet }) { return }
            } else if let other = rules.first(where: { $0.preset != .internet && $0.hostPort == frozen.hostPort && $0.proto == frozen.proto }) {
                guard other.instanceID == id else {
                    throw ValidationError(.conflict, field: "host_port", "host port \(frozen.proto.uppercased()) \(frozen.hostPort!) is already mapped to plugin instance \(other.instanceID)")
                }
                rules.removeAll { $0 == other }
            }
            rules.append(frozen)
        }
        return try pluginFirewall(id)
    }
}
