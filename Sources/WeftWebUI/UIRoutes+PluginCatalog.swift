import HTTPTypes
import Hummingbird
import WeftApp
import WeftContainers
import WeftHTTP
import WeftModel

/// The plugin catalog on `/ui/plugins`: the images built into this controller's offline
/// catalog (`GET /api/plugin-catalog`), each with the versions installed from it and an
/// Install button that is `POST /api/plugins {image_url: "catalog:ID", catalog_id, …}` —
/// the image is imported from the catalog's archive, without a network.
extension UIRoutes {
    func registerPluginCatalog(_ router: Router<WeftRequestContext>) {
        action(router, "ui/plugins/catalog/:id/install") { call in
            let id = call.context.parameters.get("id") ?? ""
            guard let entry = controller.pluginCatalogEntries().map(\.entry).first(where: { $0.id == id }) else {
                return await pluginsPage(call, flash: .error("No image \(id.prefix(64)) in the plugin catalog — nothing was changed."), status: .notFound)
            }
            var object = JSONObject()
            object["name"] = .string(call.form["name"]?.trimmed.nonEmpty ?? entry.name)
            object["image_url"] = .string(entry.imageURL)
            object["catalog_id"] = .string(entry.id)
            object["description"] = .string(entry.description)
            if !entry.version.isEmpty { object["version"] = .string(entry.version) }
            do {
                let plugin = try controller.installPlugin(InputFields(object: object, endpoint: "POST /api/plugins"), actor: call.context.principal)
                return UIPage.redirect("/ui/plugins?done=installed&id=\(UIPage.urlComponent(PluginManagerConfig.slug(plugin.name)))")
            } catch {
                guard let refusal = Self.refusal(error) else { throw error }
                return await pluginsPage(call, flash: .error("\(refusal.message) — nothing was changed."), status: refusal.status)
            }
        }
    }

    func pluginCatalogSection(_ session: UISession) -> String {
        let e = UIPage.escape
        let entries = controller.pluginCatalogEntries()
        let plugins = controller.plugins
        var html = """
        <section class="card" aria-labelledby="catalog-title"><h2 id="catalog-title">Catalog</h2>
        <p class="muted">Plugin images built on this controller by <code>scripts/build-plugin-image</code> (<code>\(e(PluginCatalog().directory))</code>). Installing one imports its image from there, without a network.</p>
        <div class="table-wrap"><table id="plugin-catalog" class="cards"><thead><tr><th scope="col">Name</th><th scope="col">Version</th><th scope="col">Description</th><th scope="col">Size</th><th scope="col">Installed</th><th scope="col">Actions</th></tr></thead><tbody>

        """
        if entries.isEmpty { html += "<tr><td colspan=\"6\" class=\"muted\">The catalog is empty: build an image with <code>make plugin-images</code>.</td></tr>" }
        for (entry, image) in entries {
            let installed = plugins.filter { $0.catalogID == entry.id || $0.imageURL == entry.imageURL }
            var shown = installed.map { "\(e($0.name)) \(e($0.version))" }.joined(separator: ", ")
            if shown.isEmpty { shown = image == nil ? "no" : "image only" }
            html += "<tr data-catalog=\"\(e(entry.id))\"><td data-label=\"Name\">\(e(entry.name))</td><td data-label=\"Version\">\(e(entry.version))</td>"
            html += "<td data-label=\"Description\">\(e(entry.description))</td><td data-label=\"Size\">\(e(UIPage.bytesText(entry.size)))</td>"
            html += "<td data-label=\"Installed\" class=\"installed\">\(shown)</td><td class=\"actions\">"
            html += UIPage.button("/ui/plugins/catalog/\(UIPage.urlComponent(entry.id))/install", installed.isEmpty ? "Install" : "Install again",
                                  session: session, fields: installed.isEmpty ? [] : [("name", "\(entry.name)-\(installed.count + 1)")],
                                  style: installed.isEmpty ? "primary" : "secondary", label: "Install \(entry.name) \(entry.version) from the catalog")
            html += "</td></tr>\n"
        }
        return html + "</tbody></table></div></section>\n"
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
