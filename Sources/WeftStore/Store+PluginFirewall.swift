import GRDB
import WeftModel

/// The plugin instances' firewall presets, rows of `plugin_firewall` (in the order given).
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
        return PluginFirewall(rules: rules, network: network)
    }

    public static func setPluginFirewall(_ firewall: PluginFirewall, in db: Database) throws {
        try db.execute(sql: "DELETE FROM plugin_firewall")
        for rule in firewall.rules {
            try db.execute(sql: """
                INSERT INTO plugin_firewall (instance_id, preset, address, host_port, container_port, protocol, network)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [rule.instanceID, rule.preset.rawValue, rule.address, rule.hostPort, rule.containerPort, rule.proto, firewall.network])
        }
    }
}
