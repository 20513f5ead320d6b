import Foundation
import WeftContainers
import WeftModel
import WeftStore
import WeftSystem

/// `POST /api/container_system/containers/{uuid}/commit` and `…/exports`: a running
/// container's file system as a new image, or as a docker-archive file to download
/// (`GET /api/container_system/exports/{name}`, Weft's own) and import elsewhere.
extension Controller {
    /// Commits container `id` to a new image named `name`; the archive goes through the same
    /// reader and unpacker as an upload, and the call returns when the image is Ready.
    public func commitContainer(id: String, _ fields: InputFields, actor: String?) async throws -> ContainerImage {
        let name = try Self.imageName(fields.string("name", required: true)!)
        let description = try fields.string("description") ?? ""
        let (system, spec, image) = try containerAndImage(id)
        let archive = try await system.archive(of: spec, image: image, repoTag: name, limit: options.imageSizeLimit)
        var describing = JSONObject()
        describing["name"] = .string(name)
        describing["description"] = .string(description.isEmpty ? "committed from container \(spec.name)" : description)
        let importID = try createImage(InputFields(object: describing, endpoint: "POST /api/container_system/containers/{uuid}/commit"),
                                       upload: archive.bytes, actor: actor)
        await system.waitForImport(importID)
        guard let made = containerSystemConfig.images.first(where: { $0.importID == importID }), made.status == .ready else {
            let reason = containerSystemConfig.images.first { $0.importID == importID }?.statusMessage ?? "the image record is gone"
            throw ValidationError(.unavailable, "commit of container \(spec.name) failed: \(reason)")
        }
        return made
    }

    /// Writes container `id`'s file system as `DATA/containers/exports/NAME.tar` (0600, a
    /// docker-archive); returns its path and size.
    public func exportContainer(id: String, _ fields: InputFields, actor: String?) async throws -> (name: String, size: Int, imageID: String) {
        let name = try Self.exportName(fields.string("name", required: true)!)
        let (system, spec, image) = try containerAndImage(id)
        let archive = try await system.archive(of: spec, image: image, repoTag: "\(spec.name):\(name)", limit: options.imageSizeLimit)
        let path = system.exportPath(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try AtomicFile.write(archive.bytes, to: path, mode: 0o600)
        try commit(actor, "container_system.containers.export", detail: "\(spec.name) → \(name).tar (\(archive.bytes.count) bytes, \(archive.id))") { _ in }
        return (name, archive.bytes.count, archive.id)
    }

    /// The bytes of an export made by `exportContainer`.
    public func containerExport(_ name: String) throws -> [UInt8] {
        let name = try Self.exportName(name)
        guard let system = containers, let data = FileManager.default.contents(atPath: system.exportPath(name)) else {
            throw ValidationError(.notFound, field: "name", "No container export named \(name)")
        }
        return Array(data)
    }

    static func exportName(_ text: String) throws -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !text.isEmpty, text.count <= 64, text.allSatisfy(allowed.contains), text.first != "." else {
            throw ValidationError(field: "name", "name must be 1-64 letters, digits and . _ - (not starting with a dot), got \"\(text.prefix(64))\"")
        }
        return text
    }

    func containerAndImage(_ id: String) throws -> (ContainerSystem, ContainerSpec, ContainerImage) {
        guard let system = containers else {
            throw ValidationError(.notSupported, "the container system needs a controller that applies (not --no-apply)")
        }
        let config = containerSystemConfig
        guard let spec = config.container(id) else { throw ValidationError(.notFound, field: "uuid", "No container \(id)") }
        guard let image = config.image(spec.imageID) else { throw ValidationError(.state, field: "uuid", "container \(spec.name)'s image is gone") }
        return (system, spec, image)
    }
}
