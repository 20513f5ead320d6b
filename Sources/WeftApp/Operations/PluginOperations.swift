import Foundation
import GRDB
import WeftContainers
import WeftModel
import WeftStore
import WeftSystem

/// Installed plugins (`/api/plugins`, CONTRACT §3.14): a plugin is a container image
/// imported for it (from an http(s) URL, a local docker-archive file — a path or a
/// `file://` URL — or, once the offline catalog is there, `catalog:<id>`) plus the
/// catalog's fields, one row of the `plugins` table with an integer id.
extension Controller {
    public static let pluginFields: Set<String> = ["name", "image_url", "description", "command", "documentation_url", "support_url",
                                                   "catalog_id", "version", "tags", "metadata"]
    public static let pluginUpdateFields: Set<String> = ["name", "description", "command", "documentation_url", "support_url", "version", "tags"]

    public var plugins: [PluginRecord] { (try? store.read { db in try PluginTables.plugins(db) }) ?? [] }

    public func plugin(_ id: Int) throws -> PluginRecord {
        guard let plugin = try store.read({ db in try PluginTables.plugin(id, db) }) else {
            throw ValidationError(.notFound, "Plugin not found")
        }
        return plugin
    }

    /// The image of a plugin (nil when its record is gone).
    public func pluginImage(_ plugin: PluginRecord) -> ContainerImage? {
        containerSystemConfig.images.first { $0.importID == plugin.imageImportID }
    }

