import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore

/// `/api/snapshots`: create (sync or as a task), list, download, delete, and
/// `PUT /api/snapshots/running_config` (import, then restart); Weft adds
/// `GET /api/snapshot_diff?from=A&to=B`. Files live in `DATA/snapshots`, mode 0600
/// (they hold the keyset's private keys and the PSKs).
struct SnapshotRoutes {
    let controller: Controller

    func info(_ name: String) -> JSONValue? { controller.snapshotInfo(name).map(SnapshotView.present) }
    func list() -> JSONValue { SnapshotView.list(controller) }

    func register(_ api: APIGroup) {
        api.get("snapshots") { _, _ in Reply.ok(list()) }
        api.post("snapshots", use: create)
        api.get("snapshots/:snapshot_name", use: download)
        api.delete("snapshots/:snapshot_name", use: delete)
        api.put("snapshots/running_config", use: importRunningConfig)
        api.get("snapshot_diff", use: diff)
    }

    @Sendable func create(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/snapshots", known: ["name", "async"])
        let (name, token) = try controller.createSnapshot(name: try body.string("name"), asynchronous: try body.bool("async") ?? false,
                                                          actor: context.principal)
        if let token { return Reply.ok(["token": .string(token), "name": .string(name)]) }
        var result = JSONObject()
        result[name] = info(name) ?? .null
        return Reply.ok(.object(result))
    }

    @Sendable func download(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("snapshot_name") ?? ""
        return Reply.file(try controller.snapshotFile(name), contentType: "application/octet-stream", filename: Controller.snapshotDownloadName(name))
    }

    @Sendable func delete(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        _ = try await RequestFields.parse(request, context: context, endpoint: "DELETE /api/snapshots/{snapshot_name}", known: ["async"])
        try controller.deleteSnapshot(context.parameters.get("snapshot_name") ?? "", actor: context.principal)
        return Reply.ok(list())
    }

    @Sendable func importRunningConfig(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let bytes = try await RequestFields.rawBody(request, context: context, limit: SnapshotArchive.maximumSize,
                                                    type: .archive, endpoint: "PUT /api/snapshots/running_config")
        try controller.importSnapshot(try Controller.decodeSnapshot(bytes), actor: context.principal)
        return Reply.ok(["snapshot": "accepted"])
    }

    @Sendable func diff(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        guard let from = request.query("from"), let to = request.query("to") else {
            throw APIError.argument("Queries \"from\" and \"to\" (snapshot names) are required")
        }
        let diff = try controller.snapshotDiff(from: from, to: to)
        return Reply.ok([
            "from": .string(from), "to": .string(to),
            "sections": .array(diff.sections.map { ["name": .string($0.name), "changes": .array($0.changes.map { .string($0) })] }),
            "text": .string(diff.text),
        ])
    }
}
