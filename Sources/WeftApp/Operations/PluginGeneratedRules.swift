import WeftContainers
import WeftFirewall
import WeftModel

/// The rules Weft generates for plugin instances (their firewall presets) as the firewall
/// views show them: read-only, each with the instance it serves. The customer's rule list
/// (`GET /api/firewall/rules`, what `assert_rule_policy` compares) never holds them.
extension Controller {
    public struct GeneratedRule: Sendable, Equatable {
        public var instanceID: Int
        public var instanceName: String?
        public var preset: PluginPortRule.Preset
        public var table: String
        public var chain: String
        public var arguments: String
        public var text: String { "\(chain) \(arguments)" }
    }

    /// Exactly the rules the kernel gets (same bridge and plugin network as the apply).
    public var pluginGeneratedRules: [GeneratedRule] {
        let firewall = snapshot.pluginFirewall
        let names = Dictionary(pluginInstances.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        return zip(firewall.rules, pluginFirewallRules(firewall)).map { preset, rule in
            GeneratedRule(instanceID: preset.instanceID, instanceName: preset.instanceID == Controller.wafInstanceID ? WAFRuntime.containerName : names[preset.instanceID], preset: preset.preset,
                          table: "nat", chain: rule.chain, arguments: rule.arguments)
        }
    }
}
