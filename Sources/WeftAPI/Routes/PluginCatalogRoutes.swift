import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel

/// `GET /api/plugin-catalog` (CONTRACT §3.14, the SDK's `get_plugin_catalog`): the images of
/// the offline catalog built on this machine (see `PluginCatalog`), VNS3's fields plus
/// Weft's `catalog_id`, `size` and `manager_config`. `image_url` is `catalog:<id>`, which
/// `POST /api/container_system/images {url}` imports.
struct PluginCatalogRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("plugin-catalog", use: catalog)
    }

    @Sendable func catalog(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let list: [JSONValue] = controller.pluginCatalogEntries().map { item in
            let entry = item.entry
            var object = JSONObject()
            object["id"] = .string(entry.id)
            object["catalog_id"] = .string(entry.id)
            object["name"] = .string(entry.name)
            object["version"] = .string(entry.version)
            object["description"] = .string(entry.description)
            object["image_url"] = .string(entry.imageURL)
            object["installed"] = .bool(item.installed != nil)
            object["installed_image_id"] = item.installed.map { .string($0.id) } ?? .null
            object["provider_code"] = "weft"
            object["categories"] = ["network"]
            object["size"] = .int(entry.size)
            object["manager_config"] = entry.manager
            return .object(object)
        }
        return Reply.ok(.array(list))
    }
}
