import Foundation
import WeftModel

/// One request the WAF logged (`GET /api/waf/events`), read from a ModSecurity JSON audit record.
public struct WAFEvent: Sendable, Equatable {
    public struct Match: Sendable, Equatable {
        public var id: Int
        public var msg: String
        public var severity: String
        public init(id: Int, msg: String, severity: String) {
            self.id = id
            self.msg = msg
            self.severity = severity
        }
    }

    public enum Action: String, Sendable { case blocked, detected }

    public var time: Double
    public var service: String
    public var requestID: String
    public var clientIP: String
    public var method: String
    public var uri: String
    public var status: Int
    public var action: Action
    public var anomalyScore: Int
    public var rules: [Match]

    public init(time: Double, service: String, requestID: String, clientIP: String, method: String, uri: String, status: Int,
                action: Action, anomalyScore: Int, rules: [Match]) {
        self.time = time
        self.service = service
        self.requestID = requestID
        self.clientIP = clientIP
        self.method = method
        self.uri = uri
        self.status = status
        self.action = action
        self.anomalyScore = anomalyScore
        self.rules = rules
    }

    /// ModSecurity's severities, 0-7 (CRS: 2 critical, 3 error, 4 warning, 5 notice).
    static let severities = ["EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"]
    /// The CRS's blocking and reporting rules: the score, not a finding.
    static let scoringRules: Set<Int> = [949110, 959100, 980130, 980140]

    /// Parses one audit record; `services` maps the port the request arrived on to the
    /// service name. Nil for a line that is not a JSON audit record.
    public static func parse(line: some Collection<UInt8>, services: [Int: String], now: Double) -> WAFEvent? {
        // ModSecurity copies request bytes into its strings as they came: a record may hold
        // bytes that are not UTF-8. Those are read as U+FFFD rather than losing the record.
        guard let value = (try? JSONParser.parse(line)) ?? (try? JSONParser.parse(String(decoding: line, as: UTF8.self))),
              case .object(let record)? = value["transaction"] else { return nil }
        func string(_ v: JSONValue?) -> String {
            switch v {
            case .string(let s)?: s
            case .int(let n)?: String(n)
            default: ""
            }
        }
        func int(_ v: JSONValue?) -> Int? {
            switch v {
            case .int(let n)?: n
            case .string(let s)?: Int(s)
            default: nil
            }
        }
        let port = int(record["host_port"]) ?? 0
        let request = record["request"]
        let status = int(record["response"]?["http_code"]) ?? 0
        var rules: [Match] = []
        var score = 0
        if case .array(let messages)? = record["messages"] {
            for message in messages {
                let details = message["details"]
                guard let id = int(details?["ruleId"]) else { continue }
                let text = string(message["message"])
                if scoringRules.contains(id) {
                    score = max(score, Self.score(in: text + " " + string(details?["data"])))
                    continue
                }
                let level = int(details?["severity"]).flatMap { severities.indices.contains($0) ? severities[$0] : nil } ?? string(details?["severity"])
                if !rules.contains(where: { $0.id == id }) { rules.append(Match(id: id, msg: text, severity: level)) }
            }
        }
        if score == 0 {
            // No scoring rule logged (a rule that blocks by itself): the findings' weights.
            for r in rules {
                switch r.severity {
                case "CRITICAL": score += 5
                case "ERROR": score += 4
                case "WARNING": score += 3
                case "NOTICE": score += 2
                default: break
                }
            }
        }
        return WAFEvent(time: time(string(record["time_stamp"])) ?? now, service: services[port] ?? "",
                        requestID: string(record["unique_id"]), clientIP: string(record["client_ip"]),
                        method: string(request?["method"]), uri: string(request?["uri"]), status: status,
                        action: status == 403 ? .blocked : .detected, anomalyScore: score, rules: rules)
    }

    /// "Total Score: 10" (949110) or "Total Inbound Score: 5" (980130).
    static func score(in text: String) -> Int {
        for marker in ["Total Score: ", "Total Inbound Score: ", "Inbound Anomaly Score: "] {
            if let range = text.range(of: marker) {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let n = Int(digits) { return n }
            }
        }
        return 0
    }

    /// ModSecurity's `time_stamp`, "Thu Dec  3 08:13:10 2026" (UTC inside the plugin).
    static func time(_ text: String) -> Double? {
        let parts = text.split(separator: " ")
        guard parts.count == 5 else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let month = months.firstIndex(of: String(parts[1])), let day = Int(parts[2]), let year = Int(parts[4]) else { return nil }
        let clock = parts[3].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        var c = DateComponents()
        c.year = year
        c.month = month + 1
        c.day = day
        c.hour = clock[0]
        c.minute = clock[1]
        c.second = clock[2]
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: c)?.timeIntervalSince1970
    }

    public var json: JSONValue {
        [
            "time": .string(RFC3339.format(Int(time))), "service": .string(service), "request_id": .string(requestID),
            "client_ip": .string(clientIP), "method": .string(method), "uri": .string(uri), "status": .int(status),
            "action": .string(action.rawValue), "anomaly_score": .int(anomalyScore),
            "rules": .array(rules.map { ["id": .int($0.id), "msg": .string($0.msg), "severity": .string($0.severity)] }),
        ]
    }
}
