import WeftModel
import WeftStore

/// Webhooks and alerts: `/api/webhook…`, `/api/alert…`. Each write validates its fields,
/// then rewrites the alerting configuration in one transaction; the dispatcher reads it.
extension Controller {
    public static let webhookFields: Set<String> = ["name", "url", "events", "body", "validate_cert", "custom_properties", "headers", "parameters"]
    public static let alertFields: Set<String> = ["name", "url", "enabled", "events", "custom_properties", "webhook_id", "template_id", "webhook_name"]

    @discardableResult
    func changeAlerting<T>(actor: String?, _ action: String, _ mutate: (inout AlertingConfig) throws -> T) throws -> T {
        try commit(actor, action) { db in
            var config = try Store.get(.alerting, in: db) ?? AlertingConfig()
            let result = try mutate(&config)
            try Store.set(.alerting, config, in: db)
            return result
        }
    }

    static func alertingIndex(_ id: String?, _ ids: [Int], _ what: String) throws -> Int {
        guard let number = Int(id ?? ""), let index = ids.firstIndex(of: number) else {
            throw ValidationError(.notFound, "No \(what) \(id ?? "")")
        }
        return index
    }

    public func webhook(id: String?) throws -> Webhook {
        let config = snapshot.alerting
        return config.webhooks[try Self.alertingIndex(id, config.webhooks.map(\.id), "webhook")]
    }

    public func alert(id: String?) throws -> Alert {
        let config = snapshot.alerting
        return config.alerts[try Self.alertingIndex(id, config.alerts.map(\.id), "alert")]
    }

    public func createWebhook(_ body: InputFields, actor: String?) throws -> Webhook {
        let now = Store.now()
        var webhook = Webhook(id: 0, name: "", createdAt: now, updatedAt: now)
        try Self.apply(body, to: &webhook, creating: true)
        return try changeAlerting(actor: actor, "webhook.create") { config -> Webhook in
            webhook.id = config.nextWebhookID
            config.nextWebhookID += 1
            config.webhooks.append(webhook)
            return webhook
        }
    }

    public func updateWebhook(id: String?, _ body: InputFields, actor: String?) throws -> Webhook {
        try changeAlerting(actor: actor, "webhook.update") { config -> Webhook in
            let index = try Self.alertingIndex(id, config.webhooks.map(\.id), "webhook")
            try Self.apply(body, to: &config.webhooks[index], creating: false)
            config.webhooks[index].updatedAt = Store.now()
            return config.webhooks[index]
        }
    }

    /// Refused while an alert uses the webhook.
    public func deleteWebhook(id: String?, actor: String?) throws -> Webhook {
        try changeAlerting(actor: actor, "webhook.delete") { config -> Webhook in
            let index = try Self.alertingIndex(id, config.webhooks.map(\.id), "webhook")
            let webhookID = config.webhooks[index].id
            if let alert = config.alerts.first(where: { $0.webhookID == webhookID }) {
                throw ValidationError(.conflict, "Alert \(alert.id) (\(alert.name)) uses this webhook; delete or change it first")
            }
            return config.webhooks.remove(at: index)
        }
    }

    public func createAlert(_ body: InputFields, actor: String?) throws -> Alert {
        let now = Store.now()
        var alert = Alert(id: 0, name: "", url: "", createdAt: now, updatedAt: now)
        return try changeAlerting(actor: actor, "alert.create") { config -> Alert in
            try Self.apply(body, to: &alert, creating: true, webhooks: config.webhooks)
            alert.id = config.nextAlertID
            config.nextAlertID += 1
            config.alerts.append(alert)
            return alert
        }
    }

    public func updateAlert(id: String?, _ body: InputFields, actor: String?) throws -> Alert {
        try changeAlerting(actor: actor, "alert.update") { config -> Alert in
            let index = try Self.alertingIndex(id, config.alerts.map(\.id), "alert")
            try Self.apply(body, to: &config.alerts[index], creating: false, webhooks: config.webhooks)
            config.alerts[index].updatedAt = Store.now()
            return config.alerts[index]
        }
    }

    public func deleteAlert(id: String?, actor: String?) throws -> Alert {
        try changeAlerting(actor: actor, "alert.delete") { config -> Alert in
            config.alerts.remove(at: try Self.alertingIndex(id, config.alerts.map(\.id), "alert"))
        }
    }

    public func toggleAlert(id: String?, actor: String?) throws -> Alert {
        try changeAlerting(actor: actor, "alert.toggle") { config -> Alert in
            let index = try Self.alertingIndex(id, config.alerts.map(\.id), "alert")
            config.alerts[index].enabled.toggle()
            config.alerts[index].updatedAt = Store.now()
            return config.alerts[index]
        }
    }

