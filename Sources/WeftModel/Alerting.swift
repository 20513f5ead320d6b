/// Alerts and webhooks (VNS3 4.9+): a webhook is a delivery template (URL, headers,
/// query parameters, body with `%{placeholder}`s); an alert subscribes a URL to events
/// through a webhook's template.
public struct AlertingConfig: Codable, Sendable, Equatable {
    public var nextWebhookID: Int
    public var nextAlertID: Int
    public var webhooks: [Webhook]
    public var alerts: [Alert]

    public init(nextWebhookID: Int = 1, nextAlertID: Int = 1, webhooks: [Webhook] = [], alerts: [Alert] = []) {
        self.nextWebhookID = nextWebhookID
        self.nextAlertID = nextAlertID
        self.webhooks = webhooks
        self.alerts = alerts
    }
}

public struct NameValue: Codable, Sendable, Equatable {
    public var name: String
    public var value: String
    public var description: String
    public init(name: String, value: String, description: String = "") {
        self.name = name
        self.value = value
        self.description = description
    }
}

public struct Webhook: Codable, Sendable, Equatable {
    public var id: Int
    public var name: String
    public var url: String
    public var body: String
    public var events: [String]
    public var headers: [NameValue]
    public var parameters: [NameValue]
    public var customProperties: [NameValue]
    public var validateCert: Bool
    public var createdAt: Int
    public var updatedAt: Int

    public init(id: Int, name: String, url: String = "", body: String = "", events: [String] = [], headers: [NameValue] = [],
                parameters: [NameValue] = [], customProperties: [NameValue] = [], validateCert: Bool = true, createdAt: Int = 0, updatedAt: Int = 0) {
        self.id = id
        self.name = name
        self.url = url
        self.body = body
        self.events = events
        self.headers = headers
        self.parameters = parameters
        self.customProperties = customProperties
        self.validateCert = validateCert
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

public struct Alert: Codable, Sendable, Equatable {
    public var id: Int
    public var webhookID: Int?
    public var name: String
    public var enabled: Bool
    public var url: String
    public var events: [String]
    public var customProperties: [NameValue]
    public var createdAt: Int
    public var updatedAt: Int

    public init(id: Int, webhookID: Int? = nil, name: String, enabled: Bool = true, url: String, events: [String] = [],
                customProperties: [NameValue] = [], createdAt: Int = 0, updatedAt: Int = 0) {
        self.id = id
        self.webhookID = webhookID
        self.name = name
        self.enabled = enabled
        self.url = url
        self.events = events
        self.customProperties = customProperties
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Something that happened on the controller that alerts can subscribe to.
public struct AlertEvent: Sendable, Equatable {
    public let name: String
    public let time: Int
    /// Values for the body template (`%{tunnel_description}` …) besides the common ones.
    public let fields: [String: String]

    public init(name: String, time: Int, fields: [String: String] = [:]) {
        self.name = name
        self.time = time
        self.fields = fields
    }

    /// The events Weft raises (`GET /api/alert_events`).
    public static let names = [
        "tunnel_up", "tunnel_down", "client_connected", "client_disconnected", "peer_up", "peer_down",
        "firewall_apply_failed", "disk_low", "process_restarted", "clientpack_expiring", "clientpack_expired",
        "ids_alert", "waf_block", "waf_detect", "mesh_state_diverged", "mesh_state_converged",
    ]

    /// The default body when a webhook has no template.
    public static let defaultBody = #"{"event": "%{event}", "time": "%{timestamp}", "controller": "%{controller}", "message": "%{message}"}"#

    /// Replaces `%{name}` with the event's values (then custom properties, then ""),
    /// escaped for a JSON string when the template looks like JSON.
    public func render(_ template: String, common: [String: String], custom: [NameValue]) -> String {
        let json = template.trimmed.hasPrefix("{") || template.trimmed.hasPrefix("[")
        var values = common
        for property in custom { values[property.name] = property.value }
        for (key, value) in fields { values[key] = value }
        values["event"] = name
        var output = ""
        var rest = Substring(template)
        while let start = rest.weftRange(of: "%{") {
            output += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                output += rest[start.lowerBound...]
                return output
            }
            let key = String(rest[start.upperBound..<end])
            let value = values[key] ?? ""
            output += json ? Self.jsonEscaped(value) : value
            rest = rest[rest.index(after: end)...]
        }
        return output + rest
    }

    static func jsonEscaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

extension StringProtocol {
    func weftRange(of needle: String) -> Range<Index>? {
        guard let first = needle.first else { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index] == first, self[index...].hasPrefix(needle) {
                return index..<self.index(index, offsetBy: needle.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
