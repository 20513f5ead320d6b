import Foundation
import HummingbirdTesting
import Testing
@testable import WeftApp
import WeftIDS
import WeftIDSLive
import WeftModel

@Suite struct IDSAPITests {
    static let rule = #"alert tcp any any <> any any (pcre:"/5\d{3}(\s|-)?\d{4}(\s|-)?\d{4}(\s|-)?\d{4}/"; msg:"MasterCard number detected in clear text";sid:9000001;rev:1;)"#

    func put(_ client: any TestClientProtocol, _ uri: String, _ text: String, type: String = "application/json") async throws -> TestResponse {
        var headers = TestController.basic()
        headers[.contentType] = type
        return try await client.execute(uri: uri, method: .put, headers: headers, body: body(text))
    }

    @Test func defaultsAndValidation() async throws {
        let harness = try TestController()
        try await harness.test { client in
            try await client.execute(uri: "/api/ids", method: .get, headers: TestController.basic()) { r in
                let v = r.json["response"]
                #expect(v?["enabled"] == .bool(false))
                #expect(v?["interfaces"] == .array(["tun0"]))
                #expect(v?["mode"] == .string("passive"))
                #expect(v?["fail_open"] == .bool(true))
            }
            let before = harness.generation
            for (bad, needle) in [(#"{"enabled": true, "speed": 3}"#, "Unknown field \"speed\""), (#"{"enabled": "yes"}"#, "\"enabled\""),
                                  (#"{"mode": "tap"}"#, "passive, inline"), (#"{"interfaces": "tun0"}"#, "\"interfaces\""),
                                  (#"{"interfaces": [1]}"#, "\"interfaces\""), (#"{"interfaces": []}"#, "1 to 16"),
                                  (#"{"interfaces": ["a/b"]}"#, "not a valid interface name"), (#"{"fail_open": 2}"#, "\"fail_open\"")] {
                let r = try await put(client, "/api/ids", bad)
                #expect(r.status == .badRequest, "\(bad)")
                #expect(r.errorMessage?.contains(needle) == true, "\(bad): \(r.text)")
            }
            #expect(harness.generation == before)
            let r = try await put(client, "/api/ids", #"{"mode": "inline", "fail_open": false, "interfaces": ["tun0", "eth1"]}"#)
            #expect(r.status == .ok)
            #expect(harness.controller.idsConfig.mode == .inline)
            #expect(harness.controller.idsConfig.failOpen == false)
            #expect(harness.controller.idsConfig.interfaces == ["tun0", "eth1"])
            #expect(harness.controller.idsConfig.enabled == false)
        }
    }

    @Test func aBadRuleSetIsRefusedWithItsLineAndTheOldOneStays() async throws {
        let harness = try TestController()
        try await harness.test { client in
            // CRLF as browsers send it.
            let good = "# card numbers\r\n\(Self.rule)\r\nalert udp any any -> any 53 (msg:\"dns\"; content:\"x\"; sid:2; rev:3;)\r\n"
            let ok = try await put(client, "/api/ids/rules", good, type: "text/plain")
            #expect(ok.status == .ok, "\(ok.text)")
            #expect(ok.json["response"]?["rules_loaded"] == .int(2))
            let before = harness.generation
            let bad = "\(Self.rule)\nalert tcp any any -> any any (msg:\"x\"; frobnicate; sid:5;)\n"
            let refused = try await put(client, "/api/ids/rules", bad, type: "text/plain")
            #expect(refused.status == .badRequest)
            #expect(refused.errorMessage?.contains("line 2") == true, "\(refused.text)")
            #expect(harness.generation == before)
            try await client.execute(uri: "/api/ids/rules", method: .get, headers: TestController.basic()) { r in
                guard case .array(let rules)? = r.json["response"]?["rules"] else { Issue.record("no rules: \(r.text)"); return }
                #expect(rules.count == 2)
                #expect(rules.first?["sid"] == .int(9000001))
                #expect(rules.last?["rev"] == .int(3))
                #expect(rules.first?["enabled"] == .bool(true))
            }
            let off = try await put(client, "/api/ids/rules/2", #"{"enabled": false}"#)
            #expect(off.status == .ok)
            #expect(harness.controller.idsRuleText.disabled == [2])
            #expect(try await put(client, "/api/ids/rules/77", #"{"enabled": false}"#).status == .notFound)
            #expect(try await put(client, "/api/ids/rules/2", #"{"enabled": false, "x": 1}"#).status == .badRequest)
            // Variables: a bad value is refused; HOME_NET can be set.
            #expect(try await put(client, "/api/ids/variables", #"{"HOME_NET": "[10.0.0.0/33"}"#).status == .badRequest)
            let v = try await put(client, "/api/ids/variables", #"{"HOME_NET": "[10.9.0.0/16]", "HTTP_PORTS": "[80,8080]"}"#)
            #expect(v.status == .ok, "\(v.text)")
            #expect(v.json["response"]?["HOME_NET"] == .string("[10.9.0.0/16]"))
            #expect(v.json["response"]?["HTTP_PORTS"] == .string("[80,8080]"))
            // Alert query validation.
            try await client.execute(uri: "/api/ids/alerts?limit=0", method: .get, headers: TestController.basic()) { r in #expect(r.status == .badRequest) }
            try await client.execute(uri: "/api/ids/alerts?sid=9000001&since=0", method: .get, headers: TestController.basic()) { r in
                #expect(r.status == .ok)
                #expect(r.json["response"]?["alerts"] == .array([]))
            }
        }
    }

    /// An IPv4/UDP packet (raw link type) carrying `payload`.
    static func udp(_ payload: String, sport: UInt16 = 40000, dport: UInt16 = 9999) -> [UInt8] {
        let data = Array(payload.utf8)
        let total = 20 + 8 + data.count
        var b: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
        b += [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff), UInt8((8 + data.count) >> 8), UInt8((8 + data.count) & 0xff), 0, 0]
        return b + data
    }

    @Test func theLiveEngineSwapsItsRuleSetWhole() throws {
        let seen = Seen()
        let first = try RuleSet.parse(#"alert udp any any -> any any (msg:"one"; content:"alpha"; sid:1;)"#).rules
        let engine = LiveEngine(rules: first, ips: false) { seen.add($0.rule.sid) }
        engine.process(Self.udp("xx alpha beta"), linkType: .raw, seconds: 1, microseconds: 0)
        #expect(seen.sids == [1])
        let second = try RuleSet.parse(#"alert udp any any -> any any (msg:"two"; content:"beta"; sid:2;)"#).rules
        engine.replace(rules: second, disabled: [])
        engine.process(Self.udp("xx alpha beta", sport: 40001), linkType: .raw, seconds: 2, microseconds: 0)
        #expect(seen.sids == [1, 2])
        #expect(engine.rulesLoaded == 1)
        engine.replace(rules: second, disabled: [2])
        engine.process(Self.udp("xx alpha beta", sport: 40002), linkType: .raw, seconds: 3, microseconds: 0)
        #expect(seen.sids == [1, 2])
        #expect(engine.snapshot.packets == 3)
    }

    @Test func inlineDropRulesDropTheFlowAndPassTheRest() throws {
        let rules = try RuleSet.parse(#"drop udp any any -> any any (msg:"bad"; content:"evil"; sid:7;)"#).rules
        let seen = Seen()
        let engine = LiveEngine(rules: rules, ips: true) { seen.add($0.rule.sid) }
        #expect(engine.process(Self.udp("hello"), linkType: .raw, seconds: 1, microseconds: 0) == false)
        #expect(engine.process(Self.udp("so evil"), linkType: .raw, seconds: 1, microseconds: 0) == true)
        // The rest of that flow is dropped too; another flow passes.
        #expect(engine.process(Self.udp("hello again"), linkType: .raw, seconds: 1, microseconds: 0) == true)
        #expect(engine.process(Self.udp("hello", sport: 40009), linkType: .raw, seconds: 1, microseconds: 0) == false)
        #expect(seen.sids == [7])
        #expect(engine.snapshot.drops == 2)
    }
}

final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [UInt32] = []
    func add(_ sid: UInt32) { lock.lock(); list.append(sid); lock.unlock() }
    var sids: [UInt32] { lock.lock(); defer { lock.unlock() }; return list }
}
