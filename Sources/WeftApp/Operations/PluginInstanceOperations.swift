import Foundation
import GRDB
import WeftContainers
import WeftModel
import WeftStore
import WeftSystem

/// Plugin instances (`/api/plugin-instances`): a container of a plugin's image on the plugin
/// network, with the plugin's manager config (the image's `/opt/plugin-manager/config.json`
/// unless `manager_config` or `POST|PUT …/manager` gives another). At start Weft keeps
/// each configuration file as found in the image as its version 1 and starts the `weft`
/// process manager's programs.
extension Controller {
    public static let pluginInstanceFields: Set<String> = ["name", "plugin_id", "description", "command", "ip_address", "manager_config", "environment"]

    public var pluginInstances: [PluginInstanceRecord] { (try? store.read { db in try PluginTables.instances(db) }) ?? [] }

    public func pluginInstance(_ id: Int) throws -> PluginInstanceRecord {
        guard let instance = try store.read({ db in try PluginTables.instance(id, db) }) else {
            throw ValidationError(.notFound, "Plugin instance does not exist")
        }
        return instance
    }

    /// `[{key, value}]` (value a string, number or boolean) → `KEY=VALUE`.
    static func pluginEnvironment(_ fields: InputFields) throws -> [String] {
        switch fields.object["environment"] {
        case nil, .null?: return []
        case .array(let items)?:
            var result: [String] = []
            for item in items {
                guard case .object(let pair) = item, case .string(let key)? = pair["key"], !key.isEmpty,
                      key.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                    throw ValidationError(field: "environment", "environment must be a list of {key, value} objects with keys of letters, digits and _")
                }
                let value: String = switch pair["value"] {
                case .string(let text)?: text
                case .int(let number)?: String(number)
                case .bool(let flag)?: flag ? "true" : "false"
                case nil, .null?: ""
                default: throw ValidationError(field: "environment", "environment value of \(key) must be a string, number or boolean")
                }
                result.append("\(key)=\(value)")
            }
            return result
        default:
            return try environment(fields)
        }
    }

    /// `POST /api/plugin-instances`.
    public func startPluginInstance(_ fields: InputFields, actor: String?) async throws -> PluginInstanceRecord {
        let name = try fields.string("name", required: true)!
        guard let pluginID = try fields.int("plugin_id") else { throw ValidationError(field: "plugin_id", "Field \"plugin_id\" is required for \(fields.endpoint)") }
        guard let plugin = try store.read({ db in try PluginTables.plugin(pluginID, db) }) else {
            throw ValidationError(.argument, "Plugin with ID \(pluginID) does not exist.")
        }
        guard let image = pluginImage(plugin), image.status == .ready else {
            throw ValidationError(.state, field: "plugin_id", "Plugin \(plugin.name)'s image is not ready (\(pluginImage(plugin).map { "\($0.status.rawValue): \($0.statusMessage)" } ?? "gone"))")
        }
        let manager: PluginManagerConfig?
        switch fields.object["manager_config"] {
        case nil, .null?: manager = try imageManagerConfig(image)
        case let value?: manager = try Self.managerConfig(value)
        }
        try Self.checkContainerName(name, ContainerSystemConfig())
        if pluginInstances.contains(where: { $0.name == name }) { throw ValidationError(.conflict, field: "name", "a plugin instance named \(name) exists already") }
        let environment = try Self.pluginEnvironment(fields)
        let command = try fields.string("command") ?? (plugin.command.isEmpty ? nil : plugin.command)
        var container = JSONObject()
        container["image_uuid"] = .string(image.id)
        container["name"] = .string(name)
        container["description"] = .string(try fields.string("description") ?? "plugin \(plugin.name) \(plugin.version)")
        if let command { container["command"] = .string(command) }
        if let address = try fields.string("ip_address") { container["ipaddress"] = .string(address) }
        container["environment"] = .array(environment.map(JSONValue.string))
        let spec = try await startContainer(InputFields(object: container, endpoint: fields.endpoint), actor: actor)
        let now = Store.now()
        var record = PluginInstanceRecord(id: 0, pluginID: plugin.id, containerID: spec.id, name: name, description: try fields.string("description") ?? "",
                                          command: command ?? "", manager: manager, createdAt: now, updatedAt: now)
        let draft = record
        let imageRoot = containers?.paths.imageRoot(image.id)
        do {
            record.id = try commit(actor, "plugin_instances.start", detail: "\(name) of plugin \(plugin.id) (\(plugin.name))") { db in
                let id = try PluginTables.insert(draft, db)
                try Self.keepImageVersions(id, manager, imageRoot: imageRoot, db)
                return id
            }
        } catch {
            try? await deleteContainer(id: spec.id, actor: actor)
            throw error
        }
        if let manager, manager.processManager?.name == "weft" {
            for program in manager.processManager!.subprocesses { _ = try? await runProgram(record, program, action: "start", grace: .seconds(5)) }
        }
        return record
    }

    /// Version 1 of each configuration file not versioned yet: the file as the image has it.
    static func keepImageVersions(_ instance: Int, _ manager: PluginManagerConfig?, imageRoot: String?, _ db: Database) throws {
        guard let manager, let imageRoot else { return }
        for file in manager.configurationFiles where try PluginTables.versions(instance, file.slug, db).isEmpty {
            if let bytes = try? RootedFiles.read(root: imageRoot, file.path) {
                try PluginTables.addVersion(instance, file.slug, bytes, db)
            }
        }
    }

    /// `DELETE /api/plugin-instances/{id}`: its programs, presets, container and versions go.
    public func deletePluginInstance(id: Int, actor: String?) async throws -> PluginInstanceRecord {
        let record = try pluginInstance(id)
        if snapshot.pluginFirewall.rules.contains(where: { $0.instanceID == id }) {
            try await changePluginFirewall(actor: actor, "plugin_instances.firewall.remove", detail: "instance \(id) deleted") { rules in
                rules.removeAll { $0.instanceID == id }
            }
        }
        for program in record.manager?.processManager?.subprocesses ?? [] {
            if let tracked = PluginProcesses.tracked(record.containerID, program) { await HostProcess.stop(tracked.pid, started: tracked.started, grace: .seconds(2)) }
        }
        PluginProcesses.forget(record.containerID)
        try commit(actor, "plugin_instances.delete", detail: "\(id) \(record.name)") { db in
            try db.execute(sql: "DELETE FROM plugin_config_versions WHERE instance_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM plugin_instances WHERE id = ?", arguments: [id])
            var config = try Store.get(.containerSystem, in: db) ?? ContainerSystemConfig()
            config.containers.removeAll { $0.id == record.containerID }
            try Store.set(.containerSystem, config, in: db)
        }
        _ = try? await containers?.converge()
        return record
    }

    /// `POST /api/plugin-instances/{id}/commit {name*, description, version}`: the instance's
    /// file system as a new image, installed as a new plugin (same name, the new version).
    public func commitPluginInstance(id: Int, _ fields: InputFields, actor: String?) async throws -> (image: ContainerImage, plugin: PluginRecord) {
        let record = try pluginInstance(id)
        let plugin = try self.plugin(record.pluginID)
        guard let name = try fields.string("name"), !name.isEmpty else { throw ValidationError(.argument, "name is missing") }
        let version = try Self.pluginVersion(fields.string("version") ?? "commit-\(Store.now())")
        let pluginName = try Self.pluginName(name)
        if plugins.contains(where: { $0.name == pluginName && $0.version == version }) {
            throw ValidationError(.conflict, "Plugin with name and version already exists.")
        }
        var describing = JSONObject()
        describing["name"] = .string(PluginManagerConfig.slug(pluginName) + ":" + version)
        describing["description"] = .string(try fields.string("description") ?? "committed from plugin instance \(record.name)")
        let image = try await commitContainer(id: record.containerID, InputFields(object: describing, endpoint: fields.endpoint), actor: actor)
        let now = Store.now()
        var made = PluginRecord(id: 0, name: pluginName, version: version, imageImportID: image.importID, imageURL: "instance:\(id)",
                                description: try fields.string("description") ?? plugin.description, command: record.command,
                                documentationURL: plugin.documentationURL, supportURL: plugin.supportURL, catalogID: plugin.catalogID,
                                tags: plugin.tags, metadata: plugin.metadata, createdAt: now, updatedAt: now)
        let draft = made
        made.id = try commit(actor, "plugin_instances.commit", detail: "\(record.name) → \(pluginName) \(version)") { db in try PluginTables.insert(draft, db) }
        return (image, made)
    }

    /// `POST …/manager` (only while the instance has none) and `PUT …/manager` (replaces it).
    public func setPluginManager(id: Int, _ value: JSONValue, replace: Bool, actor: String?) throws -> PluginInstanceRecord {
        var record = try pluginInstance(id)
        if !replace, let current = record.manager, !current.isEmpty {
            throw ValidationError(.argument, name: "PluginManagerConfigError", "Manager configuration is not empty.  Please issue a PUT request to update.")
        }
        let manager = try Self.managerConfig(value)
        let spec = containerSystemConfig.container(record.containerID)
        let imageRoot = spec.flatMap { containerSystemConfig.image($0.imageID) }.flatMap { containers?.paths.imageRoot($0.id) }
        try commit(actor, replace ? "plugin_instances.manager.update" : "plugin_instances.manager.create", detail: "\(id) \(record.name)") { db in
            try PluginTables.setManager(id, manager, db)
            try Self.keepImageVersions(id, manager, imageRoot: imageRoot, db)
        }
        record.manager = manager
        return record
    }
}
