import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import WeftAPI
@testable import WeftApp
@testable import WeftHTTP
@testable import WeftWebUI
import WeftModel

@Suite struct FirewallAPITests {
    @Test func rulesGoToTheKernelBeforeTheStoreAndBadSetsChangeNothing() async throws {
        let harness = try TestController()
        try await harness.test { client in
            let rules = #"{"rules": "FORWARD_CUST -p tcp --dport 22 -j DROP\nMACRO_CUST -o eth0 -s 10.0.0.0/8 -j MASQUERADE"}"#
            try await client.execute(uri: "/api/firewall", method: .put, headers: TestController.basic(), body: body(rules)) { response in
                #expect(response.status == .ok, "\(response.text)")
            }
            #expect(harness.netfilter.chains(table: "filter")["FORWARD_CUST"]?.rules == ["-p tcp --dport 22 -j DROP"])
            #expect(harness.netfilter.chains(table: "nat")["MACRO_CUST"]?.rules == ["-o eth0 -s 10.0.0.0/8 -j MASQUERADE"])
            try await client.execute(uri: "/api/v2/firewall/rules", method: .get, headers: TestController.basic()) { response in
                #expect(response.json["response"] == .array([.array([.string("FORWARD_CUST -p tcp --dport 22 -j DROP"), .int(0)]),
                                                             .array([.string("MACRO_CUST -o eth0 -s 10.0.0.0/8 -j MASQUERADE"), .int(1)])]))
            }
            let generation = harness.generation
            let restores = harness.netfilter.restoreCount
            for (payload, expected) in [
                (#"{"rules": "FORWARD_CUST -j ACCEPT\nFORWARD_CUST -p tcp --dprot 1 -j DROP"}"#, "rule 1, at \"--dprot\""),
                (#"{"rules": "INPUT_CUST -j DROP"}"#, "8000"),
                (#"{"rules": "INPUT_CUST -j ACCEPT"}"#, "accepts everything"),
                (#"{"rules": 5}"#, "\"rules\""),
                (#"{"rules": "FORWARD_CUST -j ACCEPT", "extra": 1}"#, "Unknown field \"extra\""),
            ] {
                try await client.execute(uri: "/api/firewall", method: .put, headers: TestController.basic(), body: body(payload)) { response in
                    #expect(response.status == .badRequest, "\(payload)")
                    #expect(response.errorMessage?.contains(expected) == true, "\(payload): \(response.text)")
                }
            }
            #expect(harness.generation == generation)
            #expect(harness.netfilter.restoreCount == restores, "nothing reached the kernel")
            // Forced, the lockout goes through.
            try await client.execute(uri: "/api/firewall", method: .put, headers: TestController.basic(),
                                     body: body(#"{"rules": "INPUT_CUST -j DROP", "force": true}"#)) { response in
                #expect(response.status == .ok)
            }
            #expect(harness.netfilter.chains(table: "filter")["INPUT_CUST"]?.rules == ["-j DROP"])
        }
    }

    /// Browsers send CRLF; scripts send LF; old Mac tools send CR: every one ends a line.
    @Test(arguments: ["\\r\\n", "\\n", "\\r"])
    func everyLineEndSplitsRuleSetAndSubgroupBodies(_ newline: String) async throws {
        let harness = try TestController()
        try await harness.test { client in
            let rules = "# the office\(newline)FORWARD_CUST -s 192.0.2.0/24 -j ACCEPT\(newline)\(newline)FORWARD_CUST -p tcp --dport 23 -j DROP\(newline)"
            try await client.execute(uri: "/api/firewall", method: .put, headers: TestController.basic(),
                                     body: body(#"{"rules": "\#(rules)"}"#)) { response in
                #expect(response.status == .ok, "\(response.text)")
            }
            #expect(harness.netfilter.chains(table: "filter")["FORWARD_CUST"]?.rules == ["-s 192.0.2.0/24 -j ACCEPT", "-p tcp --dport 23 -j DROP"])
            try await client.execute(uri: "/api/firewall/fwsets", method: .post, headers: TestController.basic(),
                                     body: body(#"{"rules": "NETS_lines 192.0.2.0/24\#(newline)NETS_lines 198.51.100.7\#(newline)"}"#)) { response in
                #expect(response.status == .ok, "\(response.text)")
            }
            #expect(harness.ipsets.entries("NETS_lines") == ["192.0.2.0/24", "198.51.100.7"])
            try await client.execute(uri: "/api/firewall/rules/subgroup", method: .post, headers: TestController.basic(),
                                     body: body(#"{"name": "FWD_C_lines", "rules": "-p udp -j DROP\#(newline)# skipped\#(newline)-p icmp -j ACCEPT"}"#)) { response in
                #expect(response.status == .ok, "\(response.text)")
            }
            #expect(harness.controller.snapshot.firewall.subgroups.first?.rules == ["FWD_C_lines -p udp -j DROP", "FWD_C_lines -p icmp -j ACCEPT"])
            // One rule field holds one line, whatever ends it.
            try await client.execute(uri: "/api/v2/firewall/rules", method: .post, headers: TestController.basic(),
                                     body: body(#"{"rule": "FORWARD_CUST -j ACCEPT\#(newline)FORWARD_CUST -j DROP", "position": -1}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage?.contains("more than one line") == true, "\(response.text)")
            }
        }
    }

    @Test func fwsetsAreIpsetsFilledBeforeRulesUseThem() async throws {
        let harness = try TestController()
        try await harness.test { client in
            try await client.execute(uri: "/api/firewall/fwsets", method: .post, headers: TestController.basic(),
                                     body: body(#"{"rules": "NETS_bad 192.0.2.0/24\nNETS_bad 198.51.100.7"}"#)) { response in
                #expect(response.status == .ok, "\(response.text)")
            }
            #expect(harness.ipsets.entries("NETS_bad") == ["192.0.2.0/24", "198.51.100.7"])
            try await client.execute(uri: "/api/v2/firewall/rules", method: .post, headers: TestController.basic(),
                                     body: body(#"{"rule": "FORWARD_CUST -m set --match-set NETS_bad src -j DROP", "position": -1}"#)) { response in
                #expect(response.status == .ok, "\(response.text)")
            }
            try await client.execute(uri: "/api/v2/firewall/fwsets/NETS_bad", method: .delete, headers: TestController.basic(), body: body("{}")) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage?.contains("NETS_bad") == true)
            }
            #expect(harness.ipsets.names.contains("NETS_bad"))
        }
    }
}
