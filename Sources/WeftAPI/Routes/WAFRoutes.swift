import Foundation
import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftWAF

/// `/api/waf…`: the WAF's protected services and its events (Weft's own; VNS3 envelope).
struct WAFRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("waf", use: summary)
        api.get("waf/services", use: list)
        api.post("waf/services", use: create)
        api.get("waf/services/:name", use: show)
        api.put("waf/services/:name", use: update)
        api.delete("waf/services/:name", use: delete)
        api.get("waf/events", use: events)
    }

    @Sendable func summary(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let events = controller.waf?.events(limit: WAFRuntime.keepEvents) ?? []
        return Reply.ok(["status": WAFView.status(controller.waf?.status), "services": .int(controller.wafServices.services.count),
                         "summary": WAFView.summary(events)])
    }

    @Sendable func list(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(WAFView.services(controller))
    }

    @Sendable func create(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/waf/services", known: Controller.wafFields)
        _ = await controller.facts.refresh()
        return Reply.ok(WAFView.service(try await controller.createWAFService(body, actor: context.principal)), status: .created)
    }

    @Sendable func show(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(WAFView.service(try controller.wafService(context.parameters.get("name") ?? "")))
    }

    @Sendable func update(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        _ = try controller.wafService(name)
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/waf/services/\(name)", known: Controller.wafFields)
        _ = await controller.facts.refresh()
        return Reply.ok(WAFView.service(try await controller.updateWAFService(name, body, actor: context.principal)))
    }

    @Sendable func delete(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let removed = try await controller.deleteWAFService(context.parameters.get("name") ?? "", actor: context.principal)
        return Reply.ok(["deleted": .string(removed.name)])
    }

    @Sendable func events(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let query = try WAFView.EventQuery(service: request.query("service"), since: request.query("since"), limit: request.query("limit"))
        let found = controller.waf?.events(service: query.service, since: query.since, limit: query.limit) ?? []
        return Reply.ok(["events": .array(found.map(\.json))])
    }
}
