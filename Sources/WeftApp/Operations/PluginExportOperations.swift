import Foundation
import WeftContainers
import WeftModel
import WeftStore
import WeftSystem

/// Exports of plugins (their image) and plugin instances (the running container's file
/// system): docker-archives in `DATA/containers/plugin-exports/{plugin-N,instance-N}/NAME.tar`
/// (0600), listed, downloaded (importable again with `POST /api/plugins` or as an
/// `imagefile`) and deleted.
extension Controller {
    public struct PluginExport: Sendable, Equatable {
        public var owner: String
        public var name: String
        public var size: Int
        public var modified: Int
        public var url: String
    }

    public enum ExportOwner: Sendable {
        case plugin(Int)
        case instance(Int)
        var directoryName: String {
            switch self {
            case .plugin(let id): "plugin-\(id)"
            case .instance(let id): "instance-\(id)"
            }
        }
        var urlBase: String {
            switch self {
            case .plugin(let id): "/api/plugins/\(id)/exports/"
            case .instance(let id): "/api/plugin-instances/\(id)/exports/"
            }
        }
    }

    func exportSystem() throws -> ContainerSystem {
        guard let system = containers else { throw ValidationError(.notSupported, "exports need a controller that applies (not --no-apply)") }
        return system
    }

    func checkOwner(_ owner: ExportOwner) throws {
        switch owner {
        case .plugin(let id): _ = try plugin(id)
        case .instance(let id): _ = try pluginInstance(id)
        }
    }

    public func pluginExports(_ owner: ExportOwner) throws -> [PluginExport] {
        try checkOwner(owner)
        let directory = try exportSystem().pluginExportDirectory(owner.directoryName)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".tar") }.sorted()
        return names.compactMap { file in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + file) else { return nil }
            let name = String(file.dropLast(4))
            return PluginExport(owner: owner.directoryName, name: name, size: (attributes[.size] as? Int) ?? 0,
                                modified: Int((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0), url: owner.urlBase + name)
        }
    }

    /// Every plugin's exports (`GET /api/plugin-exports`).
    public var allPluginExports: [PluginExport] {
        plugins.flatMap { (try? pluginExports(.plugin($0.id))) ?? [] }
    }

    /// `POST …/exports {name}`: writes the archive (the name defaults to one with the time).
    public func createPluginExport(_ owner: ExportOwner, name: String?, actor: String?) async throws -> PluginExport {
        let system = try exportSystem()
        let archive: (id: String, bytes: [UInt8])
        let label: String
        switch owner {
        case .plugin(let id):
            let record = try plugin(id)
            guard let image = pluginImage(record), image.status == .ready else { throw ValidationError(.state, "Plugin \(record.name)'s image is not ready") }
            label = PluginManagerConfig.slug(record.name) + "-" + record.version
            archive = try await system.archive(ofImage: image, repoTag: PluginManagerConfig.slug(record.name) + ":" + record.version, limit: options.imageSizeLimit)
        case .instance(let id):
            let record = try pluginInstance(id)
            let (_, spec, image) = try containerAndImage(record.containerID)
            label = record.name
            archive = try await system.archive(of: spec, image: image, repoTag: "\(record.name):export", limit: options.imageSizeLimit)
        }
        let exportName = try Self.exportName(name ?? "\(label)-\(Timestamps.iso8601(Store.now()).filter { $0.isNumber })")
        let directory = system.pluginExportDirectory(owner.directoryName)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try AtomicFile.write(archive.bytes, to: directory + "/" + exportName + ".tar", mode: 0o600)
        try commit(actor, "plugins.exports.create", detail: "\(owner.directoryName) → \(exportName).tar (\(archive.bytes.count) bytes, \(archive.id))") { _ in }
        guard let made = try pluginExports(owner).first(where: { $0.name == exportName }) else { throw ValidationError(.unavailable, "the export was not written") }
        return made
    }

    public func pluginExportBytes(_ owner: ExportOwner, name: String) throws -> [UInt8] {
        try checkOwner(owner)
        let name = try Self.exportName(name)
        guard let data = FileManager.default.contents(atPath: try exportSystem().pluginExportDirectory(owner.directoryName) + "/" + name + ".tar") else {
            throw ValidationError(.notFound, "export not found")
        }
        return Array(data)
    }

    public func deletePluginExport(_ owner: ExportOwner, name: String, actor: String?) throws -> [PluginExport] {
        try checkOwner(owner)
        let name = try Self.exportName(name)
        let path = try exportSystem().pluginExportDirectory(owner.directoryName) + "/" + name + ".tar"
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError(.notFound, "Export name does not exist for plugin\(owner.directoryName.hasPrefix("instance") ? " instance" : "").")
        }
        try FileManager.default.removeItem(atPath: path)
        try commit(actor, "plugins.exports.delete", detail: "\(owner.directoryName) \(name).tar") { _ in }
        return try pluginExports(owner)
    }
}