    static func pluginName(_ text: String) throws -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-")
        let trimmed = text.trimmed
        guard !trimmed.isEmpty, trimmed.count <= 64, trimmed.allSatisfy(allowed.contains) else {
            throw ValidationError(field: "name", "name must be 1-64 letters, digits, spaces and . _ -, got \"\(text.prefix(64))\"")
        }
        return trimmed
    }

    static func pluginVersion(_ text: String?) throws -> String {
        guard let text else { return "1" }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !text.isEmpty, text.count <= 32, text.allSatisfy(allowed.contains) else {
            throw ValidationError(field: "version", "version must be 1-32 letters, digits and . _ -, got \"\(text.prefix(40))\"")
        }
        return text
    }

    static func stringMap(_ fields: InputFields, _ name: String) throws -> [String: String]? {
        switch fields.object[name] {
        case nil, .null?: return nil
        case .object(let object)?:
            var map: [String: String] = [:]
            for (key, value) in object.entries {
                switch value {
                case .string(let text): map[key] = text
                case .int(let number): map[key] = String(number)
                case .bool(let flag): map[key] = flag ? "true" : "false"
                default: throw ValidationError(field: name, "\(name) must be an object of string values (\(key) is not)")
                }
            }
            return map
        default: throw ValidationError(field: name, "\(name) must be an object of key/value pairs")
        }
    }

    /// Where an `image_url` points: a download, or the bytes of a local file.
    func pluginImageSource(_ url: String) throws -> ContainerSystem.ImageSource {
        // The offline catalog (`PluginCatalog`, built by scripts/build-plugin-image).
        if url.hasPrefix(PluginCatalog.scheme) {
            return .upload(try PluginCatalog().archive(url: url, limit: options.imageSizeLimit))
        }
        var path: String?
        if url.hasPrefix("/") { path = url }
        if url.lowercased().hasPrefix("file://") { path = URL(string: url)?.path }
        if let path {
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                throw ValidationError(field: "image_url", "image_url \(url): no regular file at \(path)")
            }
            guard Int(info.st_size) <= options.imageSizeLimit else {
                throw ValidationError(field: "image_url", "image_url \(url): the file is larger than \(options.imageSizeLimit) bytes")
            }
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError(field: "image_url", "image_url \(url): the file cannot be read") }
            return .upload(Array(data))
        }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
            throw ValidationError(field: "image_url", "image_url must be an http(s) URL, a file:// URL or an absolute path of a docker-archive, got \(url.prefix(200))")
        }
        return .url(url)
    }

    /// `POST /api/plugins`: records the plugin and starts its image's import (status
    /// `Importing`, then `Ready` or `Failed` with the reason).
    public func installPlugin(_ fields: InputFields, actor: String?) throws -> PluginRecord {
        let name = try Self.pluginName(fields.string("name", required: true)!)
        let imageURL = try fields.string("image_url", required: true)!
        let version = try Self.pluginVersion(fields.string("version"))
        let tags = try Self.stringMap(fields, "tags") ?? [:]
        let metadata = try Self.stringMap(fields, "metadata") ?? [:]
        let description = try fields.string("description") ?? ""
        let command = try fields.string("command") ?? ""
        if !command.isEmpty { _ = try CommandLineWords.split(command) }
        guard containerSystemConfig.running else { throw ValidationError(.state, name: "PluginSubsystemNotRunning", "Plugin subsystem is not running.") }
        if plugins.contains(where: { $0.name == name && $0.version == version }) {
            throw ValidationError(.conflict, "Plugin with name and version already exists.")
        }
        let source = try pluginImageSource(imageURL)
        var describing = JSONObject()
        describing["name"] = .string(PluginManagerConfig.slug(name) + ":" + version)
        describing["description"] = .string(description.isEmpty ? "plugin \(name) \(version)" : description)
        let (upload, url): ([UInt8]?, String?) = switch source {
        case .upload(let bytes): (bytes, nil)
        case .url(let url): (nil, url)
        case .build, .buildURL: throw ValidationError(field: "image_url", "image_url must name an image archive, not a Dockerfile")
        }
        if let url { describing["url"] = .string(url) }
        let importID = try createImage(InputFields(object: describing, endpoint: "POST /api/plugins"), upload: upload, actor: actor)
        let now = Store.now()
        var record = PluginRecord(id: 0, name: name, version: version, imageImportID: importID, imageURL: imageURL, description: description,
                                  command: command, documentationURL: try fields.string("documentation_url") ?? "",
                                  supportURL: try fields.string("support_url") ?? "", catalogID: try fields.string("catalog_id") ?? "",
                                  tags: tags, metadata: metadata, createdAt: now, updatedAt: now)
        let draft = record
        record.id = try commit(actor, "plugins.install", detail: "\(name) \(version) from \(imageURL.prefix(200))") { db in
            try PluginTables.insert(draft, db)
        }
        return record
    }

    /// `PUT /api/plugins/{id}`. The SDK's `update_plugin` sends no id (the path holds the
    /// literal `{id}`): then the plugin is the one named `name` (the newest version, or the one
    /// `version` names when several exist) and the name stays.
    public func updatePlugin(id: Int?, _ fields: InputFields, actor: String?) throws -> PluginRecord {
        let name = try Self.pluginName(fields.string("name", required: true)!)
        let version = try fields.string("version").map { try Self.pluginVersion($0) }
        let tags = try Self.stringMap(fields, "tags")
        return try commit(actor, "plugins.update", detail: id.map(String.init) ?? name) { db -> PluginRecord in
            let all = try PluginTables.plugins(db)
            var record: PluginRecord
            if let id {
                guard let found = all.first(where: { $0.id == id }) else { throw ValidationError(.notFound, "Plugin not found") }
                record = found
                record.name = name
            } else {
                let named = all.filter { $0.name == name }
                guard let found = named.first(where: { $0.version == version }) ?? named.last else {
                    throw ValidationError(.notFound, field: "name", "Plugin not found: no plugin is named \(name)")
                }
                record = found
            }
            if let version { record.version = version }
            if all.contains(where: { $0.id != record.id && $0.name == record.name && $0.version == record.version }) {
                throw ValidationError(.conflict, "Plugin with name and version already exists.")
            }
            if let text = try fields.string("description") { record.description = text }
            if let text = try fields.string("command") {
                if !text.isEmpty { _ = try CommandLineWords.split(text) }
                record.command = text
            }
            if let text = try fields.string("documentation_url") { record.documentationURL = text }
            if let text = try fields.string("support_url") { record.supportURL = text }
            if let tags { record.tags = tags }
            record.updatedAt = Store.now()
            try PluginTables.update(record, db)
            return record
        }
    }

    /// `DELETE /api/plugins/{id}`: the plugin and its image; refused while instances of it exist.
    public func deletePlugin(id: Int, actor: String?) async throws -> PluginRecord {
        let record = try plugin(id)
        let users = pluginInstances.filter { $0.pluginID == id }
        guard users.isEmpty else {
            throw ValidationError(.state, field: "id", "Plugin \(record.name) has instance(s) \(users.map(\.name).joined(separator: ", ")): delete them first")
        }
        try commit(actor, "plugins.delete", detail: "\(id) \(record.name)") { db in
            try db.execute(sql: "DELETE FROM plugins WHERE id = ?", arguments: [id])
        }
        if let image = pluginImage(record), !plugins.contains(where: { $0.imageImportID == record.imageImportID }) {
            _ = try? await deleteImage(id: image.importID, force: false, actor: actor)
        }
        return record
    }

    /// `GET /api/plugins/{id}/manager`: the manager config in the plugin's image
    /// (`/opt/plugin-manager/config.json`); an image without one has an empty config.
    public func pluginManagerConfig(_ id: Int) throws -> PluginManagerConfig {
        let record = try plugin(id)
        guard let image = pluginImage(record), image.status == .ready else {
            throw ValidationError(.state, field: "id", "Plugin \(record.name)'s image is not ready (\(pluginImage(record)?.status.rawValue ?? "gone"))")
        }
        return try imageManagerConfig(image) ?? PluginManagerConfig()
    }

    /// The image's own manager config, nil when it has none.
    func imageManagerConfig(_ image: ContainerImage) throws -> PluginManagerConfig? {
        guard let system = containers else { return nil }
        let bytes: [UInt8]?
        do { bytes = try RootedFiles.read(root: system.paths.imageRoot(image.id), PluginManagerConfig.path, limit: 1 << 20) } catch {
            throw ValidationError(.argument, name: "PluginManagerConfigError", "Invalid plugin manager config:  \(PluginManagerConfig.path) in the image: \(error)")
        }
        guard let bytes else { return nil }
        return try Self.managerConfig(bytes, origin: "\(PluginManagerConfig.path) in the image")
    }

    static func managerConfig(_ bytes: [UInt8], origin: String) throws -> PluginManagerConfig {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            throw ValidationError(.argument, name: "PluginManagerConfigError", "Invalid plugin manager config:  \(origin) is not JSON: \(error)")
        }
        return try managerConfig(value)
    }

    static func managerConfig(_ value: JSONValue) throws -> PluginManagerConfig {
        do { return try PluginManagerConfig.parse(value, splitCommand: CommandLineWords.split) } catch {
            throw ValidationError(.argument, name: "PluginManagerConfigError", error.description)
        }
    }
}
