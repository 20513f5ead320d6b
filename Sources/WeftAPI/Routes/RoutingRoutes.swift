import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftReconciler
import WeftStore
import WeftSystem

/// `/api/routes`: the user's routes, an object keyed by id strings, with `interface`,
/// `gateway` and `advertise` echoed exactly as sent; routes learned from eBGP peers are
/// listed too (keys `learned_N`, `"learned": true`, read-only).
struct RoutingRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("routes", use: list)
        api.post("routes", use: create)
        api.delete("routes/:route_id", use: delete)
        api.put("routes/:route_id/enable", use: enable)
        api.put("routes/:route_id/disable", use: disable)
    }

    @Sendable func list(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        if let table = request.query("table"), table != "main" { return Reply.ok(.object(JSONObject())) }
        return Reply.ok(await RouteView.table(controller))
    }

    @Sendable func create(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/routes", known: Controller.routeFields)
        try controller.createRoute(body, actor: context.principal)
        return Reply.ok(await RouteView.table(controller))
    }

    @Sendable func delete(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        try controller.deleteRoute(id: context.parameters.get("route_id"), actor: context.principal)
        return Reply.ok(await RouteView.table(controller))
    }

    @Sendable func enable(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        try await setEnabled(true, request, context)
    }

    @Sendable func disable(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        try await setEnabled(false, request, context)
    }

    func setEnabled(_ enabled: Bool, _ request: Request, _ context: WeftRequestContext) async throws -> Response {
        _ = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/routes/{route_id}/\(enabled ? "enable" : "disable")", known: [])
        let route = try controller.setRouteEnabled(id: context.parameters.get("route_id"), enabled, actor: context.principal)
        return Reply.ok(RouteView.present(route))
    }
}
