import Foundation
import GRDB
import WeftContainers
import WeftModel
import WeftStore

/// An installed plugin (`/api/plugins`): a container image imported for it, with the
/// catalog's descriptive fields. Rows of the `plugins` table; ids are integers.
public struct PluginRecord: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var version: String
    /// The container image's import id (the image record in the container system).
    public var imageImportID: String
    public var imageURL: String
    public var description: String
    public var command: String
    public var documentationURL: String
    public var supportURL: String
    public var catalogID: String
    public var tags: [String: String]
    public var metadata: [String: String]
    public var createdAt: Int
    public var updatedAt: Int
}

/// A running plugin (`/api/plugin-instances`): a container of the plugin's image, its
/// manager config (nil = none) and its name.
public struct PluginInstanceRecord: Sendable, Equatable {
    public var id: Int
    public var pluginID: Int
    public var containerID: String
    public var name: String
    public var description: String
    public var command: String
    public var manager: PluginManagerConfig?
    public var createdAt: Int
    public var updatedAt: Int
}

/// One stored version of a configuration file of an instance (version 1 = as found in the image).
public struct ConfigVersion: Sendable, Equatable {
    public var version: Int
    public var content: [UInt8]
    public var createdAt: Int
    public var current: Bool
}

enum PluginTables {
    static func encode(_ map: [String: String]) -> String {
        var object = JSONObject()
        for key in map.keys.sorted() { object[key] = .string(map[key]!) }
        return JSONWriter.string(.object(object))
    }

    static func decode(_ text: String) -> [String: String] {
        guard case .object(let object)? = try? JSONParser.parse(text) else { return [:] }
        var map: [String: String] = [:]
        for (key, value) in object.entries { if case .string(let s) = value { map[key] = s } }
        return map
    }

    static func plugin(_ row: Row) -> PluginRecord {
        PluginRecord(id: row["id"], name: row["name"], version: row["version"], imageImportID: row["image_import_id"], imageURL: row["image_url"],
                     description: row["description"], command: row["command"], documentationURL: row["documentation_url"],
                     supportURL: row["support_url"], catalogID: row["catalog_id"], tags: decode(row["tags"]), metadata: decode(row["metadata"]),
                     createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    static func plugins(_ db: Database) throws -> [PluginRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM plugins ORDER BY id").map(plugin)
    }

    static func plugin(_ id: Int, _ db: Database) throws -> PluginRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM plugins WHERE id = ?", arguments: [id]).map(plugin)
    }

    static func insert(_ p: PluginRecord, _ db: Database) throws -> Int {
        try db.execute(sql: """
            INSERT INTO plugins (name, version, image_import_id, image_url, description, command, documentation_url, support_url,
                                 catalog_id, tags, metadata, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
            """, arguments: [p.name, p.version, p.imageImportID, p.imageURL, p.description, p.command, p.documentationURL, p.supportURL,
                             p.catalogID, encode(p.tags), encode(p.metadata), p.createdAt, p.updatedAt])
        return Int(db.lastInsertedRowID)
    }

    static func update(_ p: PluginRecord, _ db: Database) throws {
        try db.execute(sql: """
            UPDATE plugins SET name = ?, version = ?, description = ?, command = ?, documentation_url = ?, support_url = ?, tags = ?,
                               updated_at = ? WHERE id = ?
            """, arguments: [p.name, p.version, p.description, p.command, p.documentationURL, p.supportURL, encode(p.tags), p.updatedAt, p.id])
    }

    static func instance(_ row: Row) -> PluginInstanceRecord {
        let text: String = row["manager"]
        let manager = text.isEmpty ? nil : (try? JSONParser.parse(text)).flatMap { try? PluginManagerConfig.parse($0, splitCommand: CommandLineWords.split) }
        return PluginInstanceRecord(id: row["id"], pluginID: row["plugin_id"], containerID: row["container_id"], name: row["name"],
                                    description: row["description"], command: row["command"], manager: manager,
                                    createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    static func instances(_ db: Database) throws -> [PluginInstanceRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM plugin_instances ORDER BY id").map(instance)
    }

    static func instance(_ id: Int, _ db: Database) throws -> PluginInstanceRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM plugin_instances WHERE id = ?", arguments: [id]).map(instance)
    }

    static func insert(_ i: PluginInstanceRecord, _ db: Database) throws -> Int {
        try db.execute(sql: """
            INSERT INTO plugin_instances (plugin_id, container_id, name, description, command, manager, created_at, updated_at)
            VALUES (?,?,?,?,?,?,?,?)
            """, arguments: [i.pluginID, i.containerID, i.name, i.description, i.command, i.manager.map { JSONWriter.string($0.json) } ?? "",
                             i.createdAt, i.updatedAt])
        return Int(db.lastInsertedRowID)
    }

    static func setManager(_ id: Int, _ manager: PluginManagerConfig?, _ db: Database) throws {
        try db.execute(sql: "UPDATE plugin_instances SET manager = ?, updated_at = ? WHERE id = ?",
                       arguments: [manager.map { JSONWriter.string($0.json) } ?? "", Store.now(), id])
    }

    static func versions(_ instance: Int, _ slug: String, _ db: Database) throws -> [ConfigVersion] {
        try Row.fetchAll(db, sql: "SELECT * FROM plugin_config_versions WHERE instance_id = ? AND slug = ? ORDER BY version",
                         arguments: [instance, slug]).map { row in
            ConfigVersion(version: row["version"], content: [UInt8](row["content"] as Data), createdAt: row["created_at"], current: (row["current"] as Int) != 0)
        }
    }

    /// Stores `content` as the next version and makes it current; returns its number.
    @discardableResult
    static func addVersion(_ instance: Int, _ slug: String, _ content: [UInt8], _ db: Database) throws -> Int {
        let next = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM plugin_config_versions WHERE instance_id = ? AND slug = ?",
                                     arguments: [instance, slug]) ?? 0) + 1
        try db.execute(sql: "UPDATE plugin_config_versions SET current = 0 WHERE instance_id = ? AND slug = ?", arguments: [instance, slug])
        try db.execute(sql: "INSERT INTO plugin_config_versions (instance_id, slug, version, content, created_at, current) VALUES (?,?,?,?,?,1)",
                       arguments: [instance, slug, next, Data(content), Store.now()])
        return next
    }

    static func makeCurrent(_ instance: Int, _ slug: String, _ version: Int, _ db: Database) throws {
        try db.execute(sql: "UPDATE plugin_config_versions SET current = (version = ?) WHERE instance_id = ? AND slug = ?",
                       arguments: [version, instance, slug])
    }
}
