import Foundation
import Testing
@testable import WeftModel

/// The firewall policy's hand-written store JSON against `JSONEncoder`/`JSONDecoder`.
@Suite struct StoreJSONTests {
    static let policy: FirewallPolicy = {
        var policy = FirewallPolicy(nextID: 42, sets: [
            FirewallSet(name: "NETS_office", kind: .net, description: "the office \"LAN\"",
                        entries: [.init(entry: "10.0.0.0/8", comment: "all"), .init(entry: "192.168.1.0/24")]),
            FirewallSet(name: "PORTS_web", kind: .port, entries: [.init(entry: "80"), .init(entry: "8000-8080", comment: "alt")]),
        ], subgroups: [
            .init(name: "FWD_C_web", description: "web\\tier", entries: [.init(id: 40, rule: "FWD_C_web -p tcp --dport 443 -j ACCEPT")]),
            .init(name: "INP_C_empty"),
        ], ruleGroups: [.init(name: "ops", description: "für Ops")])
        policy.entries = [
            .init(id: 1, rule: "INPUT_CUST -p tcp --dport 22 -j ACCEPT", comment: "ssh\r\nfrom anywhere", groups: ["ops", "base"]),
            .init(id: 2, rule: "FORWARD_CUST -m comment --comment \"a \\\"quoted\\\" word\" -j DROP", disabled: true),
            .init(id: 7, rule: "FORWARD_CUST –dport 80 -j ACCEPT", comment: "tab\there \u{1}"),
        ]
        return policy
    }()

    @Test func decodesToTheSamePolicy() throws {
        var bytes: [UInt8] = []
        Self.policy.writeStoreJSON(into: &bytes)
        let decoded = try JSONDecoder().decode(FirewallPolicy.self, from: Data(bytes))
        #expect(decoded == Self.policy)
    }

    @Test func sameBytesAsJSONEncoderWithSortedKeys() throws {
        var policy = Self.policy
        policy.entries[2].comment = "no control characters"
        var bytes: [UInt8] = []
        policy.writeStoreJSON(into: &bytes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(decoding: bytes, as: UTF8.self) == String(decoding: try encoder.encode(policy), as: UTF8.self))
    }

    @Test func emptyPolicy() throws {
        var bytes: [UInt8] = []
        FirewallPolicy().writeStoreJSON(into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"entries":[],"nextID":1,"ruleGroups":[],"sets":[],"subgroups":[]}"#)
        #expect(try JSONDecoder().decode(FirewallPolicy.self, from: Data(bytes)) == FirewallPolicy())
    }
}
