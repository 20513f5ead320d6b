import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel

/// `GET /api/firewall/generated` (Weft's): the rules Weft owns beside the customer's —
/// plugin presets in `WEFT_PLUGINS_PRE`/`WEFT_PLUGINS_POST` — marked read-only. They are
/// changed through `PUT /api/plugin-instances/{id}/firewall`, never by `PUT /api/firewall`.
extension PluginRoutes {
    @Sendable func generatedFirewall(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(.array(controller.pluginGeneratedRules.map { rule in
            ["table": .string(rule.table), "chain": .string(rule.chain), "rule": .string(rule.text), "generated": true, "read_only": true,
             "owner": "plugin_instance", "plugin_instance_id": .int(rule.instanceID),
             "plugin_instance_name": rule.instanceName.map(JSONValue.string) ?? .null, "preset": .string(rule.preset.rawValue)]
        }))
    }
}
