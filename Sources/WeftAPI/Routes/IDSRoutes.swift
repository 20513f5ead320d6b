import Foundation
import Hummingbird
import NIOCore
import WeftApp
import WeftHTTP
import WeftIDS
import WeftModel

/// `/api/ids…`: Weft's built-in intrusion detection (not a VNS3 endpoint; VNS3 envelope).
struct IDSRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("ids", use: show)
        api.put("ids", use: configure)
        api.get("ids/rules", use: rules)
        api.put("ids/rules", use: replaceRules)
        api.put("ids/rules/:sid", use: setRuleEnabled)
        api.get("ids/variables", use: variables)
        api.put("ids/variables", use: setVariables)
        api.get("ids/alerts", use: alerts)
        api.get("ids/fast.log", use: fastLog)
        api.get("ids/stats", use: stats)
    }

    @Sendable func show(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(IDSView.config(controller.idsConfig, status: controller.ids?.status))
    }

    @Sendable func configure(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/ids", known: Controller.idsFields)
        // HOME_NET takes the controller's networks as they are now.
        _ = await controller.facts.refresh()
        let config = try controller.setIDSConfig(body, actor: context.principal)
        return Reply.ok(IDSView.config(config, status: controller.ids?.status))
    }

    @Sendable func rules(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(IDSView.rules(controller))
    }

    @Sendable func replaceRules(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let bytes = try await RequestFields.rawBody(request, context: context, limit: 16 << 20, type: .text, endpoint: "PUT /api/ids/rules")
        _ = await controller.facts.refresh()
        let set = try controller.setIDSRules(String(decoding: bytes, as: UTF8.self), actor: context.principal)
        return Reply.ok(["rules_loaded": .int(set.rules.count), "warnings": .array(set.warnings.map { .string($0) })])
    }

    @Sendable func setRuleEnabled(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let sid = context.parameters.get("sid") ?? ""
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/ids/rules/\(sid)", known: ["enabled"])
        try controller.setIDSRuleEnabled(sid: sid, body, actor: context.principal)
        return Reply.ok(IDSView.rules(controller))
    }

    @Sendable func variables(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(IDSView.variables(controller.idsVariables))
    }

    @Sendable func setVariables(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let endpoint = "PUT /api/ids/variables"
        let bytes = try await RequestFields.rawBody(request, context: context, type: .json, endpoint: endpoint)
        var object = JSONObject()
        if !RequestFields.isBlank(bytes) {
            let value: JSONValue
            do { value = try JSONParser.parse(bytes) } catch { throw APIError.argument("Malformed JSON body for \(endpoint): \(error)") }
            guard case .object(let o) = value else { throw APIError.argument("The body of \(endpoint) must be a JSON object, got \(value.typeName)") }
            object = o
        }
        let body = InputFields(object: object, endpoint: endpoint)
        return Reply.ok(IDSView.variables(try controller.setIDSVariables(body, actor: context.principal)))
    }

    @Sendable func alerts(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let query = try IDSView.AlertQuery(since: request.query("since"), sid: request.query("sid"), src: request.query("src"), limit: request.query("limit"))
        let records = controller.ids?.alerts(since: query.since, sid: query.sid, src: query.src, limit: query.limit) ?? []
        return Reply.ok(["alerts": .array(records.map { (try? JSONParser.parse($0.eve)) ?? .null })])
    }

    @Sendable func fastLog(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: controller.ids?.fastLog ?? [])))
    }

    @Sendable func stats(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(IDSView.stats(controller))
    }
}
