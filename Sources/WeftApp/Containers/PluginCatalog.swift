import Foundation
import WeftContainers
import WeftModel

/// The offline plugin catalog: images built on this machine by `scripts/build-plugin-image`
/// (Debian packages through mmdebstrap) into a directory (`WEFT_PLUGIN_CATALOG`, default
/// /var/cache/weft-plugins). Each built image is `<id>-<recipe hash>.tar` (a docker-archive)
/// next to `<id>.json` describing it (catalog_id, name, version, description, archive, size,
/// manager: the image's /opt/plugin-manager/config.json). An entry's `image_url` is
/// `catalog:<id>`, which the image import (`POST /api/container_system/images {url}`)
/// resolves to the archive here, without a network.
public struct PluginCatalog: Sendable {
    public static let scheme = "catalog:"
    public static var defaultDirectory: String {
        ProcessInfo.processInfo.environment["WEFT_PLUGIN_CATALOG"].flatMap { $0.isEmpty ? nil : $0 } ?? "/var/cache/weft-plugins"
    }

    public struct Entry: Sendable, Equatable {
        public var id: String
        public var name: String
        public var version: String
        public var description: String
        /// The docker-archive's path.
        public var archive: String
        public var size: Int
        public var manager: JSONValue
        public var imageURL: String { PluginCatalog.scheme + id }
    }

    public let directory: String

    public init(directory: String = PluginCatalog.defaultDirectory) { self.directory = directory }

    /// Every described image whose archive exists, by id.
    public func entries() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { entry(file: directory + "/" + $0) }
    }

    public func entry(_ id: String) -> Entry? {
        guard Self.isID(id) else { return nil }
        return entry(file: directory + "/" + id + ".json")
    }

    func entry(file: String) -> Entry? {
        guard let data = FileManager.default.contents(atPath: file), let value = try? JSONParser.parse(Array(data)),
              case .string(let id)? = value["catalog_id"], Self.isID(id), case .string(let archiveName)? = value["archive"],
              !archiveName.contains("/"), archiveName.hasSuffix(".tar") else { return nil }
        let archive = directory + "/" + archiveName
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: archive), let size = attributes[.size] as? Int else { return nil }
        func text(_ key: String) -> String { if case .string(let v)? = value[key] { v } else { "" } }
        return Entry(id: id, name: text("name").isEmpty ? id : text("name"), version: text("version"), description: text("description"),
                     archive: archive, size: size, manager: value["manager"] ?? .object(JSONObject()))
    }

    /// The archive bytes of `catalog:<id>`.
    public func archive(url: String, limit: Int) throws -> [UInt8] {
        let id = String(url.dropFirst(Self.scheme.count))
        guard let entry = entry(id) else {
            let known = entries().map(\.id)
            throw ValidationError(.notFound, field: "url", "\(url.prefix(80)): no such image in the plugin catalog\(known.isEmpty ? " (it is empty: build one with scripts/build-plugin-image)" : "; it has \(known.joined(separator: ", "))")")
        }
        guard entry.size <= limit else { throw ValidationError(field: "url", "\(url): the image is \(entry.size >> 20) MiB, over the image limit of \(limit >> 20) MiB") }
        guard let data = FileManager.default.contents(atPath: entry.archive) else { throw ValidationError(.unavailable, "\(url): \(entry.archive) cannot be read") }
        return Array(data)
    }

    static func isID(_ id: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-_.")
        return !id.isEmpty && id.count <= 64 && id.allSatisfy(allowed.contains) && id.first != "."
    }
}

extension Controller {
    /// `GET /api/plugin-catalog`: the catalog's images, each marked installed when an image
    /// imported from it (same name and version tag) is present.
    public func pluginCatalogEntries() -> [(entry: PluginCatalog.Entry, installed: ContainerImage?)] {
        let images = containerSystemConfig.images
        return PluginCatalog().entries().map { entry in
            (entry, images.first { $0.name == entry.name && ($0.tag == entry.version || entry.version.isEmpty) && $0.status == .ready })
        }
    }
}