    /// Sends a test event through the alert's webhook now (no retries).
    public func testAlert(id: String?) async throws -> AlertDispatcher.Delivery {
        let alert = try alert(id: id)
        guard let dispatcher = alerts else { throw ValidationError(.state, "Alert delivery is off (--no-apply)") }
        let webhook = alert.webhookID.flatMap { id in snapshot.alerting.webhooks.first { $0.id == id } }
        return await dispatcher.deliver(AlertEvent(name: "test", time: Store.now(), fields: ["message": "Test alert from Weft"]),
                                        alert: alert, webhook: webhook, retrying: false)
    }

    static func url(_ text: String, field: String) throws -> String {
        let trimmed = text.trimmed
        guard trimmed.hasPrefix("http://") || trimmed.hasPrefix("https://"), trimmed.count > 8, trimmed.count <= 2048,
              !trimmed.contains(where: { $0.isWhitespace }) else {
            throw ValidationError(.argument, "Field \"\(field)\" must be an http:// or https:// URL, got \"\(text)\"")
        }
        return trimmed
    }

    static func events(_ body: InputFields) throws -> [String]? {
        guard body.has("events") else { return nil }
        guard case .array(let items)? = body.object["events"] else { throw ValidationError(.argument, "Field \"events\" must be an array of event names") }
        return try items.map { item in
            guard case .string(let name) = item, AlertEvent.names.contains(name) || name == "all" else {
                throw ValidationError(.argument, "Field \"events\": unknown event \(item); known: \(AlertEvent.names.joined(separator: ", "))")
            }
            return name
        }
    }

    static func pairs(_ body: InputFields, _ field: String) throws -> [NameValue]? {
        guard body.has(field) else { return nil }
        guard case .array(let items)? = body.object[field] else { throw ValidationError(.argument, "Field \"\(field)\" must be an array of {name, value}") }
        return try items.enumerated().map { offset, item in
            guard case .object(let object) = item else { throw ValidationError(.argument, "\(field)[\(offset)] must be an object {name, value}") }
            if let unknown = object.keys.first(where: { !["name", "value", "description"].contains($0) }) {
                throw ValidationError(.argument, "Unknown field \"\(unknown)\" in \(field)[\(offset)]; known fields: description, name, value")
            }
            let fields = InputFields(object: object, endpoint: "\(field)[\(offset)]")
            let name = try fields.string("name", required: true)!
            guard !name.isEmpty, name.count <= 256, !name.contains(where: { $0.isNewline || $0 == ":" && field == "headers" }) else {
                throw ValidationError(.argument, "\(field)[\(offset)].name must be 1 to 256 characters without line breaks")
            }
            let value = try fields.string("value") ?? ""
            guard !value.contains(where: \.isNewline) || field == "custom_properties" else {
                throw ValidationError(.argument, "\(field)[\(offset)].value must not contain line breaks")
            }
            return NameValue(name: name, value: value, description: try fields.string("description") ?? "")
        }
    }

    static func apply(_ body: InputFields, to webhook: inout Webhook, creating: Bool) throws {
        if let name = try body.string("name", required: creating) {
            guard !name.trimmed.isEmpty, name.count <= 128 else { throw ValidationError(.argument, "Field \"name\" must be 1 to 128 characters") }
            webhook.name = name.trimmed
        }
        if let text = try body.string("url") { webhook.url = text.isEmpty ? "" : try url(text, field: "url") }
        if let text = try body.string("body") {
            guard text.utf8.count <= 64 << 10 else { throw ValidationError(.argument, "Field \"body\" must be at most 64 KiB") }
            webhook.body = text
        }
        if let events = try events(body) { webhook.events = events }
        if let flag = try body.bool("validate_cert") { webhook.validateCert = flag }
        if let list = try pairs(body, "custom_properties") { webhook.customProperties = list }
        if let list = try pairs(body, "headers") { webhook.headers = list }
        if let list = try pairs(body, "parameters") { webhook.parameters = list }
    }

    static func apply(_ body: InputFields, to alert: inout Alert, creating: Bool, webhooks: [Webhook]) throws {
        if let name = try body.string("name", required: creating) {
            guard !name.trimmed.isEmpty, name.count <= 128 else { throw ValidationError(.argument, "Field \"name\" must be 1 to 128 characters") }
            alert.name = name.trimmed
        }
        if let text = try body.string("url", required: creating) { alert.url = try url(text, field: "url") }
        if let flag = try body.bool("enabled") { alert.enabled = flag }
        if let events = try events(body) { alert.events = events }
        if let list = try pairs(body, "custom_properties") { alert.customProperties = list }
        let id = try body.int("webhook_id") ?? body.int("template_id")
        if let id {
            guard webhooks.contains(where: { $0.id == id }) else { throw ValidationError(.argument, "Field \"webhook_id\": there is no webhook \(id)") }
            alert.webhookID = id
        } else if let name = try body.string("webhook_name") {
            guard let webhook = webhooks.first(where: { $0.name == name }) else { throw ValidationError(.argument, "Field \"webhook_name\": there is no webhook \"\(name)\"") }
            alert.webhookID = webhook.id
        }
        if creating, alert.events.isEmpty, let id = alert.webhookID, let webhook = webhooks.first(where: { $0.id == id }) {
            alert.events = webhook.events
        }
    }
}
