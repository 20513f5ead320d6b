import WeftCLI
import WeftModel

/// The running webhooks, alerts and IPsec endpoints in the site file's form (the fields the
/// API's POST takes), with the ids `apply` needs to change or remove them.
struct RunningObjects {
    var webhooks: [SiteObject] = []
    var alerts: [SiteObject] = []
    var ipsec: [SiteObject] = []
    var webhookIDs: [String: Int] = [:]
    var alertIDs: [String: Int] = [:]
    var endpointIDs: [String: Int] = [:]
    /// Endpoint name → child key → id, for `tunnels` and `ebgp_peers`.
    var tunnelIDs: [String: [String: Int]] = [:]
    var peerIDs: [String: [String: Int]] = [:]

    static func read(_ client: APIClient) async throws -> RunningObjects {
        var running = RunningObjects()
        var webhookNames: [Int: String] = [:]
        for hook in Output.items(try await client.json(.GET, "/api/webhooks")) {
            let object = SiteObject(fields: only(hook, SiteObject.Kind.webhook.fields))
            if case .int(let id)? = hook["id"] { running.webhookIDs[object.key(.webhook)] = id; webhookNames[id] = object.key(.webhook) }
            running.webhooks.append(object)
        }
        for alert in Output.items(try await client.json(.GET, "/api/alerts")) {
            var fields = only(alert, SiteObject.Kind.alert.fields)
            if case .int(let hook)? = alert["webhook_id"], let name = webhookNames[hook] { fields["webhook"] = .string(name) } else { fields["webhook"] = .null }
            let object = SiteObject(fields: sorted(fields))
            if case .int(let id)? = alert["id"] { running.alertIDs[object.key(.alert)] = id }
            running.alerts.append(object)
        }
        let system = try await client.json(.GET, "/api/ipsec")
        for endpoint in Output.items(system["remote_endpoints"]) {
            var fields = only(endpoint, SiteObject.Kind.endpoint.fields)
            fields["secret"] = endpoint["psk"] ?? .string("")
            if case .array(let list)? = fields["extra_config"], list.isEmpty { fields["extra_config"] = .string("") }
            var object = SiteObject(fields: sorted(fields))
            let name = object.key(.endpoint)
            if case .int(let id)? = endpoint["id"] { running.endpointIDs[name] = id }
            var tunnels: [SiteObject] = [], peers: [SiteObject] = []
            for tunnel in Output.items(endpoint["tunnels"]) {
                let child = SiteObject(fields: only(tunnel, SiteObject.Kind.tunnel.fields))
                if case .int(let id)? = tunnel["id"] { running.tunnelIDs[name, default: [:]][child.key(.tunnel)] = id }
                tunnels.append(child)
            }
            for peer in Output.items(endpoint["bgp_peers"]) {
                let child = SiteObject(fields: only(peer, SiteObject.Kind.ebgpPeer.fields))
                if case .int(let id)? = peer["id"] { running.peerIDs[name, default: [:]][child.key(.ebgpPeer)] = id }
                peers.append(child)
            }
            object.children = ["tunnels": tunnels, "ebgp_peers": peers]
            running.ipsec.append(object)
        }
        return running
    }

    static func only(_ value: JSONValue, _ fields: Set<String>) -> JSONObject {
        var out = JSONObject()
        guard case .object(let object) = value else { return out }
        for entry in object.entries.sorted(by: { $0.key < $1.key }) where fields.contains(entry.key) { out[entry.key] = entry.value }
        return out
    }

    static func sorted(_ object: JSONObject) -> JSONObject {
        var out = JSONObject()
        for entry in object.entries.sorted(by: { $0.key < $1.key }) { out[entry.key] = entry.value }
        return out
    }
}

/// Applies the object sections of a plan: webhooks before the alerts that name them, alerts
/// removed before their webhooks; IPsec endpoints removed, created (with their tunnels and
/// peers) or changed field by field, then their tunnels and peers added, changed, removed.
struct ObjectApplier {
    let client: APIClient
    let running: RunningObjects
    let desired: SiteConfig
    let plan: SitePlan

