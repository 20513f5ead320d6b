import GRDB
import WeftModel

extension SettingKey {
    /// Steering rules of Weft's own network functions (the WAF: instance id 0), which have
    /// no plugin instance row for `plugin_firewall`'s foreign key.
    static var weftPluginRules: SettingKey<[PluginPortRule]> { .init("plugin_firewall_weft") }
}

/// The plugin instances' firewall presets, rows of `plugin_firewall` (in the order given),
/// then the rules of Weft's own network functions.
extension Store {
    public static func pluginFirewall(in db: Database) throws -> PluginFirewall {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM plugin_firewall ORDER BY id")
        var rules: [PluginPortRule] = []
        var network: String?
        for row in rows {
            guard let preset = PluginPortRule.Preset(rawValue: row["preset"]) else { continue }
            rules.append(PluginPortRule(instanceID: row["instance_id"], preset: preset, address: row["address"],
                                        hostPort: row["host_port"], containerPort: row["container_port"], proto: row["protocol"]))
            network = row["network"] ?? network
        }
        rules += try get(.weftPluginRules, in: db) ?? []
        return PluginFirewall(rules: rules, network: network)
    }

    public static func setPluginFirewall(_ firewall: PluginFirewall, in db: Database) throws {
        try db.execute(sql: "DELETE FROM plugin_firewall")
        try set(.weftPluginRules, firewall.rules.filter { $0.instanceID == 0 }, in: db)
        for rule in firewall.rules where rule.instanceID != 0 {
            try db.execute(sql: """
                INSERT INTO plugin_firewall (instance_id, preset, address, host_port, container_port, protocol, network)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [rule.instanceID, rule.preset.rawValue, rule.address, rule.hostPort, rule.containerPort, rule.proto, firewall.network])
        }
    }
}
