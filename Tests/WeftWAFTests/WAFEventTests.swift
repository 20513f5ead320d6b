import Foundation
import XCTest
@testable import WeftWAF

final class WAFEventTests: XCTestCase {
    /// A record in libmodsecurity 3's JSON audit format (SecAuditLogFormat JSON, parts ABIJDEFHZ).
    let blocked = #"""
    {"transaction":{"client_ip":"198.18.0.1","time_stamp":"Thu Dec  3 08:13:10 2026","server_id":"x","client_port":41000,"host_ip":"198.51.100.2","host_port":8080,"unique_id":"4f2a9c","request":{"method":"GET","http_version":1.1,"uri":"/?id=1' OR '1'='1","headers":{"Host":"shop"}},"response":{"http_code":403,"headers":{}},"producer":{"modsecurity":"ModSecurity v3.0.9 (Linux)","connector":"ModSecurity-nginx v1.0.3","secrules_engine":"Enabled","components":["OWASP_CRS/3.3.4\""]},"messages":[{"message":"SQL Injection Attack Detected via libinjection","details":{"match":"detected SQLi using libinjection.","reference":"v9,12","ruleId":"942100","file":"/usr/share/modsecurity-crs/rules/REQUEST-942-APPLICATION-ATTACK-SQLI.conf","lineNumber":"45","data":"Matched Data: s&sos found within ARGS:id: 1' OR '1'='1","severity":"2","ver":"OWASP_CRS/3.3.4","rev":"","tags":["attack-sqli"],"maturity":"0","accuracy":"0"}},{"message":"Inbound Anomaly Score Exceeded (Total Score: 5)","details":{"match":"Matched \"Operator `Ge' with parameter `5' against variable `TX:ANOMALY_SCORE' (Value: `5' )","reference":"","ruleId":"949110","file":"/usr/share/modsecurity-crs/rules/REQUEST-949-BLOCKING-EVALUATION.conf","lineNumber":"81","data":"","severity":"2","ver":"OWASP_CRS/3.3.4","rev":"","tags":["anomaly-evaluation"],"maturity":"0","accuracy":"0"}}]}}
    """#

    func testABlockedRequest() throws {
        let e = try XCTUnwrap(WAFEvent.parse(line: Array(blocked.utf8), services: [8080: "web"], now: 0))
        XCTAssertEqual(e.service, "web")
        XCTAssertEqual(e.clientIP, "198.18.0.1")
        XCTAssertEqual(e.method, "GET")
        XCTAssertEqual(e.uri, "/?id=1' OR '1'='1")
        XCTAssertEqual(e.status, 403)
        XCTAssertEqual(e.action, .blocked)
        XCTAssertEqual(e.requestID, "4f2a9c")
        XCTAssertEqual(e.anomalyScore, 5)
        XCTAssertEqual(e.rules, [.init(id: 942100, msg: "SQL Injection Attack Detected via libinjection", severity: "CRITICAL")])
        XCTAssertEqual(e.time, 1_796_285_590, "Thu Dec 3 08:13:10 2026 UTC")
        XCTAssertEqual(WAFEvent.parse(line: Array(blocked.utf8), services: [:], now: 0)?.service, "")
    }

    func testDetectModeAndAScoreFromTheCorrelationRule() throws {
        let detected = blocked.replacingOccurrences(of: "\"http_code\":403", with: "\"http_code\":200")
            .replacingOccurrences(of: "Inbound Anomaly Score Exceeded (Total Score: 5)", with: "Inbound Anomaly Score Exceeded (Total Inbound Score: 8 - SQLI=5,XSS=0)")
            .replacingOccurrences(of: "\"949110\"", with: "\"980130\"")
        let e = try XCTUnwrap(WAFEvent.parse(line: Array(detected.utf8), services: [8080: "web"], now: 0))
        XCTAssertEqual(e.action, .detected)
        XCTAssertEqual(e.anomalyScore, 8)
        XCTAssertEqual(e.rules.map(\.id), [942100])
    }

    func testBytesThatAreNotUTF8AreKept() throws {
        var bytes = Array(blocked.utf8)
        let at = bytes.firstIndex(of: UInt8(ascii: "'"))!
        bytes.insert(0xff, at: at)
        let e = try XCTUnwrap(WAFEvent.parse(line: bytes, services: [8080: "web"], now: 0))
        XCTAssertEqual(e.uri, "/?id=1\u{FFFD}' OR '1'='1")
        XCTAssertEqual(e.rules.map(\.id), [942100])
    }

    func testLinesThatAreNoRecords() {
        for line in ["", "not json", "{}", "{\"transaction\": 3}", "[1,2]", "{\"transaction\":{\"messages\":\"x\"}}"] {
            let e = WAFEvent.parse(line: Array(line.utf8), services: [:], now: 7)
            if line.contains("messages") { XCTAssertEqual(e?.time, 7) } else { XCTAssertNil(e, line) }
        }
    }

    func testTimeStamps() {
        XCTAssertEqual(WAFEvent.time("Thu Jan  1 00:00:00 1970"), 0)
        XCTAssertNil(WAFEvent.time("yesterday"))
        XCTAssertNil(WAFEvent.time("Thu Foo  1 00:00:00 1970"))
    }

    func testJSONShape() throws {
        let e = try XCTUnwrap(WAFEvent.parse(line: Array(blocked.utf8), services: [8080: "web"], now: 0))
        guard case .object(let o) = e.json else { return XCTFail() }
        XCTAssertEqual(o.entries.map(\.key), ["time", "service", "request_id", "client_ip", "method", "uri", "status", "action", "anomaly_score", "rules"])
    }
}

/// Records the real stack wrote (tests/fixtures/waf/audit-sample.log: nginx 1.22,
/// ModSecurity-nginx 1.0.3, libmodsecurity 3.0.9, CRS 3.3.4).
final class WAFAuditSampleTests: XCTestCase {
    func testTheRealRecords() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../tests/fixtures/waf/audit-sample.log")
        let bytes = [UInt8](try Data(contentsOf: url))
        let events = bytes.split(separator: UInt8(ascii: "\n")).compactMap { WAFEvent.parse(line: $0, services: [8080: "web"], now: 0) }
        XCTAssertEqual(events.count, 3)
        let sqli = events[0]
        XCTAssertEqual(sqli.action, .blocked)
        XCTAssertEqual(sqli.rules.map(\.id), [942100])
        XCTAssertEqual(sqli.rules.first?.severity, "CRITICAL")
        XCTAssertEqual(sqli.requestID, "34a6bfca33010c5303536e6d6106831c")
        XCTAssertGreaterThanOrEqual(sqli.anomalyScore, 5)
        let many = events[1]
        XCTAssertEqual(many.rules.map(\.id), [930100, 930110, 930120, 932160, 941100, 941110, 941160, 941180], "one entry per rule, 949110 as the score")
        XCTAssertGreaterThan(many.anomalyScore, 20)
        let detected = events[2]
        XCTAssertEqual(detected.action, .detected)
        XCTAssertEqual(detected.method, "POST")
        XCTAssertEqual(detected.status, 200)
        XCTAssertTrue(events.allSatisfy { $0.service == "web" && $0.clientIP == "10.250.77.1" })
    }
}
