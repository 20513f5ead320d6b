import Foundation
import Hummingbird
import NIOCore
import WeftApp
import WeftContainers
import WeftHTTP
import WeftModel

/// `/api/container_system…` (CONTRACT §3.14, the SDK's `network_edge_plugins`): the
/// container system, its addresses, images (upload as multipart `imagefile`, or `url`) and
/// containers.
struct ContainerRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("container_system", use: status)
        api.post("container_system", use: action)
        api.put("container_system", use: configure)
        api.get("container_system/ip_addresses", use: addresses)
        api.get("container_system/images", use: images)
        api.post("container_system/images", use: createImage)
        api.put("container_system/images/:uuid", use: updateImage)
        api.delete("container_system/images/:uuid", use: deleteImage)
        api.get("container_system/containers", use: containers)
        api.post("container_system/containers", use: startContainer)
        api.put("container_system/containers/:uuid", use: stopContainer)
        api.delete("container_system/containers/:uuid", use: deleteContainer)
        api.get("container_system/containers/:uuid/logs", use: logs)
        api.post("container_system/containers/:uuid/commit", use: commitContainer)
        api.post("container_system/containers/:uuid/exports", use: exportContainer)
        api.get("container_system/exports/:name", use: downloadExport)
    }

    @Sendable func status(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(ContainerView.status(controller.containerSystemConfig))
    }

    @Sendable func action(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/container_system", known: ["action"])
        return Reply.ok(ContainerView.status(try await controller.setContainerSystem(action: try body.string("action", required: true), actor: context.principal)))
    }

    @Sendable func configure(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/container_system", known: ["network", "max_containers"])
        let config = try await controller.configureContainerSystem(network: try body.string("network"), limit: try body.int("max_containers"), actor: context.principal)
        return Reply.ok(ContainerView.status(config))
    }

    @Sendable func addresses(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(ContainerView.addresses(controller.containerSystemConfig))
    }

    @Sendable func images(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let config = controller.containerSystemConfig
        guard config.running else { return Reply.ok(["images": .null]) }
        var list = config.images
        if let uuid = request.query("uuid") { list = list.filter { $0.importID == uuid || $0.id == uuid || $0.id == "sha256:" + uuid } }
        return Reply.ok(["images": .array(list.map(ContainerView.image))])
    }

    @Sendable func createImage(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let endpoint = "POST /api/container_system/images"
        let limit = controller.options.imageSizeLimit + (1 << 20)
        var fields: RequestFields
        var upload: [UInt8]?
        var buildfile: [UInt8]?
        if let boundary = MultipartForm.boundary(contentType: request.headers[.contentType]) {
            var request = request
            let bytes: [UInt8]
            do {
                var buffer = try await request.collectBody(upTo: limit)
                bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            } catch is NIOTooManyBytesError {
                throw APIError(.contentTooLarge, "PayloadTooLarge", "image upload larger than \(controller.options.imageSizeLimit) bytes")
            }
            let form: MultipartForm
            do { form = try MultipartForm.parse(bytes, boundary: boundary) } catch { throw APIError.argument("\(endpoint): \(error)") }
            var object = JSONObject()
            for part in form.parts {
                guard Controller.imageFields.contains(part.name) else {
                    throw APIError.argument("Unknown field \"\(part.name)\" for \(endpoint); known fields: \(Controller.imageFields.sorted().joined(separator: ", "))")
                }
                if part.name == "imagefile" || part.name == "buildfile" {
                    // The SDK sends the local path as a text field of the same name besides the file part.
                    guard part.filename != nil else { continue }
                    if part.name == "imagefile" { upload = Array(part.content) } else { buildfile = Array(part.content) }
                } else {
                    object[part.name] = .string(String(decoding: part.content, as: UTF8.self))
                }
            }
            fields = RequestFields(object: object, endpoint: endpoint)
        } else {
            fields = try await RequestFields.parse(request, context: context, endpoint: endpoint, known: Controller.imageFields)
            if fields.has("imagefile") { throw APIError.argument("imagefile must be uploaded as a multipart/form-data file part") }
        }
        let importID = try controller.createImage(fields, upload: upload, buildfile: buildfile, actor: context.principal)
        return Reply.ok(["import_uuid": .string(importID), "status": "Image being uploaded"])
    }

    @Sendable func updateImage(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let uuid = try Self.uuid(context)
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/container_system/images/{uuid}", known: Controller.imageUpdateFields)
        let image = try controller.updateImage(id: uuid, body, actor: context.principal)
        return Reply.ok(["status": "Image updated", "uuid": .string(image.id)])
    }

    @Sendable func deleteImage(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let uuid = try Self.uuid(context)
        let body = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/container_system/images/{uuid}", known: ["force"])
        let id = try await controller.deleteImage(id: uuid, force: try body.bool("force") ?? false, actor: context.principal)
        return Reply.ok(["image_deleted": true, "uuid": .string(id)])
    }

    @Sendable func containers(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let config = controller.containerSystemConfig
        let showAll = try request.queryFlag("show_all") ?? false
        var list: [JSONValue] = []
        for spec in config.containers {
            if let uuid = request.query("uuid"), spec.id != uuid && spec.name != uuid { continue }
            let pid = await controller.containers?.pid(spec.id)
            if !showAll && pid == nil && request.query("uuid") == nil { continue }
            list.append(ContainerView.container(spec, running: pid != nil, pid: pid, image: config.image(spec.imageID)))
        }
        return Reply.ok(["containers": .array(list)])
    }

    @Sendable func startContainer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/container_system/containers", known: Controller.containerFields)
        let spec = try await controller.startContainer(body, actor: context.principal)
        return Reply.ok(["uuid": .string(spec.id), "ip_address": .string(spec.address), "status": "Running", "container_started": true, "name": .string(spec.name)])
    }

    @Sendable func stopContainer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        _ = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/container_system/containers/{uuid}", known: [])
        let spec = try await controller.stopContainer(id: try Self.uuid(context), actor: context.principal)
        return Reply.ok(["status": "Stopped", "uuid": .string(spec.id)])
    }

    @Sendable func deleteContainer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let uuid = try Self.uuid(context)
        try await controller.deleteContainer(id: uuid, actor: context.principal)
        return Reply.ok(["uuid": .string(uuid), "container_deleted": true])
    }

    @Sendable func logs(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let uuid = try Self.uuid(context)
        guard let text = request.query("lines"), let lines = Int(text) else { throw APIError.argument("query parameter lines (an integer) is required") }
        return Reply.ok(["uuid": .string(uuid), "logs": .array(try controller.containerLogs(id: uuid, lines: lines).map(JSONValue.string))])
    }

    /// The `{uuid}` path parameter, percent-decoded (the SDK sends `sha256%3A…`).
    static func uuid(_ context: WeftRequestContext) throws -> String {
        let raw = try context.parameters.require("uuid")
        return raw.removingPercentEncoding ?? raw
    }

    /// `{name*, description}` → `{uuid: "sha256:…", name}` once the new image is Ready.
    @Sendable func commitContainer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let uuid = try Self.uuid(context)
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/container_system/containers/{uuid}/commit",
                                                 known: ["name", "description"])
        let image = try await controller.commitContainer(id: uuid, body, actor: context.principal)
        return Reply.ok(["uuid": .string(image.id), "name": .string(image.tag.isEmpty ? image.name : "\(image.name):\(image.tag)"),
                         "image": ContainerView.image(image)])
    }

    /// `{name*}` → the export's name, size, image id and where to download it.
    @Sendable func exportContainer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let uuid = try Self.uuid(context)
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/container_system/containers/{uuid}/exports",
                                                 known: ["name"])
        let export = try await controller.exportContainer(id: uuid, body, actor: context.principal)
        return Reply.ok(["name": .string(export.name), "size": .int(export.size), "image_id": .string(export.imageID),
                         "format": "docker-archive", "download": .string("/api/container_system/exports/\(export.name)")])
    }

    /// Weft's own: the export as a file (`application/x-tar`), importable as an `imagefile`.
    @Sendable func downloadExport(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        return Reply.file(try controller.containerExport(name), contentType: "application/x-tar", filename: name + ".tar")
    }
}
