import Foundation
import WeftContainers
import WeftFirewall
import WeftModel

/// Plugins and plugin instances as `/api/plugins…` and `/api/plugin-instances…` show them
/// (the VNS3 6.0 spec's `Plugin`, `PluginInstance`, `PluginManagerConfig` shapes).
public enum PluginView {
    public static func plugin(_ p: PluginRecord, image: ContainerImage?, instances: [(PluginInstanceRecord, Bool)]) -> JSONValue {
        func map(_ m: [String: String]) -> JSONValue {
            var object = JSONObject()
            for key in m.keys.sorted() { object[key] = .string(m[key]!) }
            return .object(object)
        }
        let mine = instances.filter { $0.0.pluginID == p.id }
        var config = JSONObject()
        if let image {
            config["Cmd"] = .array(image.config.cmd.map(JSONValue.string))
            config["Entrypoint"] = .array(image.config.entrypoint.map(JSONValue.string))
            config["Env"] = .array(image.config.env.map(JSONValue.string))
            config["WorkingDir"] = .string(image.config.workingDir)
        }
        let ready = image?.status == .ready
        return [
            "id": .int(p.id), "name": .string(p.name), "version": .string(p.version),
            "tag_name": .string("vns3local:" + PluginManagerConfig.slug(p.name)),
            "status": .string(image?.status.rawValue ?? "Missing"), "status_msg": .string(image?.statusMessage ?? "the image record is gone"),
            "status_message": .string(image?.statusMessage ?? "the image record is gone"),
            "import_id": .string(p.imageImportID), "uuid": ready ? .string(image!.id) : .null,
            "created_at": .string(Timestamps.iso8601(p.createdAt)), "updated_at": .string(Timestamps.iso8601(p.updatedAt)),
            "description": .string(p.description), "command": .string(p.command), "url": .string("/api/plugins/\(p.id)"),
            "image_url": .string(p.imageURL), "documentation_url": .string(p.documentationURL), "support_url": .string(p.supportURL),
            "catalog_id": .string(p.catalogID), "tags": map(p.tags), "metadata": map(p.metadata),
            "containers": .array(mine.map { ["id": .int($0.0.id), "status": .string($0.1 ? "running" : "stopped")] }),
            "running_containers": .int(mine.filter { $0.1 }.count),
            "data": ["comment": "", "container_config": .object(config)],
        ]
    }

    public static func file(_ state: Controller.ConfigFileState) -> JSONValue {
        let current = state.current
        return [
            "path": .string(state.file.path), "name": .string(state.file.name), "description": .string(state.file.description),
            "slug": .string(state.file.slug), "version": .optional(current?.version),
            "created_at": current.map { JSONValue.string(Timestamps.iso8601($0.createdAt)) } ?? .null,
            "previous_versions": .array(state.versions.filter { $0.version != current?.version }.reversed().map {
                ["version": .int($0.version), "created_at": .string(Timestamps.iso8601($0.createdAt)), "path": .string(state.file.path)]
            }),
        ]
    }

    public static func logFile(_ file: PluginManagerConfig.File) -> JSONValue {
        ["path": .string(file.path), "name": .string(file.name), "description": .string(file.description), "slug": .string(file.slug)]
    }

    /// The manager config with each configuration file's versions.
    public static func manager(_ config: PluginManagerConfig, files: [Controller.ConfigFileState]) -> JSONValue {
        guard case .object(var object) = config.json else { return config.json }
        if !files.isEmpty { object["configuration_files"] = .array(files.map(file)) }
        return .object(object)
    }

    public static func firewallRule(_ rule: PluginPortRule) -> JSONValue {
        [
            "rule": .string(PluginPresets.rule(for: rule).text), "preset": .string(rule.preset.rawValue),
            "destination_port": .optional(rule.hostPort), "plugin_port": .optional(rule.containerPort),
            "protocol": rule.preset == .internet ? .null : .string(rule.proto),
            "tags": .array([.string(rule.preset.rawValue)] + (rule.preset == .internet ? [] : [.string(rule.proto)])),
        ]
    }

    public static func command(_ result: Controller.ManagerCommandResult) -> JSONValue {
        ["output": .string(result.output), "error": .string(result.error), "failed": .bool(result.failed), "timeout": .bool(result.timeout),
         "exit_status": .optional(result.exitStatus)]
    }

    public static func instance(_ i: PluginInstanceRecord, plugin: PluginRecord?, spec: ContainerSpec?, running: Bool, pid: Int32?,
                                image: ContainerImage?, files: [Controller.ConfigFileState], firewall: [PluginPortRule], systemData: Bool) -> JSONValue {
        var portMaps = JSONObject()
        for rule in firewall where rule.preset != .internet { portMaps[String(rule.containerPort ?? 0)] = .optional(rule.hostPort) }
        var object: JSONObject = [
            "id": .int(i.id), "name": .string(i.name), "description": .string(i.description), "url": .string("/api/plugin-instances/\(i.id)"),
            "command": .string(i.command), "plugin_id": .int(i.pluginID), "image_id": .int(i.pluginID),
            "image_name": .string(plugin.map { "\($0.name):\($0.version)" } ?? ""), "uuid": .string(i.containerID),
            "status": .string(running ? "running" : (spec?.running == true ? "restarting" : "stopped")),
            "status_message": .string(running ? "Running" : "Not running"), "ip_address": .string(spec?.address ?? ""),
            "created_at": .string(Timestamps.iso8601(i.createdAt)), "updated_at": .string(Timestamps.iso8601(i.updatedAt)),
            "environment": .array((spec?.environment ?? []).map(JSONValue.string)),
            "firewall": .array(firewall.map(firewallRule)), "port_maps": .object(portMaps),
            "manager": i.manager.map { PluginView.manager($0, files: files) } ?? JSONValue.null,
        ]
        if systemData, let spec { object["data"] = ContainerView.container(spec, running: running, pid: pid, image: image) }
        return .object(object)
    }
}
