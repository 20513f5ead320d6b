import Hummingbird
import WeftApp
import WeftHTTP
import WeftModel
import WeftStore

/// `/api/webhooks`, `/api/webhook/{id}`, `/api/alerts`, `/api/alert/{id}` (+ `/test`,
/// `/toggle_enabled`, and Weft's `/deliveries`), `/api/alert_events`: decode, call the
/// alert operations of `Controller`, encode.
struct AlertRoutes {
    let controller: Controller

    func register(_ api: APIGroup) {
        api.get("alert_events") { _, _ in Reply.ok(.array(AlertEvent.names.map { .string($0) })) }
        api.get("webhooks", use: listWebhooks)
        api.post("webhook", use: createWebhook)
        api.get("webhook/:id", use: showWebhook)
        api.put("webhook/:id", use: updateWebhook)
        api.delete("webhook/:id", use: deleteWebhook)
        api.get("alerts", use: listAlerts)
        api.post("alert", use: createAlert)
        api.get("alert/:id", use: showAlert)
        api.put("alert/:id", use: updateAlert)
        api.delete("alert/:id", use: deleteAlert)
        api.post("alert/:id/toggle_enabled", use: toggleAlert)
        api.post("alert/:id/test", use: testAlert)
        api.get("alert/:id/deliveries", use: deliveries)
    }

    @Sendable func listWebhooks(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(.array(controller.snapshot.alerting.webhooks.map(Self.present)))
    }

    @Sendable func createWebhook(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/webhook", known: Controller.webhookFields)
        return Reply.ok(Self.present(try controller.createWebhook(body, actor: context.principal)))
    }

    @Sendable func showWebhook(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(Self.present(try controller.webhook(id: context.parameters.get("id"))))
    }

    @Sendable func updateWebhook(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/webhook/{id}", known: Controller.webhookFields)
        return Reply.ok(Self.present(try controller.updateWebhook(id: context.parameters.get("id"), body, actor: context.principal)))
    }

    @Sendable func deleteWebhook(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(Self.present(try controller.deleteWebhook(id: context.parameters.get("id"), actor: context.principal)))
    }

    @Sendable func listAlerts(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(.array(controller.snapshot.alerting.alerts.map(Self.present)))
    }

    @Sendable func createAlert(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/alert", known: Controller.alertFields)
        return Reply.ok(Self.present(try controller.createAlert(body, actor: context.principal)))
    }

    @Sendable func showAlert(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(Self.present(try controller.alert(id: context.parameters.get("id"))))
    }

    @Sendable func updateAlert(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/alert/{id}", known: Controller.alertFields)
        return Reply.ok(Self.present(try controller.updateAlert(id: context.parameters.get("id"), body, actor: context.principal)))
    }

    @Sendable func deleteAlert(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(Self.present(try controller.deleteAlert(id: context.parameters.get("id"), actor: context.principal)))
    }

    @Sendable func toggleAlert(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        Reply.ok(Self.present(try controller.toggleAlert(id: context.parameters.get("id"), actor: context.principal)))
    }

    @Sendable func testAlert(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let delivery = try await controller.testAlert(id: context.parameters.get("id"))
        return Reply.ok([
            "status": .string(delivery.error == nil ? "success" : "failure"),
            "code": .string(delivery.status.map(String.init) ?? ""),
            "message": .string(delivery.error ?? "OK"),
        ])
    }

    @Sendable func deliveries(_ request: Request, _ context: WeftRequestContext) async throws -> Response {
        let alert = try controller.alert(id: context.parameters.get("id"))
        let list = controller.alerts?.deliveries(alert: alert.id) ?? []
        return Reply.ok(.array(list.map { delivery in
            [
                "event": .string(delivery.event), "attempt": .int(delivery.attempt),
                "timestamp": .string(Timestamps.vns3(delivery.time)), "timestamp_i": .int(delivery.time),
                "status": .optional(delivery.status), "error": .optional(delivery.error), "will_retry": .bool(delivery.willRetry),
            ]
        }))
    }

    static func present(_ webhook: Webhook) -> JSONValue {
        [
            "id": .int(webhook.id), "name": .string(webhook.name), "url": .string(webhook.url), "body": .string(webhook.body),
            "events": .array(webhook.events.map { .string($0) }),
            "headers": .array(webhook.headers.map { ["name": .string($0.name), "value": .string($0.value)] }),
            "parameters": .array(webhook.parameters.map { ["name": .string($0.name), "value": .string($0.value)] }),
            "custom_properties": .array(webhook.customProperties.map {
                ["name": .string($0.name), "value": .string($0.value), "description": .string($0.description)]
            }),
            "validate_cert": .bool(webhook.validateCert),
            "created_at": .string(Timestamps.vns3(webhook.createdAt)), "updated_at": .string(Timestamps.vns3(webhook.updatedAt)),
        ]
    }

    static func present(_ alert: Alert) -> JSONValue {
        [
            "id": .int(alert.id), "webhook_id": .optional(alert.webhookID), "name": .string(alert.name), "enabled": .bool(alert.enabled),
            "url": .string(alert.url), "events": .array(alert.events.map { .string($0) }),
            "custom_properties": .array(alert.customProperties.map { ["name": .string($0.name), "value": .string($0.value)] }),
            "created_at": .string(Timestamps.vns3(alert.createdAt)), "updated_at": .string(Timestamps.vns3(alert.updatedAt)),
        ]
    }
}
