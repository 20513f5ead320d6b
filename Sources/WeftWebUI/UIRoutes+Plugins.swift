import HTTPTypes
import Hummingbird
import WeftApp
import WeftContainers
import WeftFirewall
import WeftHTTP
import WeftModel

/// `/ui/plugins`: the installed plugins (install from a URL or a file on the controller,
/// status while importing, delete) and their instances; per instance its status, log
/// tails, configuration files (edit, versions, a diff between two versions, revert),
/// process actions and the firewall rules that reach it (presets and customer rules).
/// Every write is the API's own operation.
extension UIRoutes {
    static let pluginMessages: [String: @Sendable (String) -> String] = [
        "installed": { "Plugin \($0) is being installed." },
        "deleted": { "Plugin \($0) deleted." },
        "started": { "Instance \($0) started." },
        "instance-deleted": { "Instance \($0) deleted." },
        "saved": { "Configuration file \($0) saved as a new version." },
        "reverted": { "Configuration file \($0) reverted." },
        "process": { "Process action on \($0) done." },
        "preset": { "Firewall preset \($0) applied." },
    ]

    func registerPlugins(_ router: Router<WeftRequestContext>) {
        registerPluginCatalog(router)
        page(router, "ui/plugins") { call in await pluginsPage(call, flash: doneFlash(call, Self.pluginMessages)) }
        page(router, "ui/plugins/instances/:id") { call in
            try await instancePage(call, id: Int(call.context.parameters.get("id") ?? "") ?? -1, flash: doneFlash(call, Self.pluginMessages))
        }
        page(router, "ui/plugins/instances/:id/configurations/:slug/diff") { call in
            let id = Int(call.context.parameters.get("id") ?? "") ?? -1
            let slug = call.context.parameters.get("slug") ?? ""
            let from = Int(call.request.query("from") ?? "") ?? 1
            let to = call.request.query("to").flatMap { Int($0) }
            let old = try await controller.pluginConfigContent(id, slug: slug, version: from)
            let new = try await controller.pluginConfigContent(id, slug: slug, version: to)
            let e = UIPage.escape
            var body = "<h1>\(e(slug)): version \(from) → \(to.map { "version \($0)" } ?? "the file now")</h1>"
            body += "<p><a href=\"/ui/plugins/instances/\(id)\">Back to the instance</a></p><pre id=\"config-diff\">"
            for line in Self.lineDiff(old, new) { body += "<span class=\"diff-\(line.kind)\">\(line.kind == "add" ? "+" : line.kind == "del" ? "-" : " ") \(e(line.text))</span>\n" }
            body += "</pre>"
            return UIPage.html(UIPage.frame(title: "Diff", body: body, session: call.session, current: "/ui/plugins"))
        }
        action(router, "ui/plugins") { call in
            var object = JSONObject()
            for key in ["name", "image_url", "version", "description", "command"] {
                if let value = call.form[key]?.trimmed, !value.isEmpty { object[key] = .string(value) }
            }
            do {
                let plugin = try controller.installPlugin(InputFields(object: object, endpoint: "POST /api/plugins"), actor: call.context.principal)
                return UIPage.redirect("/ui/plugins?done=installed&id=\(UIPage.urlComponent(PluginManagerConfig.slug(plugin.name)))")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return await pluginsPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
        }
        action(router, "ui/plugins/:id/delete") { call in
            do {
                let plugin = try await controller.deletePlugin(id: Int(call.context.parameters.get("id") ?? "") ?? -1, actor: call.context.principal)
                return UIPage.redirect("/ui/plugins?done=deleted&id=\(UIPage.urlComponent(PluginManagerConfig.slug(plugin.name)))")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return await pluginsPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
        }
        action(router, "ui/plugins/instances") { call in
            var object = JSONObject()
            object["name"] = .string(call.form["name"]?.trimmed ?? "")
            object["plugin_id"] = .string(call.form["plugin_id"] ?? "")
            if let address = call.form["ip_address"]?.trimmed, !address.isEmpty { object["ip_address"] = .string(address) }
            do {
                let instance = try await controller.startPluginInstance(InputFields(object: object, endpoint: "POST /api/plugin-instances"), actor: call.context.principal)
                return UIPage.redirect("/ui/plugins/instances/\(instance.id)?done=started&id=\(UIPage.urlComponent(instance.name))")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return await pluginsPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
        }
        action(router, "ui/plugins/instances/:id/delete") { call in
            do {
                let instance = try await controller.deletePluginInstance(id: Int(call.context.parameters.get("id") ?? "") ?? -1, actor: call.context.principal)
                return UIPage.redirect("/ui/plugins?done=instance-deleted&id=\(UIPage.urlComponent(instance.name))")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return await pluginsPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
        }
        action(router, "ui/plugins/instances/:id/configurations/:slug") { call in
            let id = Int(call.context.parameters.get("id") ?? "") ?? -1
            let slug = call.context.parameters.get("slug") ?? ""
            // Browsers send CRLF line ends in a textarea: the file keeps LF.
            let content = (call.form["content"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
            return try await instanceAction(call, id: id, done: "saved", subject: slug) {
                _ = try await controller.putPluginConfigContent(id, slug: slug, content: content, actor: call.context.principal)
            }
        }
        action(router, "ui/plugins/instances/:id/configurations/:slug/revert") { call in
            let id = Int(call.context.parameters.get("id") ?? "") ?? -1
            let slug = call.context.parameters.get("slug") ?? ""
            return try await instanceAction(call, id: id, done: "reverted", subject: slug) {
                _ = try await controller.revertPluginConfig(id, slug: slug, version: Int(call.form["version"] ?? ""), actor: call.context.principal)
            }
        }
        action(router, "ui/plugins/instances/:id/processes") { call in
            let id = Int(call.context.parameters.get("id") ?? "") ?? -1
            let process = call.form["process"] ?? ""
            return try await instanceAction(call, id: id, done: "process", subject: process) {
                let result = try await controller.pluginProcessAction(id, process: process, action: call.form["action"] ?? "", timeout: 10)
                if result.failed { throw ValidationError(.state, "\(process): \(result.error.isEmpty ? result.output : result.error)") }
            }
        }
        action(router, "ui/plugins/instances/:id/firewall") { call in
            let id = Int(call.context.parameters.get("id") ?? "") ?? -1
            var object = JSONObject()
            for key in ["preset", "host_port", "container_port", "protocol"] {
                if let value = call.form[key]?.trimmed, !value.isEmpty { object[key] = .string(value) }
            }
            return try await instanceAction(call, id: id, done: "preset", subject: call.form["preset"] ?? "") {
                _ = try await controller.putPluginFirewall(id, InputFields(object: object, endpoint: "PUT /api/plugin-instances/{id}/firewall"), actor: call.context.principal)
            }
        }
    }

    func instanceAction(_ call: UICall, id: Int, done: String, subject: String, _ body: () async throws -> Void) async throws -> Response {
        do { try await body() } catch {
            guard let refusal = Self.refusal(error) else { throw error }
            return try await instancePage(call, id: id, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
        }
        let safe = String(subject.filter { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }.prefix(64))
        return UIPage.redirect("/ui/plugins/instances/\(id)?done=\(done)&id=\(UIPage.urlComponent(safe))")
    }

    /// The firewall page's read-only view of the rules Weft generates for plugin instances
    /// (empty when there are none).
    func pluginRulesSection() -> String {
        let rules = controller.pluginGeneratedRules
        guard !rules.isEmpty else { return "" }
        let e = UIPage.escape
        var html = "<section class=\"card\" aria-labelledby=\"plugin-rules-title\"><h2 id=\"plugin-rules-title\">Plugin rules (Weft-owned, read-only)</h2>"
        html += "<p class=\"muted\">Firewall presets of plugin instances, in Weft's own nat chains after the customer's: saving the customer rules leaves them as they are. Change them on the instance's page.</p>"
        html += "<div class=\"table-wrap\"><table id=\"plugin-rules\"><thead><tr><th scope=\"col\">Instance</th><th scope=\"col\">Preset</th><th scope=\"col\">Rule</th></tr></thead><tbody>"
        for rule in rules {
            let name = rule.instanceName ?? "instance \(rule.instanceID)"
            html += "<tr data-generated=\"true\"><td><a href=\"/ui/plugins/instances/\(rule.instanceID)\">\(e(name))</a></td><td>\(e(rule.preset.rawValue))</td>"
            html += "<td><code>\(e(rule.text))</code></td></tr>"
        }
        return html + "</tbody></table></div></section>\n"
    }

    /// A line diff (longest common subsequence) of two small texts.
    static func lineDiff(_ old: String, _ new: String) -> [(kind: String, text: String)] {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).prefix(2000)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).prefix(2000)
        let n = a.count, m = b.count
        var table = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var out: [(kind: String, text: String)] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, a[i] == b[j] { out.append(("same", a[i])); i += 1; j += 1 }
            else if j < m, i == n || table[i][j + 1] >= table[i + 1][j] { out.append(("add", b[j])); j += 1 }
            else { out.append(("del", a[i])); i += 1 }
        }
        return out
    }

    func pluginsPage(_ call: UICall, flash: UIPage.Flash?, status: HTTPResponse.Status = .ok) async -> Response {
        let e = UIPage.escape
        let session = call.session
        let plugins = controller.plugins
        let instances = controller.pluginInstances
        var html = "<h1>Plugins</h1>\n"
        if plugins.contains(where: { controller.pluginImage($0)?.status == .importing }) { html += "<meta http-equiv=\"refresh\" content=\"2\">" }
        html += """
        <section class="card" aria-labelledby="plugins-title"><h2 id="plugins-title">Installed plugins</h2>
        <div class="table-wrap"><table id="plugins" class="cards"><thead><tr><th scope="col">Name</th><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Instances</th><th scope="col">Actions</th></tr></thead><tbody>

        """
        if plugins.isEmpty { html += "<tr><td colspan=\"5\" class=\"muted\">No plugins installed.</td></tr>" }
        for plugin in plugins {
            let image = controller.pluginImage(plugin)
            var state = e(image?.status.rawValue ?? "Missing")
            if image?.status == .importing { state += " <progress aria-label=\"Importing \(e(plugin.name))\"></progress>" }
            if image?.status == .failed { state += "<br><span class=\"muted\">\(e(image!.statusMessage))</span>" }
            let count = instances.filter { $0.pluginID == plugin.id }.count
            html += "<tr data-plugin=\"\(plugin.id)\"><td data-label=\"Name\">\(e(plugin.name))</td><td data-label=\"Version\">\(e(plugin.version))</td>"
            html += "<td data-label=\"Status\" class=\"state\">\(state)</td><td data-label=\"Instances\">\(count)</td><td class=\"actions\">"
            html += UIPage.button("/ui/plugins/\(plugin.id)/delete", "Delete", session: session, style: "danger",
                                  label: "Delete plugin \(plugin.name)", confirm: "Delete plugin \(plugin.name) \(plugin.version)?")
            html += "</td></tr>\n"
        }
        html += """
        </tbody></table></div>
        <h3>Install a plugin</h3>
        <form method="post" action="/ui/plugins" id="plugin-form">\(UIPage.csrfField(session))
        \(UIPage.field("plugin-name", "name", "Name", required: true))
        \(UIPage.field("plugin-url", "image_url", "Image", hint: "an http(s) URL or a file on the controller (/path or file:///path) of a docker-archive or OCI layout", required: true))
        \(UIPage.field("plugin-version", "version", "Version", hint: "empty: 1"))
        \(UIPage.field("plugin-description", "description", "Description"))
        <div class="row"><button type="submit" id="install-plugin">Install plugin</button></div>
        </form></section>

        """
        html += pluginCatalogSection(session)
        html += """
        <section class="card" aria-labelledby="instances-title"><h2 id="instances-title">Instances</h2>
        <div class="table-wrap"><table id="plugin-instances" class="cards"><thead><tr><th scope="col">Name</th><th scope="col">Plugin</th><th scope="col">Address</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead><tbody>

        """
        if instances.isEmpty { html += "<tr><td colspan=\"5\" class=\"muted\">No instances.</td></tr>" }
        let config = controller.containerSystemConfig
        for instance in instances {
            let running = await controller.containers?.isRunning(instance.containerID) ?? false
            let plugin = plugins.first { $0.id == instance.pluginID }
            html += "<tr data-instance=\"\(instance.id)\"><td data-label=\"Name\"><a href=\"/ui/plugins/instances/\(instance.id)\">\(e(instance.name))</a></td>"
            html += "<td data-label=\"Plugin\">\(e(plugin.map { "\($0.name) \($0.version)" } ?? "?"))</td>"
            html += "<td data-label=\"Address\"><code>\(e(config.container(instance.containerID)?.address ?? ""))</code></td>"
            html += "<td data-label=\"State\" class=\"state\">\(running ? "running" : "stopped")</td><td class=\"actions\">"
            html += UIPage.button("/ui/plugins/instances/\(instance.id)/delete", "Delete", session: session, style: "danger",
                                  label: "Delete instance \(instance.name)", confirm: "Delete instance \(instance.name)?")
            html += "</td></tr>\n"
        }
        var options = ""
        for plugin in plugins where controller.pluginImage(plugin)?.status == .ready {
            options += "<option value=\"\(plugin.id)\">\(e(plugin.name)) \(e(plugin.version))</option>"
        }
        html += """
        </tbody></table></div>
        <h3>Start an instance</h3>
        <form method="post" action="/ui/plugins/instances" id="instance-form">\(UIPage.csrfField(session))
        <label for="instance-plugin">Plugin</label><select id="instance-plugin" name="plugin_id" required>\(options)</select>
        \(UIPage.field("instance-name", "name", "Name", required: true))
        \(UIPage.field("instance-ip", "ip_address", "Address", hint: "empty: the next free one on the plugin network"))
        <div class="row"><button type="submit" id="start-instance"\(options.isEmpty ? " disabled" : "")>Start instance</button></div>
        </form></section>

        """
        return UIPage.html(UIPage.frame(title: "Plugins", body: html, session: session, current: "/ui/plugins", flash: flash), status: status)
    }

    func instancePage(_ call: UICall, id: Int, flash: UIPage.Flash?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let e = UIPage.escape
        let session = call.session
        let instance = try controller.pluginInstance(id)
        let config = controller.containerSystemConfig
        let spec = config.container(instance.containerID)
        let running = await controller.containers?.isRunning(instance.containerID) ?? false
        let manager = instance.manager ?? PluginManagerConfig()
        let base = "/ui/plugins/instances/\(id)"
        var html = "<h1>Instance \(e(instance.name))</h1>\n<p><a href=\"/ui/plugins\">Back to plugins</a></p>\n"
        html += "<p id=\"instance-status\">State <strong>\(running ? "running" : "stopped")</strong> at <code>\(e(spec?.address ?? "?"))</code>.</p>\n"

        html += "<section class=\"card\" aria-labelledby=\"logs-title\"><h2 id=\"logs-title\">Logs</h2>"
        if manager.logFiles.isEmpty { html += "<p class=\"muted\">The manager config lists no log files.</p>" }
        for file in manager.logFiles {
            let lines = (try? await controller.pluginLogContent(id, slug: file.slug, lines: 50)) ?? ["(cannot be read now)"]
            html += "<h3>\(e(file.path))</h3><pre id=\"log-\(e(file.slug))\">\(e(lines.joined(separator: "\n")))</pre>"
        }
        html += "</section>\n"

        html += "<section class=\"card\" aria-labelledby=\"configs-title\"><h2 id=\"configs-title\">Configuration files</h2>"
        if manager.configurationFiles.isEmpty { html += "<p class=\"muted\">The manager config lists no configuration files.</p>" }
        for state in (try? controller.pluginConfigFiles(id)) ?? [] {
            let slug = e(state.file.slug)
            let content = (try? await controller.pluginConfigContent(id, slug: state.file.slug, version: nil)) ?? ""
            html += "<h3>\(e(state.file.path))</h3>"
            html += "<form method=\"post\" action=\"\(base)/configurations/\(slug)\" id=\"config-\(slug)\">\(UIPage.csrfField(session))"
            html += "<label for=\"content-\(slug)\">Content (current version \(state.current.map { String($0.version) } ?? "none"))</label>"
            html += "<textarea id=\"content-\(slug)\" name=\"content\" rows=\"10\">\(e(content))</textarea>"
            html += "<div class=\"row\"><button type=\"submit\">Save as a new version</button></div></form>"
            html += "<table class=\"cards\" id=\"versions-\(slug)\"><thead><tr><th scope=\"col\">Version</th><th scope=\"col\">Saved</th><th scope=\"col\">Actions</th></tr></thead><tbody>"
            for (index, version) in state.versions.enumerated().reversed() {
                html += "<tr data-version=\"\(version.version)\"><td>\(version.version)\(version.current ? " (current)" : "")</td><td>\(e(Timestamps.iso8601(version.createdAt)))</td><td class=\"actions\">"
                html += "<a href=\"\(base)/configurations/\(slug)/diff?from=\(version.version)\">Diff with the file now</a> "
                if index > 0 {
                    let previous = state.versions[index - 1].version
                    html += "<a class=\"diff-previous\" href=\"\(base)/configurations/\(slug)/diff?from=\(previous)&amp;to=\(version.version)\">Diff with version \(previous)</a> "
                }
                if !version.current {
                    html += UIPage.button("\(base)/configurations/\(slug)/revert", "Revert to \(version.version)", session: session,
                                          fields: [("version", String(version.version))], label: "Revert \(state.file.path) to version \(version.version)",
                                          confirm: "Revert \(state.file.path) to version \(version.version)?")
                }
                html += "</td></tr>"
            }
            html += "</tbody></table>"
        }
        html += "</section>\n"

        html += "<section class=\"card\" aria-labelledby=\"processes-title\"><h2 id=\"processes-title\">Processes</h2>"
        let (pm, programs) = (try? controller.pluginProcesses(id)) ?? (nil, [])
        if let pm {
            html += "<p>Process manager <code>\(e(pm.name))</code>.</p><table class=\"cards\" id=\"processes\"><tbody>"
            for program in programs {
                html += "<tr data-process=\"\(e(program.name))\"><td>\(e(program.name))</td><td>\(pm.name == "weft" ? (program.pid.map { "running, pid \($0)" } ?? "stopped") : "")</td><td class=\"actions\">"
                for verb in ["start", "stop", "restart"] {
                    html += UIPage.button("\(base)/processes", verb.capitalized, session: session, fields: [("process", program.name), ("action", verb)],
                                          label: "\(verb.capitalized) \(program.name)") + " "
                }
                html += "</td></tr>"
            }
            html += "</tbody></table>"
        } else {
            html += "<p class=\"muted\">No process manager.</p>"
        }
        html += "</section>\n"

        html += "<section class=\"card\" aria-labelledby=\"rules-title\"><h2 id=\"rules-title\">Firewall rules reaching it</h2><ul id=\"instance-rules\">"
        let presets = (try? controller.pluginFirewall(id)) ?? []
        for rule in presets { html += "<li><code>\(e(PluginPresets.rule(for: rule).text))</code> <span class=\"muted\">(preset \(e(rule.preset.rawValue)), Weft-owned)</span></li>" }
        for rule in Self.rulesReaching(spec?.address ?? "-", network: config.network, policy: controller.snapshot.firewall) {
            html += "<li><code>\(e(rule))</code> <span class=\"muted\">(customer rule)</span></li>"
        }
        if presets.isEmpty && Self.rulesReaching(spec?.address ?? "-", network: config.network, policy: controller.snapshot.firewall).isEmpty {
            html += "<li class=\"muted\">none (not reachable from outside)</li>"
        }
        html += """
        </ul>
        <form method="post" action="\(base)/firewall" id="preset-form">\(UIPage.csrfField(session))
        <label for="preset">Preset</label><select id="preset" name="preset"><option value="port_map">port_map</option><option value="ssh">ssh</option><option value="internet">internet</option></select>
        \(UIPage.field("preset-host", "host_port", "Host port", type: "number"))
        \(UIPage.field("preset-container", "container_port", "Instance port", type: "number", hint: "ssh: 22"))
        <label for="preset-protocol">Protocol</label><select id="preset-protocol" name="protocol"><option>tcp</option><option>udp</option></select>
        <div class="row"><button type="submit" id="apply-preset">Apply preset</button></div>
        </form></section>

        """
        return UIPage.html(UIPage.frame(title: "Instance \(instance.name)", body: html, session: session, current: "/ui/plugins", flash: flash), status: status)
    }
}
