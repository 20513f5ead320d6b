import Foundation
import WeftModel
import WeftWAF

/// The JSON of `/api/waf…`, shared by the API and the web UI. A service's TLS private key
/// is never shown: only whether one is set.
public enum WAFView {
    public static func service(_ s: WAFService) -> JSONValue {
        [
            "name": .string(s.name), "port": .int(s.port), "backend": .array(s.backends.map { .string($0.description) }),
            "mode": .string(s.mode.rawValue), "paranoia": .int(s.paranoia), "anomaly_inbound": .int(s.anomalyInbound),
            "anomaly_outbound": .int(s.anomalyOutbound), "body_limit_kb": .int(s.bodyLimitKB),
            "exclusions": .array(s.exclusions.map { e in
                var o: JSONObject = ["rule_id": .int(e.ruleID)]
                if let p = e.pathPrefix { o["path_prefix"] = .string(p) }
                return .object(o)
            }),
            "tls": .bool(s.tls), "tls_cert": s.tlsCert.map { .string($0) } ?? .null, "tls_key_set": .bool(s.tlsKey != nil),
            "created": .string(Timestamps.iso8601(s.created)),
        ]
    }

    public static func status(_ status: WAFRuntime.Status?) -> JSONValue {
        guard let status else { return ["running": .bool(false), "error": .string("the WAF does not run on this controller (--no-apply)")] }
        var o: JSONObject = ["running": .bool(status.running)]
        if let g = status.generation { o["generation"] = .string(g) }
        if let c = status.container { o["container"] = .string(c) }
        if let a = status.address { o["address"] = .string(a) }
        if let e = status.error { o["error"] = .string(e) }
        return .object(o)
    }

    public static func services(_ controller: Controller) -> JSONValue {
        ["services": .array(controller.wafServices.services.map(service)), "status": status(controller.waf?.status)]
    }

    /// Counts of the latest events: by rule and by client, most first.
    public static func summary(_ events: [WAFEvent], top: Int = 10) -> JSONValue {
        var rules: [Int: (msg: String, n: Int)] = [:]
        var clients: [String: Int] = [:]
        var blocked = 0
        for e in events {
            if e.action == .blocked { blocked += 1 }
            clients[e.clientIP, default: 0] += 1
            for r in e.rules { rules[r.id, default: (r.msg, 0)].n += 1 }
        }
        let topRules = rules.sorted { $0.value.n > $1.value.n || ($0.value.n == $1.value.n && $0.key < $1.key) }.prefix(top)
        let topClients = clients.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(top)
        return [
            "events": .int(events.count), "blocked": .int(blocked), "detected": .int(events.count - blocked),
            "top_rules": .array(topRules.map { ["id": .int($0.key), "msg": .string($0.value.msg), "count": .int($0.value.n)] }),
            "top_clients": .array(topClients.map { ["client_ip": .string($0.key), "count": .int($0.value)] }),
        ]
    }

    /// `?service=&since=&limit=`: since as Unix seconds or an ISO 8601 time, limit 1 to 10,000 (100 by default).
    public struct EventQuery: Sendable {
        public var service: String?
        public var since: Double?
        public var limit = 100

        public init(service: String?, since: String?, limit: String?) throws {
            if let service {
                guard WAFService.isName(service) else { throw ValidationError(field: "service", "service: \"\(service.prefix(40))\" is not a service name") }
                self.service = service
            }
            if let since {
                if let n = Double(since), n.isFinite { self.since = n } else if let d = ISO8601DateFormatter().date(from: since) {
                    self.since = d.timeIntervalSince1970
                } else { throw ValidationError(field: "since", "since: \"\(since.prefix(40))\" is neither Unix seconds nor an ISO 8601 time") }
            }
            if let limit {
                guard let n = Int(limit), (1...WAFRuntime.keepEvents).contains(n) else {
                    throw ValidationError(field: "limit", "limit: \"\(limit.prefix(20))\" must be 1 to \(WAFRuntime.keepEvents)")
                }
                self.limit = n
            }
        }
    }
}
