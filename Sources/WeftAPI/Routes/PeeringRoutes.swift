import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftReconciler
import WeftStore

/// `GET /api/peering`, `PUT /api/peering/self`, and the mesh: `POST /api/peering/peers`,
/// `PUT/DELETE /api/peering/peers/{id}` (one direction; the reverse call is made on the
/// other controller).
struct PeeringRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("peering", use: show)
        api.post("peering/peers", use: addPeer)
        api.put("peering/peers/:peer_id", use: updatePeer)
        api.delete("peering/peers/:peer_id", use: removePeer)
        api.put("peering/self", use: setSelf)
    }

    @Sendable func show(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(await PeeringView.status(controller))
    }

    @Sendable func addPeer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/peering/peers",
                                                 known: ["force", "id", "name", "overlay_mtu"])
        try controller.addPeer(body, actor: context.principal)
        return try await show(request, context)
    }

    @Sendable func updatePeer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/peering/peers/{peer_id}",
                                                 known: ["force", "name", "overlay_mtu"])
        try controller.updatePeer(id: context.parameters.get("peer_id"), body, actor: context.principal)
        return try await show(request, context)
    }

    @Sendable func removePeer(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        try controller.removePeer(id: context.parameters.get("peer_id"), actor: context.principal)
        return try await show(request, context)
    }

    @Sendable func setSelf(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/peering/self", known: ["force", "id"])
        guard let id = try body.int("id", required: true) else { throw APIError.argument("Field \"id\" is required") }
        try controller.setPeerID(id, force: try body.bool("force") ?? true, actor: context.principal)
        return try await show(request, context)
    }
}
