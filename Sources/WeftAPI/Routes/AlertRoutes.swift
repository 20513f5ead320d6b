import Hummingbird
import WeftApp
import WeftModel
import WeftStore

/// `/api/webhooks`, `/api/webhook/{id}`, `/api/alerts`, `/api/alert/{id}` (+ `/test`,
/// `/toggle_enabled`, and Weft's `/deliveries`), `/api/alert_events`.
struct AlertRoutes {
    let controller: Controller

    static let webhookFields: Set<String> = ["name", "url", "events", "body", "validate_cert", "custom_properties", "headers", "parameters"]
    static let alertFields: Set<String> = ["name", "url", "enabled", "events", "custom_properties", "webhook_id", "template_id", "webhook_name"]

    @discardableResult
    func change<T>(_ context: WeftRequestContext, _ action: String, _ mutate: (inout AlertingConfig) throws -> T) throws -> T {
        try controller.commit(context.principal, action) { db in
            var config = try Store.get(.alerting, in: db) ?? AlertingConfig()
            let result = try mutate(&config)
            try Store.set(.alerting, config, in: db)
            return result
        }
    }

    func register(_ api: APIGroup) {
        let controller = self.controller
        api.get("alert_events") { _, _ in Reply.ok(.array(AlertEvent.names.map { .string($0) })) }

        api.get("webhooks") { _, _ in Reply.ok(.array(controller.snapshot.alerting.webhooks.map(Self.present))) }
        api.post("webhook") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/webhook", known: Self.webhookFields)
            let now = Store.now()
            var webhook = Webhook(id: 0, name: "", createdAt: now, updatedAt: now)
            try Self.apply(body, to: &webhook, creating: true)
            let created = try change(context, "webhook.create") { config -> Webhook in
                webhook.id = config.nextWebhookID
                config.nextWebhookID += 1
                config.webhooks.append(webhook)
                return webhook
            }
            return Reply.ok(Self.present(created))
        }
        api.get("webhook/:id") { _, context in
            let config = controller.snapshot.alerting
            return Reply.ok(Self.present(config.webhooks[try Self.index(context, config.webhooks.map(\.id), "webhook")]))
        }
        api.put("webhook/:id") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/webhook/{id}", known: Self.webhookFields)
            let updated = try change(context, "webhook.update") { config -> Webhook in
                let index = try Self.index(context, config.webhooks.map(\.id), "webhook")
                try Self.apply(body, to: &config.webhooks[index], creating: false)
                config.webhooks[index].updatedAt = Store.now()
                return config.webhooks[index]
            }
            return Reply.ok(Self.present(updated))
        }
        api.delete("webhook/:id") { _, context in
            let removed = try change(context, "webhook.delete") { config -> Webhook in
                let index = try Self.index(context, config.webhooks.map(\.id), "webhook")
                let id = config.webhooks[index].id
                if let alert = config.alerts.first(where: { $0.webhookID == id }) {
                    throw APIError(.badRequest, "Conflict", "Alert \(alert.id) (\(alert.name)) uses this webhook; delete or change it first")
                }
                return config.webhooks.remove(at: index)
            }
            return Reply.ok(Self.present(removed))
        }

        api.get("alerts") { _, _ in Reply.ok(.array(controller.snapshot.alerting.alerts.map(Self.present))) }
        api.post("alert") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "POST /api/alert", known: Self.alertFields)
            let now = Store.now()
            var alert = Alert(id: 0, name: "", url: "", createdAt: now, updatedAt: now)
            let created = try change(context, "alert.create") { config -> Alert in
                try Self.apply(body, to: &alert, creating: true, webhooks: config.webhooks)
                alert.id = config.nextAlertID
                config.nextAlertID += 1
                config.alerts.append(alert)
                return alert
            }
            return Reply.ok(Self.present(created))
        }
        api.get("alert/:id") { _, context in
            let config = controller.snapshot.alerting
            return Reply.ok(Self.present(config.alerts[try Self.index(context, config.alerts.map(\.id), "alert")]))
        }
        api.put("alert/:id") { request, context in
            let body = try await RequestFields.parse(request, context: context, endpoint: "PUT /api/alert/{id}", known: Self.alertFields)
            let updated = try change(context, "alert.update") { config -> Alert in
                let index = try Self.index(context, config.alerts.map(\.id), "alert")
                try Self.apply(body, to: &config.alerts[index], creating: false, webhooks: config.webhooks)
                config.alerts[index].updatedAt = Store.now()
                return config.alerts[index]
            }
            return Reply.ok(Self.present(updated))
        }
        api.delete("alert/:id") { _, context in
            let removed = try change(context, "alert.delete") { config -> Alert in
                config.alerts.remove(at: try Self.index(context, config.alerts.map(\.id), "alert"))
            }
            return Reply.ok(Self.present(removed))
        }
        api.post("alert/:id/toggle_enabled") { _, context in
            let updated = try change(context, "alert.toggle") { config -> Alert in
                let index = try Self.index(context, config.alerts.map(\.id), "alert")
                config.alerts[index].enabled.toggle()
                config.alerts[index].updatedAt = Store.now()
                return config.alerts[index]
            }
            return Reply.ok(Self.present(updated))
        }
        api.post("alert/:id/test") { _, context in
            let config = controller.snapshot.alerting
            let alert = config.alerts[try Self.index(context, config.alerts.map(\.id), "alert")]
            guard let dispatcher = controller.alerts else { throw APIError(.badRequest, "StateError", "Alert delivery is off (--no-apply)") }
            let webhook = alert.webhookID.flatMap { id in config.webhooks.first { $0.id == id } }
            let delivery = await dispatcher.deliver(AlertEvent(name: "test", time: Store.now(), fields: ["message": "Test alert from Weft"]),
                                                    alert: alert, webhook: webhook, retrying: false)
            return Reply.ok([
                "status": .string(delivery.error == nil ? "success" : "failure"),
                "code": .string(delivery.status.map(String.init) ?? ""),
                "message": .string(delivery.error ?? "OK"),
            ])
        }
        api.get("alert/:id/deliveries") { _, context in
            let config = controller.snapshot.alerting
            let alert = config.alerts[try Self.index(context, config.alerts.map(\.id), "alert")]
            let list = controller.alerts?.deliveries(alert: alert.id) ?? []
            return Reply.ok(.array(list.map { delivery in
                [
                    "event": .string(delivery.event), "attempt": .int(delivery.attempt),
                    "timestamp": .string(Timestamps.vns3(delivery.time)), "timestamp_i": .int(delivery.time),
                    "status": .optional(delivery.status), "error": .optional(delivery.error), "will_retry": .bool(delivery.willRetry),
                ]
            }))
        }
    }

    static func index(_ context: WeftRequestContext, _ ids: [Int], _ what: String) throws -> Int {
        guard let id = Int(context.parameters.get("id") ?? ""), let index = ids.firstIndex(of: id) else {
            throw APIError.notFound("No \(what) \(context.parameters.get("id") ?? "")")
        }
        return index
    }

    static func url(_ text: String, field: String) throws -> String {
        let trimmed = text.trimmed
        guard trimmed.hasPrefix("http://") || trimmed.hasPrefix("https://"), trimmed.count > 8, trimmed.count <= 2048,
              !trimmed.contains(where: { $0.isWhitespace }) else {
            throw APIError.argument("Field \"\(field)\" must be an http:// or https:// URL, got \"\(text)\"")
        }
        return trimmed
    }

    static func events(_ body: RequestFields) throws -> [String]? {
        guard body.has("events") else { return nil }
        guard case .array(let items)? = body.object["events"] else { throw APIError.argument("Field \"events\" must be an array of event names") }
        return try items.map { item in
            guard case .string(let name) = item, AlertEvent.names.contains(name) || name == "all" else {
                throw APIError.argument("Field \"events\": unknown event \(item); known: \(AlertEvent.names.joined(separator: ", "))")
            }
            return name
        }
    }

    static func pairs(_ body: RequestFields, _ field: String) throws -> [NameValue]? {
        guard body.has(field) else { return nil }
        guard case .array(let items)? = body.object[field] else { throw APIError.argument("Field \"\(field)\" must be an array of {name, value}") }
        return try items.enumerated().map { offset, item in
            guard case .object(let object) = item else { throw APIError.argument("\(field)[\(offset)] must be an object {name, value}") }
            if let unknown = object.keys.first(where: { !["name", "value", "description"].contains($0) }) {
                throw APIError.argument("Unknown field \"\(unknown)\" in \(field)[\(offset)]; known fields: description, name, value")
            }
            let fields = RequestFields(object: object, endpoint: "\(field)[\(offset)]")
            let name = try fields.string("name", required: true)!
            guard !name.isEmpty, name.count <= 256, !name.contains(where: { $0.isNewline || $0 == ":" && field == "headers" }) else {
                throw APIError.argument("\(field)[\(offset)].name must be 1 to 256 characters without line breaks")
            }
            let value = try fields.string("value") ?? ""
            guard !value.contains(where: \.isNewline) || field == "custom_properties" else {
                throw APIError.argument("\(field)[\(offset)].value must not contain line breaks")
            }
            return NameValue(name: name, value: value, description: try fields.string("description") ?? "")
        }
    }

    static func apply(_ body: RequestFields, to webhook: inout Webhook, creating: Bool) throws {
        if let name = try body.string("name", required: creating) {
            guard !name.trimmed.isEmpty, name.count <= 128 else { throw APIError.argument("Field \"name\" must be 1 to 128 characters") }
            webhook.name = name.trimmed
        }
        if let text = try body.string("url") { webhook.url = text.isEmpty ? "" : try url(text, field: "url") }
        if let text = try body.string("body") {
            guard text.utf8.count <= 64 << 10 else { throw APIError.argument("Field \"body\" must be at most 64 KiB") }
            webhook.body = text
        }
        if let events = try events(body) { webhook.events = events }
        if let flag = try body.bool("validate_cert") { webhook.validateCert = flag }
        if let list = try pairs(body, "custom_properties") { webhook.customProperties = list }
        if let list = try pairs(body, "headers") { webhook.headers = list }
        if let list = try pairs(body, "parameters") { webhook.parameters = list }
    }

    static func apply(_ body: RequestFields, to alert: inout Alert, creating: Bool, webhooks: [Webhook]) throws {
        if let name = try body.string("name", required: creating) {
            guard !name.trimmed.isEmpty, name.count <= 128 else { throw APIError.argument("Field \"name\" must be 1 to 128 characters") }
            alert.name = name.trimmed
        }
        if let text = try body.string("url", required: creating) { alert.url = try url(text, field: "url") }
        if let flag = try body.bool("enabled") { alert.enabled = flag }
        if let events = try events(body) { alert.events = events }
        if let list = try pairs(body, "custom_properties") { alert.customProperties = list }
        let id = try body.int("webhook_id") ?? body.int("template_id")
        if let id {
            guard webhooks.contains(where: { $0.id == id }) else { throw APIError.argument("Field \"webhook_id\": there is no webhook \(id)") }
            alert.webhookID = id
        } else if let name = try body.string("webhook_name") {
            guard let webhook = webhooks.first(where: { $0.name == name }) else { throw APIError.argument("Field \"webhook_name\": there is no webhook \"\(name)\"") }
            alert.webhookID = webhook.id
        }
        if creating, alert.events.isEmpty, let id = alert.webhookID, let webhook = webhooks.first(where: { $0.id == id }) {
            alert.events = webhook.events
        }
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
