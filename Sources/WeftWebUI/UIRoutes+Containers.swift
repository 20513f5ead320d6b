import HTTPTypes
import Hummingbird
import WeftApp
import WeftContainers
import WeftHTTP
import WeftModel

/// `/ui/containers`: the container system — images (import from a file with a progress
/// bar, status while importing, delete), containers (start from an image, stop, start
/// again, delete, logs tail), the plugin network's addresses, and per container the
/// firewall rules that reach it. Every write is the API's own operation.
extension UIRoutes {
    static let containerMessages: [String: @Sendable (String) -> String] = [
        "started": { "Container \($0) started." },
        "stopped": { "Container \($0) stopped." },
        "deleted": { "Container \($0) deleted." },
        "image-deleted": { "Image \($0) deleted." },
    ]

    func registerContainers(_ router: Router<WeftRequestContext>) {
        page(router, "ui/containers") { call in await containersPage(call, flash: doneFlash(call, Self.containerMessages)) }
        page(router, "ui/containers/:uuid/logs") { call in
            let id = call.context.parameters.get("uuid") ?? ""
            let lines = try controller.containerLogs(id: id, lines: 200)
            let name = controller.containerSystemConfig.container(id)?.name ?? id
            let body = "<h1>Logs of \(UIPage.escape(name))</h1><p><a href=\"/ui/containers\">Back to containers</a> · the last 200 lines</p>"
                + "<pre id=\"container-logs\">\(UIPage.escape(lines.joined(separator: "\n")))</pre>"
            return UIPage.html(UIPage.frame(title: "Logs", body: body, session: call.session, current: "/ui/containers"))
        }
        upload(router, "ui/containers/images/upload", limit: controller.options.imageSizeLimit) { call, bytes in
            let raw = Self.uploadName(call.request.headers[HTTPField.Name("X-File-Name")!])
            let base = raw.split(separator: ".").first.map(String.init) ?? "image"
            let name = String(base.filter { $0.isLetter || $0.isNumber || "._-".contains($0) }.prefix(64))
            let fields = InputFields(object: ["name": .string(name.isEmpty ? "image" : name)], endpoint: "POST /api/container_system/images")
            let importID = try controller.createImage(fields, upload: bytes, actor: call.context.principal)
            return Self.json(["ok": true, "html": "<p id=\"import-started\">Import \(UIPage.escape(importID)) of \(UIPage.escape(raw)) started; <a href=\"/ui/containers\">reload</a> to follow it.</p>"])
        }
        action(router, "ui/containers") { call in
            let form = call.form
            var object = JSONObject()
            for key in ["image_uuid", "name", "ipaddress", "command", "environment"] {
                if let value = form[key], !value.isEmpty { object[key] = .string(value) }
            }
            do {
                let spec = try await controller.startContainer(InputFields(object: object, endpoint: "POST /api/container_system/containers"), actor: call.context.principal)
                return UIPage.redirect("/ui/containers?done=started&id=\(UIPage.urlComponent(spec.name))")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return await containersPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
        }
        for verb in ["stop", "start", "delete"] {
            action(router, "ui/containers/:uuid/\(verb)") { call in
                let id = call.context.parameters.get("uuid") ?? ""
                let name = controller.containerSystemConfig.container(id)?.name ?? id
                do {
                    switch verb {
                    case "stop": _ = try await controller.stopContainer(id: id, actor: call.context.principal)
                    case "start": _ = try await controller.startContainer(InputFields(object: ["uuid": .string(id)], endpoint: "POST /api/container_system/containers"), actor: call.context.principal)
                    default: try await controller.deleteContainer(id: id, actor: call.context.principal)
                    }
                } catch {
                    guard let refusal = Self.refusal(error) else { throw error }
                    return await containersPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
                }
                let done = verb == "start" ? "started" : verb == "stop" ? "stopped" : "deleted"
                return UIPage.redirect("/ui/containers?done=\(done)&id=\(UIPage.urlComponent(name))")
            }
        }
        action(router, "ui/containers/images/:uuid/delete") { call in
            let id = call.context.parameters.get("uuid") ?? ""
            do { _ = try await controller.deleteImage(id: id, force: false, actor: call.context.principal) } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return await containersPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
            return UIPage.redirect("/ui/containers?done=image-deleted&id=\(UIPage.urlComponent(String(id.suffix(12))))")
        }
    }

    /// Customer rules that mention a container's address (or the whole plugin network).
    static func rulesReaching(_ address: String, network: String, policy: FirewallPolicy) -> [String] {
        policy.entries.filter { !$0.disabled }.map(\.rule).filter { rule in
            rule.split(separator: " ").contains { word in
                word == address || word.hasPrefix(address + ":") || word == network
            }
        }
    }

    func containersPage(_ call: UICall, flash: UIPage.Flash?, status: HTTPResponse.Status = .ok) async -> Response {
        let e = UIPage.escape
        let session = call.session
        let config = controller.containerSystemConfig
        var html = "<h1>Containers</h1>\n"
        html += "<p id=\"container-system\">Container system <strong>\(config.running ? "running" : "stopped")</strong> on plugin network <code>\(e(config.network))</code> (controller \(e(config.gateway.description)), at most \(config.limit) running).</p>\n"
        let importing = config.images.contains { $0.status == .importing }
        if importing { html += "<meta http-equiv=\"refresh\" content=\"2\">" }

        html += """
        <section class="card" aria-labelledby="images-title"><h2 id="images-title">Images</h2>
        <div class="table-wrap"><table id="images" class="cards"><thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Format</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead><tbody>

        """
        if config.images.isEmpty { html += "<tr><td colspan=\"5\" class=\"muted\">No images yet.</td></tr>" }
        for image in config.images {
            let shown = image.tag.isEmpty ? image.name : "\(image.name):\(image.tag)"
            var state = e(image.status.rawValue)
            if image.status == .importing { state += " <progress aria-label=\"Importing \(e(shown))\"></progress>" }
            if image.status == .failed { state += "<br><span class=\"muted\">\(e(image.statusMessage))</span>" }
            html += "<tr data-image=\"\(e(image.id))\"><td data-label=\"Name\">\(e(shown))</td><td data-label=\"Id\"><code>\(e(String(image.id.prefix(19))))</code></td>"
            html += "<td data-label=\"Format\">\(e(image.format))</td><td data-label=\"Status\" class=\"state\">\(state)</td><td class=\"actions\">"
            html += UIPage.button("/ui/containers/images/\(e(image.id))/delete", "Delete", session: session, style: "danger",
                                  label: "Delete image \(shown)", confirm: "Delete image \(shown)?")
            html += "</td></tr>\n"
        }
        html += """
        </tbody></table></div>
        <form method="post" action="/ui/containers/images/upload" id="upload-form" data-upload>\(UIPage.csrfField(session))
        <label for="image-file">Image archive (docker save, or an OCI image layout; tar or tar.gz)</label>
        <input type="file" id="image-file" name="file" required>
        <div class="row"><button type="submit" id="upload">Import image</button></div>
        <noscript><p class="flash info">Importing needs JavaScript; or use POST /api/container_system/images.</p></noscript>
        <div class="progress-row"><progress id="upload-progress" max="100" value="0" aria-labelledby="upload-status"></progress>
        <span id="upload-status" role="status" aria-live="polite" data-state="idle">No file sent yet.</span></div>
        </form><div id="restore-review"></div></section>

        """

        html += """
        <section class="card" aria-labelledby="containers-title"><h2 id="containers-title">Containers</h2>
        <div class="table-wrap"><table id="containers" class="cards"><thead><tr><th scope="col">Name</th><th scope="col">Address</th><th scope="col">Image</th><th scope="col">State</th><th scope="col">Firewall rules reaching it</th><th scope="col">Actions</th></tr></thead><tbody>

        """
        if config.containers.isEmpty { html += "<tr><td colspan=\"6\" class=\"muted\">No containers yet.</td></tr>" }
        let policy = controller.snapshot.firewall
        for spec in config.containers {
            let running = await controller.containers?.isRunning(spec.id) ?? false
            let image = config.image(spec.imageID).map { $0.tag.isEmpty ? $0.name : "\($0.name):\($0.tag)" } ?? spec.imageID
            let rules = Self.rulesReaching(spec.address, network: config.network, policy: policy)
            html += "<tr data-container=\"\(e(spec.id))\"><td data-label=\"Name\">\(e(spec.name))</td><td data-label=\"Address\"><code>\(e(spec.address))</code></td>"
            html += "<td data-label=\"Image\">\(e(image))</td><td data-label=\"State\" class=\"state\">\(running ? "running" : (spec.running ? "starting" : "stopped"))</td>"
            html += "<td data-label=\"Firewall rules\">" + (rules.isEmpty ? "<span class=\"muted\">none (not reachable from outside)</span>" : rules.map { "<code>\(e($0))</code>" }.joined(separator: "<br>")) + "</td><td class=\"actions\">"
            html += "<a href=\"/ui/containers/\(e(spec.id))/logs\">Logs</a> "
            html += UIPage.button("/ui/containers/\(e(spec.id))/\(spec.running ? "stop" : "start")", spec.running ? "Stop" : "Start", session: session,
                                  label: "\(spec.running ? "Stop" : "Start") container \(spec.name)")
            html += " " + UIPage.button("/ui/containers/\(e(spec.id))/delete", "Delete", session: session, style: "danger",
                                        label: "Delete container \(spec.name)", confirm: "Delete container \(spec.name)?")
            html += "</td></tr>\n"
        }
        html += "</tbody></table></div>\n"
        let ready = config.images.filter { $0.status == .ready }
        var options = ""
        for image in ready { options += "<option value=\"\(e(image.id))\">\(e(image.tag.isEmpty ? image.name : "\(image.name):\(image.tag)"))</option>" }
        let free = PluginAddresses.nextFree(config)?.description ?? "none free"
        html += """
        <h3>Start a container</h3>
        <form method="post" action="/ui/containers" id="container-form">\(UIPage.csrfField(session))
        <label for="container-image">Image</label><select id="container-image" name="image_uuid" required>\(options)</select>
        \(UIPage.field("container-name", "name", "Name"))
        \(UIPage.field("container-ip", "ipaddress", "Address", hint: "empty: the next free one (\(free))"))
        \(UIPage.field("container-command", "command", "Command", hint: "empty: the image's own"))
        \(UIPage.field("container-env", "environment", "Environment", hint: "KEY=VALUE, comma-separated"))
        <div class="row"><button type="submit" id="start-container"\(ready.isEmpty ? " disabled" : "")>Start container</button></div>
        </form></section>

        """
        let table = PluginAddresses.table(config)
        html += "<section class=\"card\" aria-labelledby=\"addresses-title\"><h2 id=\"addresses-title\">Plugin network addresses</h2><ul id=\"addresses\">"
        for row in table { html += "<li><code>\(e(row.address.description))</code> \(e(row.status.rawValue))</li>" }
        html += "</ul></section>\n"
        return UIPage.html(UIPage.frame(title: "Containers", body: html, session: session, current: "/ui/containers", flash: flash), status: status)
    }
}
