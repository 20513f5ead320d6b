import Hummingbird
import WeftModel
import WeftStore

/// `GET /api/peering`, `PUT /api/peering/self`. Peer links come with the mesh issue.
struct PeeringRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("peering") { _, _ in
            Reply.ok(Present.peering(controller.snapshot))
        }
        api.put("peering/self") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/peering/self", known: ["force", "id"])
            guard let id = try body.int("id", required: true) else { throw APIError.argument("Field \"id\" is required") }
            let force = try body.bool("force") ?? true
            let state = controller.snapshot
            guard let topology = state.topology else { throw LicenseRoutes.mustBeLicensed }
            guard (1...topology.managers.count).contains(id) else {
                throw APIError.argument("Field \"id\": peer id must be between 1 and \(topology.managers.count), the number of controllers in the topology")
            }
            if let current = state.peering.id, current != id, !force {
                throw APIError(.badRequest, "Conflict", "This controller already has peer id \(current); send \"force\": true to change it.")
            }
            if state.peering.id != id {
                try controller.commit(context.principal, "peering.self", detail: "id \(id)") { db in
                    try Store.set(.peering, PeeringSelf(id: id), in: db)
                }
            }
            return Reply.ok(Present.peering(controller.snapshot))
        }
    }
}
