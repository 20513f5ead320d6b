import Foundation
import GRDB
import WeftModel

/// Typed keys for the settings table (one JSON document per concern).
public struct SettingKey<Value: Codable & Sendable>: Sendable {
    public let name: String
    public init(_ name: String) { self.name = name }
}

extension SettingKey {
    public static var controller: SettingKey<ControllerSettings> { .init("controller") }
    public static var license: SettingKey<LicenseState> { .init("license") }
    public static var peering: SettingKey<PeeringSelf> { .init("peering") }
    public static var firewall: SettingKey<FirewallPolicy> { .init("firewall") }
    public static var ipsec: SettingKey<IpsecConfig> { .init("ipsec") }
    public static var routes: SettingKey<RouteConfig> { .init("routes") }
    public static var alerting: SettingKey<AlertingConfig> { .init("alerting") }
    public static var peeringPeers: SettingKey<PeeringPeers> { .init("peering_peers") }
}

extension Store {
    public static func get<V>(_ key: SettingKey<V>, in db: Database) throws -> V? {
        guard let data = try Data.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key.name]) else {
            return nil
        }
        do {
            return try JSONDecoder().decode(V.self, from: data)
        } catch {
            throw StoreError.corrupt("setting \(key.name) does not decode: \(error)")
        }
    }

    /// `set` with the value's store JSON already written (`PreparedStoreJSON`, made while
    /// the kernel applied the change).
    public static func set<V: StoreJSONWritable>(_ key: SettingKey<V>, prepared: PreparedStoreJSON<V>, in db: Database) throws {
        try db.execute(sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [key.name, Data(prepared.bytes)])
    }

    public static func set<V>(_ key: SettingKey<V>, _ value: V, in db: Database) throws {
        let data: Data
        if let writable = value as? any StoreJSONWritable {
            var bytes: [UInt8] = []
            writable.writeStoreJSON(into: &bytes)
            data = Data(bytes)
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            data = try encoder.encode(value)
        }
        try db.execute(sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [key.name, data])
    }

    public func get<V>(_ key: SettingKey<V>) throws -> V? {
        try read { db in try Store.get(key, in: db) }
    }
}

/// Whether the web UI is enabled (`PUT /api/admin_ui`).
public struct AdminUISettings: Sendable, Equatable, Codable {
    public var enabled: Bool
    public init(enabled: Bool = true) { self.enabled = enabled }
}

extension SettingKey {
    public static var adminUI: SettingKey<AdminUISettings> { .init("admin_ui") }
}
