import Foundation
import Hummingbird
import WeftApp
import WeftContainers
import WeftHTTP
import WeftModel

/// `/api/plugins…` and `/api/plugin-instances…` (CONTRACT §3.14, the SDK's
/// `network_edge_plugins`): the installed plugins and their running instances with the
/// manager (logs, configuration files with versions, processes, commands, firewall presets).
struct PluginRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("plugins", use: plugins)
        api.post("plugins", use: install)
        api.get("plugins/:id", use: plugin)
        api.put("plugins/:id", use: update)
        api.delete("plugins/:id", use: delete)
        api.get("plugins/:id/manager", use: manager)
        api.get("plugins/:id/exports", use: { try await exports($0, $1, plugin: true) })
        api.post("plugins/:id/exports", use: { try await createExport($0, $1, plugin: true) })
        api.get("plugins/:id/exports/:name", use: { try await downloadExport($0, $1, plugin: true) })
        api.delete("plugins/:id/exports/:name", use: { try await deleteExport($0, $1, plugin: true) })
        api.get("plugin-exports", use: allExports)
        api.get("plugin-instances/:id/exports", use: { try await exports($0, $1, plugin: false) })
        api.post("plugin-instances/:id/exports", use: { try await createExport($0, $1, plugin: false) })
        api.get("plugin-instances/:id/exports/:name", use: { try await downloadExport($0, $1, plugin: false) })
        api.delete("plugin-instances/:id/exports/:name", use: { try await deleteExport($0, $1, plugin: false) })
        api.get("plugin-instances", use: instances)
        api.post("plugin-instances", use: start)
        api.get("plugin-instances/:id", use: instance)
        api.delete("plugin-instances/:id", use: deleteInstance)
        api.post("plugin-instances/:id/commit", use: commitInstance)
        api.post("plugin-instances/:id/manager", use: createManager)
        api.put("plugin-instances/:id/manager", use: updateManager)
        api.get("plugin-instances/:id/logs", use: logs)
        api.get("plugin-instances/:id/logs/:slug/content", use: logContent)
        api.get("plugin-instances/:id/configurations", use: configurations)
        api.get("plugin-instances/:id/configurations/:slug/content", use: configurationContent)
        api.put("plugin-instances/:id/configurations/:slug/content", use: putConfigurationContent)
        api.post("plugin-instances/:id/configurations/:slug/revert", use: revertConfiguration)
        api.delete("plugin-instances/:id/configurations/:slug/versions/:version", use: deleteConfigurationVersion)
        api.delete("plugin-instances/:id/configurations/:slug/clear", use: clearConfiguration)
        api.get("plugin-instances/:id/processes", use: processes)
        api.post("plugin-instances/:id/processes/action", use: processAction)
        api.post("plugin-instances/:id/commands/execute", use: execute)
        api.get("plugin-instances/:id/firewall", use: firewall)
        api.put("plugin-instances/:id/firewall", use: putFirewall)
        api.get("plugin-instances/:id/users", use: users)
        api.put("plugin-instances/:id/users", use: putUser)
        api.delete("plugin-instances/:id/users/:username", use: deleteUser)
        api.get("firewall/generated", use: generatedFirewall)
    }

    static func id(_ context: WeftRequestContext) throws -> Int {
        let raw = try context.parameters.require("id")
        guard let id = Int(raw) else { throw APIError.argument("id must be an integer, got \(raw.prefix(40))") }
        return id
    }

    static func slug(_ context: WeftRequestContext) throws -> String {
        let raw = try context.parameters.require("slug")
        return raw.removingPercentEncoding ?? raw
    }

    func pluginJSON(_ p: PluginRecord) async -> JSONValue {
        var instances: [(PluginInstanceRecord, Bool)] = []
        for i in controller.pluginInstances where i.pluginID == p.id {
            instances.append((i, await controller.containers?.isRunning(i.containerID) ?? false))
        }
        return PluginView.plugin(p, image: controller.pluginImage(p), instances: instances)
    }

    func instanceJSON(_ i: PluginInstanceRecord, systemData: Bool) async throws -> JSONValue {
        let config = controller.containerSystemConfig
        let spec = config.container(i.containerID)
        let pid = await controller.containers?.pid(i.containerID)
        let plugin = try? controller.plugin(i.pluginID)
        return PluginView.instance(i, plugin: plugin, spec: spec, running: pid != nil, pid: pid, image: spec.flatMap { config.image($0.imageID) },
                                   files: (try? controller.pluginConfigFiles(i.id)) ?? [], firewall: (try? controller.pluginFirewall(i.id)) ?? [],
                                   systemData: systemData)
    }

    func managerJSON(_ id: Int) throws -> JSONValue {
        let record = try controller.pluginInstance(id)
        return PluginView.manager(record.manager ?? PluginManagerConfig(), files: try controller.pluginConfigFiles(id))
    }

    // MARK: Plugins

    @Sendable func plugins(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        var list: [JSONValue] = []
        for p in controller.plugins { list.append(await pluginJSON(p)) }
        return Reply.ok(.array(list))
    }

    @Sendable func install(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/plugins", known: Controller.pluginFields)
        let record = try controller.installPlugin(body, actor: context.principal)
        return Reply.ok(await pluginJSON(record), status: .created)
    }

    @Sendable func plugin(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(await pluginJSON(try controller.plugin(try Self.id(context))))
    }

    /// The SDK's `update_plugin` sends to the literal `/api/plugins/%7Bid%7D`: no id, the plugin is found by name.
    @Sendable func update(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let raw = try context.parameters.require("id")
        let decoded = raw.removingPercentEncoding ?? raw
        let id: Int?
        if decoded == "{id}" { id = nil } else {
            guard let number = Int(decoded) else { throw APIError.argument("id must be an integer, got \(decoded.prefix(40))") }
            id = number
        }
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/plugins/{id}", known: Controller.pluginUpdateFields)
        return Reply.ok(await pluginJSON(try controller.updatePlugin(id: id, body, actor: context.principal)))
    }

    @Sendable func delete(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let record = try await controller.deletePlugin(id: try Self.id(context), actor: context.principal)
        var shown = await pluginJSON(record)
        if case .object(var object) = shown { object["deleted"] = true; shown = .object(object) }
        return Reply.ok(shown)
    }

    @Sendable func manager(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(try controller.pluginManagerConfig(try Self.id(context)).json)
    }

    // MARK: Instances

    @Sendable func instances(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        var list: [JSONValue] = []
        for i in controller.pluginInstances { list.append(try await instanceJSON(i, systemData: false)) }
        return Reply.ok(.array(list))
    }

    @Sendable func start(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/plugin-instances", known: Controller.pluginInstanceFields)
        let record = try await controller.startPluginInstance(body, actor: context.principal)
        return Reply.ok(try await instanceJSON(record, systemData: false), status: .created)
    }

    @Sendable func instance(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let systemData = ["true", "1", "yes"].contains(request.query("system_data")?.lowercased() ?? "")
        return Reply.ok(try await instanceJSON(try controller.pluginInstance(try Self.id(context)), systemData: systemData))
    }

    @Sendable func deleteInstance(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        _ = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/plugin-instances/{id}", known: ["force"])
        let record = try await controller.deletePluginInstance(id: try Self.id(context), actor: context.principal)
        return Reply.ok(["id": .int(record.id), "name": .string(record.name), "deleted": true])
    }

    @Sendable func commitInstance(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/plugin-instances/{id}/commit",
                                                 known: ["name", "description", "version"])
        let (image, plugin) = try await controller.commitPluginInstance(id: try Self.id(context), body, actor: context.principal)
        return Reply.ok(["uuid": .string(image.id), "name": .string("\(plugin.name):\(plugin.version)"), "plugin_id": .int(plugin.id)], status: .created)
    }

    func setManager(_ request: Request, _ context: WeftRequestContext, replace: Bool) async throws -> Response {
        let id = try Self.id(context)
        let body = try await RequestFields.parse(request, context: context, endpoint: "\(replace ? "PUT" : "POST") /api/plugin-instances/{id}/manager",
                                                 known: Set(PluginManagerConfig.keys))
        _ = try controller.setPluginManager(id: id, .object(body.object), replace: replace, actor: context.principal)
        return Reply.ok(try managerJSON(id), status: replace ? .ok : .created)
    }

    @Sendable func createManager(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        try await setManager(request, context, replace: false)
    }

    @Sendable func updateManager(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        try await setManager(request, context, replace: true)
    }

    @Sendable func logs(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(.array(try controller.pluginLogFiles(try Self.id(context)).map(PluginView.logFile)))
    }

    @Sendable func logContent(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        var lines: Int?
        if let text = request.query("lines") {
            guard let number = Int(text) else { throw APIError.argument("lines must be an integer, got \(text.prefix(20))") }
            lines = number
        }
        let content = try await controller.pluginLogContent(try Self.id(context), slug: try Self.slug(context), lines: lines)
        return Reply.ok(.array(content.map(JSONValue.string)))
    }

    @Sendable func configurations(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(.array(try controller.pluginConfigFiles(try Self.id(context)).map(PluginView.file)))
    }

    @Sendable func configurationContent(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        var version: Int?
        if let text = request.query("version") {
            guard let number = Int(text) else { throw APIError.argument("version must be an integer, got \(text.prefix(20))") }
            version = number
        }
        return Reply.ok(.string(try await controller.pluginConfigContent(try Self.id(context), slug: try Self.slug(context), version: version)))
    }

    @Sendable func putConfigurationContent(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let id = try Self.id(context)
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/plugin-instances/{id}/configurations/{slug}/content",
                                                 known: ["content"], limit: 5 << 20)
        let state = try await controller.putPluginConfigContent(id, slug: try Self.slug(context), content: try body.string("content", required: true)!,
                                                               actor: context.principal)
        return Reply.ok(PluginView.file(state))
    }

    @Sendable func revertConfiguration(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let id = try Self.id(context)
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/plugin-instances/{id}/configurations/{slug}/revert",
                                                 known: ["version"])
        let state = try await controller.revertPluginConfig(id, slug: try Self.slug(context), version: try body.int("version", required: true),
                                                            actor: context.principal)
        return Reply.ok(PluginView.file(state))
    }

    @Sendable func deleteConfigurationVersion(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let raw = try context.parameters.require("version")
        guard let version = Int(raw) else { throw APIError.argument("version must be an integer, got \(raw.prefix(20))") }
        let state = try controller.deletePluginConfigVersion(try Self.id(context), slug: try Self.slug(context), version: version, actor: context.principal)
        return Reply.ok(PluginView.file(state))
    }

    @Sendable func clearConfiguration(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(PluginView.file(try controller.clearPluginConfigHistory(try Self.id(context), slug: try Self.slug(context), actor: context.principal)))
    }

    @Sendable func processes(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let (pm, programs) = try controller.pluginProcesses(try Self.id(context))
        guard let pm else { return Reply.ok(["name": .null, "subprocesses": [], "processes": []]) }
        return Reply.ok([
            "name": .string(pm.name), "subprocesses": .array(pm.subprocesses.map(JSONValue.string)),
            "processes": .array(programs.map { p in
                ["name": .string(p.name), "command": .string(p.command), "pid": p.pid.map { JSONValue.int(Int($0)) } ?? .null,
                 "status": .string(pm.name == "weft" ? (p.pid == nil ? "stopped" : "running") : "unknown"),
                 "since": p.since.map { JSONValue.string(Timestamps.iso8601($0)) } ?? .null]
            }),
        ])
    }

    @Sendable func processAction(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/plugin-instances/{id}/processes/action",
                                                 known: ["process", "action", "timeout"])
        let result = try await controller.pluginProcessAction(try Self.id(context), process: try body.string("process", required: true)!,
                                                              action: try body.string("action", required: true)!, timeout: try body.int("timeout"))
        return Reply.ok(PluginView.command(result))
    }

    @Sendable func execute(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/plugin-instances/{id}/commands/execute",
                                                 known: ["command", "executable_path", "timeout"])
        let result = try await controller.pluginExecute(try Self.id(context), command: try body.string("command", required: true)!,
                                                        executablePath: try body.string("executable_path"), timeout: try body.int("timeout"))
        return Reply.ok(PluginView.command(result))
    }

    @Sendable func firewall(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(.array(try controller.pluginFirewall(try Self.id(context)).map(PluginView.firewallRule)))
    }

    @Sendable func putFirewall(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/plugin-instances/{id}/firewall", known: Controller.pluginFirewallFields)
        let rules = try await controller.putPluginFirewall(try Self.id(context), body, actor: context.principal)
        return Reply.ok(.array(rules.map(PluginView.firewallRule)), status: .created)
    }

    // MARK: Exports

    static func exportJSON(_ export: Controller.PluginExport) -> JSONValue {
        ["name": .string(export.name), "basename": .string(export.name + ".tar"), "size": .int(export.size),
         "mtime": .string(Timestamps.iso8601(export.modified)), "status": "Ready", "token": .string(export.name),
         "url": .string(export.url), "owner": .string(export.owner)]
    }

    func owner(_ context: WeftRequestContext, plugin: Bool) throws -> Controller.ExportOwner {
        let id = try Self.id(context)
        return plugin ? .plugin(id) : .instance(id)
    }

    @Sendable func exports(_ request: Request, _ context: WeftRequestContext, plugin: Bool) async throws -> Response {
        Reply.ok(.array(try controller.pluginExports(try owner(context, plugin: plugin)).map(Self.exportJSON)))
    }

    @Sendable func allExports(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(.array(controller.allPluginExports.map(Self.exportJSON)))
    }

    @Sendable func createExport(_ request: Request, _ context: WeftRequestContext, plugin: Bool) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: plugin ? "POST /api/plugins/{id}/exports" : "POST /api/plugin-instances/{id}/exports",
                                                 known: ["name"])
        let made = try await controller.createPluginExport(try owner(context, plugin: plugin), name: try body.string("name"), actor: context.principal)
        return Reply.ok(Self.exportJSON(made), status: .created)
    }

    @Sendable func downloadExport(_ request: Request, _ context: WeftRequestContext, plugin: Bool) async throws -> Response {
        let raw = try context.parameters.require("name")
        let name = (raw.removingPercentEncoding ?? raw).replacingOccurrences(of: ".tar", with: "")
        return Reply.file(try controller.pluginExportBytes(try owner(context, plugin: plugin), name: name), contentType: "application/octet-stream",
                          filename: name + ".tar")
    }

    @Sendable func deleteExport(_ request: Request, _ context: WeftRequestContext, plugin: Bool) async throws -> Response {
        let raw = try context.parameters.require("name")
        let name = (raw.removingPercentEncoding ?? raw).replacingOccurrences(of: ".tar", with: "")
        return Reply.ok(.array(try controller.deletePluginExport(try owner(context, plugin: plugin), name: name, actor: context.principal).map(Self.exportJSON)))
    }
}
