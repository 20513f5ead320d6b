import Foundation
import WeftIDS
import WeftModel

/// The JSON of `/api/ids…`, shared by the API and the web UI.
public enum IDSView {
    public static func config(_ c: IDSConfig, status: IDSService.Status?) -> JSONValue {
        var s: JSONObject = ["running": .bool(status?.running ?? false)]
        if let status {
            if let mode = status.mode { s["mode"] = .string(mode.rawValue) }
            if let failOpen = status.failOpen, status.mode == .inline {
                s["fail_open"] = .bool(failOpen)
                s["on_engine_failure"] = .string(failOpen ? "traffic passes (fail-open)" : "traffic is dropped (fail-closed)")
            }
            if !status.interfaces.isEmpty {
                var states = JSONObject()
                for (name, state) in status.interfaces.sorted(by: { $0.key < $1.key }) { states[name] = .string(state) }
                s["interfaces"] = .object(states)
            }
            if let q = status.queue { s["queue"] = .string(q) }
            if let e = status.error { s["error"] = .string(e) }
        }
        return [
            "enabled": .bool(c.enabled), "interfaces": .array(c.interfaces.map { .string($0) }),
            "mode": .string(c.mode.rawValue), "fail_open": .bool(c.failOpen), "status": .object(s),
        ]
    }

    public struct RuleRow: Sendable {
        public let sid: UInt32, rev: UInt32, msg: String, action: String, enabled: Bool, hits: Int, line: Int
    }

    public static func ruleRows(_ controller: Controller) -> [RuleRow] {
        let stored = controller.idsRuleText
        let set = (try? Controller.parseIDSRules(stored.text, variables: controller.idsVariables))?.rules ?? []
        let hits = controller.ids?.hitCounts ?? [:]
        let off = Set(stored.disabled)
        return set.map { RuleRow(sid: $0.sid, rev: $0.rev, msg: $0.msg, action: $0.action.rawValue, enabled: !off.contains($0.sid), hits: hits[$0.sid] ?? 0, line: $0.line) }
    }

    public static func rules(_ controller: Controller) -> JSONValue {
        .object(["rules": .array(ruleRows(controller).map { r in
            ["sid": .int(Int(r.sid)), "rev": .int(Int(r.rev)), "msg": .string(r.msg), "action": .string(r.action),
             "enabled": .bool(r.enabled), "hits": .int(r.hits)]
        })])
    }

    public static func variables(_ v: RuleVariables) -> JSONValue {
        var o = JSONObject()
        for (k, value) in v.addresses.sorted(by: { $0.key < $1.key }) { o[k] = .string(value) }
        for (k, value) in v.ports.sorted(by: { $0.key < $1.key }) { o[k] = .string(value) }
        return .object(o)
    }

    public static func stats(_ controller: Controller) -> JSONValue {
        let s = controller.ids?.stats ?? IDSService.Stats()
        let names = Dictionary(ruleRows(controller).map { ($0.sid, $0.msg) }, uniquingKeysWith: { a, _ in a })
        return [
            "packets": .int(s.packets), "flows": .int(s.flows), "drops": .int(s.drops), "alerts": .int(s.alerts),
            "kernel_drops": .int(s.kernelDrops), "accepted": .int(s.accepted), "rules_loaded": .int(s.rulesLoaded),
            "signatures": .array(s.hits.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.map { sid, n in
                ["sid": .int(Int(sid)), "msg": .string(names[sid] ?? ""), "hits": .int(n)]
            }),
        ]
    }

    /// `?since=&sid=&src=&limit=`: since as Unix seconds or an ISO 8601 time, limit 1 to 10,000 (100 by default).
    public struct AlertQuery: Sendable {
        public var since: Double?
        public var sid: UInt32?
        public var src: String?
        public var limit = 100

        public init(since: String?, sid: String?, src: String?, limit: String?) throws {
            if let since, !since.isEmpty {
                if let n = Double(since) { self.since = n } else if let d = ISO8601DateFormatter().date(from: since) {
                    self.since = d.timeIntervalSince1970
                } else { throw ValidationError(field: "since", "since: \"\(since)\" is neither Unix seconds nor an ISO 8601 time") }
            }
            if let sid {
                guard let n = UInt32(sid) else { throw ValidationError(field: "sid", "sid: \"\(sid)\" is not a signature id") }
                self.sid = n
            }
            if let src, !src.isEmpty { self.src = src }
            if let limit {
                guard let n = Int(limit), (1...IDSService.keepAlerts).contains(n) else {
                    throw ValidationError(field: "limit", "limit: \"\(limit)\" must be 1 to \(IDSService.keepAlerts)")
                }
                self.limit = n
            }
        }
    }
}