    func apply() async throws {
        let hooks = plan.changes(in: "webhooks"), alerts = plan.changes(in: "alerts")
        for change in hooks where change.operation != .remove {
            guard let item = desired.webhooks?.first(where: { $0.key(.webhook) == change.key }) else { continue }
            if change.operation == .add {
                _ = try await client.json(.POST, "/api/webhook", body: .object(item.fields))
            } else if let id = running.webhookIDs[change.key] {
                _ = try await client.json(.PUT, "/api/webhook/\(id)", body: .object(item.fields))
            }
        }
        for change in alerts where change.operation == .remove {
            if let id = running.alertIDs[change.key] { _ = try await client.json(.DELETE, "/api/alert/\(id)") }
        }
        for change in alerts where change.operation != .remove {
            guard let item = desired.alerts?.first(where: { $0.key(.alert) == change.key }) else { continue }
            var body = item.fields
            if let hook = body["webhook"] {
                body["webhook"] = nil
                if case .string(let name) = hook { body["webhook_name"] = .string(name) }
            }
            if change.operation == .add {
                _ = try await client.json(.POST, "/api/alert", body: .object(body))
            } else if let id = running.alertIDs[change.key] {
                _ = try await client.json(.PUT, "/api/alert/\(id)", body: .object(body))
            }
        }
        for change in hooks where change.operation == .remove {
            if let id = running.webhookIDs[change.key] { _ = try await client.json(.DELETE, "/api/webhook/\(id)") }
        }
        try await applyIpsec()
    }

    func applyIpsec() async throws {
        for change in plan.changes(in: "ipsec") {
            switch change.operation {
            case .remove:
                if let id = running.endpointIDs[change.key] { _ = try await client.json(.DELETE, "/api/ipsec/endpoints/\(id)") }
            case .add:
                guard let item = desired.ipsec?.first(where: { $0.key(.endpoint) == change.key }) else { continue }
                let created = try await client.json(.POST, "/api/ipsec/endpoints", body: .object(item.fields))
                guard case .int(let id)? = created["id"] else { continue }
                for tunnel in item.children["tunnels"] ?? [] {
                    _ = try await client.json(.POST, "/api/ipsec/endpoints/\(id)/tunnels", body: .object(tunnel.fields))
                }
                for peer in item.children["ebgp_peers"] ?? [] {
                    _ = try await client.json(.POST, "/api/ipsec/endpoints/\(id)/ebgp_peers", body: .object(peer.fields))
                }
            case .change:
                guard let item = desired.ipsec?.first(where: { $0.key(.endpoint) == change.key }), let id = running.endpointIDs[change.key],
                      let old = running.ipsec.first(where: { $0.key(.endpoint) == change.key }) else { continue }
                var body = JSONObject()
                for key in item.fields.keys where old.fields[key] != item.fields[key] { body[key] = item.fields[key] }
                _ = try await client.json(.PUT, "/api/ipsec/endpoints/\(id)", body: .object(body))
            }
        }
        for (name, id) in running.endpointIDs {
            guard let item = desired.ipsec?.first(where: { $0.key(.endpoint) == name }) else { continue }
            try await children(.tunnel, endpoint: name, id: id, item: item, ids: running.tunnelIDs[name] ?? [:], path: "tunnels")
            try await children(.ebgpPeer, endpoint: name, id: id, item: item, ids: running.peerIDs[name] ?? [:], path: "ebgp_peers")
        }
    }

    func children(_ kind: SiteObject.Kind, endpoint: String, id: Int, item: SiteObject, ids: [String: Int], path: String) async throws {
        for change in plan.changes(in: "ipsec \(endpoint) \(kind.section)") {
            let base = "/api/ipsec/endpoints/\(id)/\(path)"
            let wanted = item.children[kind.section]?.first { $0.key(kind) == change.key }
            switch change.operation {
            case .remove: if let child = ids[change.key] { _ = try await client.json(.DELETE, "\(base)/\(child)") }
            case .add: if let wanted { _ = try await client.json(.POST, base, body: .object(wanted.fields)) }
            case .change: if let wanted, let child = ids[change.key] { _ = try await client.json(.PUT, "\(base)/\(child)", body: .object(wanted.fields)) }
            }
        }
    }
}
